/**
 * What the Azure DevOps resources of the fake share (api-version 7.1): URL patterns, the service's
 * error bodies, identity representations and the deny list of the emulator (`../permissions.ts`).
 */
import { serviceError, type RouteContext } from '../../_router';
import type { FakeRuntime } from '../options';
import { SERVICE_ENDPOINT_BITS } from '../permissions';
import type { FakeIdentity } from '../state';

export const API = '7.1';
export const PREVIEW = '7.1-preview.1';
export const WIF = 'WorkloadIdentityFederation';
/** A project segment of a URL: anything but the organization-level `_apis/`. */
export const PROJECT = '/((?!_apis/)[^/]+)';
const PAT_USER: FakeIdentity = { id: '00000000-0000-0000-0000-00000000a11e', displayName: 'PAT user', uniqueName: 'pat-user@fake' };

export const devopsError = (status: number, typeKey: string, message: string): Response => serviceError('devops', status, typeKey, message);
export const argument = (message: string): Response => devopsError(400, 'ArgumentException', message);
export const endpointNotFound = (id: string): Response =>
  devopsError(404, 'ServiceEndpointNotFoundException', `Service connection with id ${id} does not exist or you do not have access to it.`);
export const projectNotFound = (p: string): Response =>
  devopsError(
    404,
    'ProjectDoesNotExistWithNameException',
    `TF200016: The following project does not exist: ${p}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`,
  );

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The pattern of `/{organization}{rest}` (case-insensitive, whole path). */
export function orgPath(rt: FakeRuntime): (rest: string) => RegExp {
  const org = escapeRe(rt.state.organization);
  return (rest) => new RegExp(`^/${org}${rest}$`, 'i');
}

/** `https://dev.azure.com/{organization}` (or the configured base URL). */
export const orgUrl = (rt: FakeRuntime): string => `${rt.options.baseUrls.devops}/${rt.state.organization}`;

export const nowIso = (rt: FakeRuntime): string => new Date(rt.now()).toISOString();

export function identityJson(rt: FakeRuntime, i: FakeIdentity): Record<string, unknown> {
  const descriptor = `aad.${Buffer.from(i.id).toString('base64url')}`;
  const avatar = `${orgUrl(rt)}/_apis/GraphProfile/MemberAvatars/${descriptor}`;
  return {
    displayName: i.displayName,
    url: `https://vssps.dev.azure.com/${rt.state.organization}/_apis/Identities/${i.id}`,
    _links: { avatar: { href: avatar } },
    id: i.id,
    uniqueName: i.uniqueName,
    imageUrl: avatar,
    descriptor,
  };
}

/** Who is calling: the signed-in identity of the test token, or the PAT user without one. */
export function callerIdentity(ctx: RouteContext): FakeIdentity {
  const c = ctx.caller;
  if (!c) return PAT_USER;
  const appid = typeof c['appid'] === 'string' ? c['appid'] : undefined;
  return { id: c.oid, displayName: appid ? `Service principal ${appid}` : 'Platform operator', uniqueName: appid ?? `${c.oid}@${c.tid}` };
}

// ------------------------------------------------------------ the deny list (../permissions.ts)

/** Whether the deny list takes any of `bits` away from the caller in the project `projectId`. */
export function deniedIn(rt: FakeRuntime, bits: number, projectId: string): boolean {
  const project = rt.state.project(projectId);
  return rt.permissions.devopsDenies(
    bits,
    (key) => key.toLowerCase() === projectId.toLowerCase() || (project !== undefined && key.toLowerCase() === project.name.toLowerCase()),
  );
}

// Wording of ours: the service's text for a missing Administer bit is not documented.
export const administerRefused = (e: { name: string }): Response =>
  devopsError(
    403,
    'AccessCheckException',
    `You do not have permission to manage the service connection ${e.name}. You need to be an Administrator for this service connection.`,
  );

/** Whether the caller lacks Administer on the connection in any project that uses it. */
export const cannotAdminister = (rt: FakeRuntime, e: { projectReferences: readonly { projectId: string }[] }): boolean =>
  e.projectReferences.some((r) => deniedIn(rt, SERVICE_ENDPOINT_BITS.Administer, r.projectId));

/** A non-negative integer query parameter, `fallback` when absent, `undefined` when it is not one. */
export function queryCount(query: URLSearchParams, name: string, fallback: number): number | undefined {
  const v = query.get(name);
  const n = v === null ? fallback : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
