/**
 * A spec for the connections an organization already has: what a team that built its connections
 * by hand writes first to bring them under wif without recreating them
 * (docs/decisions/040-adopting-an-app-made-by-hand.md). Each connection on workload identity federation, made in
 * manual mode on an app registration, becomes one `connections` entry that adopts its app by
 * `appId`, with the roles its service principal holds, its target, the projects it is shared into,
 * the pipelines allowed to use it and its description: `plan` of the result then changes nothing
 * but wif's marker on each connection. The others are listed as skipped, with what to do instead.
 * Reads only.
 */
import { parseScope, PRIVILEGED_ROLE_IDS, roleDefinitionGuid } from '@wif/arm';
import { authParameter, getPipelinePermissions, listProjects, listServiceEndpoints, type ServiceEndpoint } from '@wif/devops';
import { getApplication, getServicePrincipal } from '@wif/graph';
import { deferred, collect, type OperationOptions } from '@wif/http';
import { err, errAsync, ok, okAsync, type ResultAsync, safeTry } from 'neverthrow';
import * as z from 'zod';
import { same } from '../_internal/compare';
import { mapPool } from '../_internal/pool';
import { CONNECTION_MARKER, WIF_MANAGED_TAG } from '../constants';
import type { WifError } from '../errors';
import { type ConnectionTarget, targetFromData, targetListScope } from '../target';
import { connectionNameSchema, projectSchema, validate } from '../validation';
import { builtInRoleName, listPrincipalAssignments } from './_roles';
import type { WifClients } from './clients';

/** Options of {@link specFromOrganization}. */
export interface SpecFromOrganizationOptions extends OperationOptions {
  /** Only these projects (names or ids); default: every project the caller can see. */
  readonly projects?: readonly string[];
  /** Only the connections with these names (any letter case). */
  readonly connections?: readonly string[];
}

/** One `connections` entry of a written spec, as `loadSpec` reads it. */
export interface WrittenConnection {
  readonly project: string;
  readonly name: string;
  /** `{ appId }`: adopted as it is; `{ displayName, uniqueName }`: an app wif made (its tag and key). */
  readonly app: { readonly appId: string } | { readonly displayName: string; readonly uniqueName: string };
  readonly target: ConnectionTarget;
  readonly roles: readonly { readonly role: string; readonly scope: string; readonly allowPrivileged?: true }[];
  readonly shareWith?: readonly string[];
  readonly pipelines?: readonly number[] | { readonly all: true };
  readonly description?: string;
}

/** What {@link specFromOrganization} found. */
export interface SpecFromOrganization {
  /** The spec (serialize it as YAML or JSON); `undefined` when no connection could be written. */
  readonly spec?: {
    readonly organization: string;
    readonly tenantId: string;
    readonly cloud?: string;
    readonly connections: readonly WrittenConnection[];
  };
  /** Connections found and not written, each with why and what to do instead. */
  readonly skipped: readonly { readonly project: string; readonly name: string; readonly reason: string }[];
  /** What to review in the written spec, per connection (e.g. a privileged role kept as it is). */
  readonly notes: readonly { readonly project: string; readonly name: string; readonly note: string }[];
}

type Skip = { readonly skip: string };

const optionsSchema = deferred(() =>
  z.strictObject({
    projects: z.array(projectSchema).optional(),
    connections: z.array(connectionNameSchema).optional(),
  }),
);

/** Connections read at once (each is four reads: app, service principal, role assignments, pipeline permissions). */
const READ_CONCURRENCY = 16;
type Found = {
  readonly connection: WrittenConnection;
  readonly appId: string;
  readonly tenantId: string;
  readonly cloud: string;
  readonly notes: string[];
};

/** More projects than this is refused (`LimitExceeded`): name the projects with `projects`. */
const MAX_PROJECTS = 10_000;

/**
 * Writes a spec for the organization's existing connections on workload identity federation
 * (see the module comment): the adoption path for connections made by hand.
 *
 * Calls, per project: `GET _apis/projects` (without `projects`), `GET …/serviceendpoint/endpoints?type=azurerm`;
 * per connection written: Graph `GET /applications(appId='…')` and `GET /servicePrincipals(appId='…')`,
 * ARM `GET {subscription or management group}/providers/Microsoft.Authorization/roleAssignments?$filter=principalId eq '…'`,
 * Azure DevOps `GET …/pipelines/pipelinePermissions/endpoint/{id}`. Reads only.
 *
 * Skipped, with the reason: connections on a client secret (`wif migrate`), made by Azure DevOps in
 * automatic mode, on a managed identity, with no role assignment, bound to another tenant or cloud
 * than the first one written, and those whose target cannot be read.
 * @example
 * const found = await specFromOrganization(clients, { projects: ['platform'] });
 * if (found.isOk() && found.value.spec) writeFileSync('wif.yaml', stringify(found.value.spec));
 */
export function specFromOrganization(
  clients: WifClients,
  options: SpecFromOrganizationOptions = {},
): ResultAsync<SpecFromOrganization, WifError> {
  const o: OperationOptions = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const wanted = options.connections?.map((n) => n.toLowerCase());
  // Names checked before any request: a bad one is a Validation error and nothing is sent.
  const valid = validate(optionsSchema, { projects: options.projects, connections: options.connections });
  if (valid.isErr()) return errAsync(valid.error);
  return safeTry(async function* () {
    const projects = options.projects ? [...options.projects] : yield* await allProjects(clients, o);
    // Each connection once (a shared one under the first project that lists it), in the order listed;
    // the projects' lists read up to READ_CONCURRENCY at a time (an organization may have hundreds).
    const lists = await mapPool(
      projects,
      READ_CONCURRENCY,
      async (project) => await listServiceEndpoints(clients.devops, project, { type: 'azurerm', includeFailed: true }, o),
    );
    const seen = new Set<string>();
    const todo: { project: string; e: ServiceEndpoint }[] = [];
    for (const [i, project] of projects.entries()) {
      const endpoints = yield* lists[i]!;
      for (const e of endpoints) {
        if (seen.has(e.id.toLowerCase()) || (wanted && !wanted.includes(e.name.toLowerCase()))) continue;
        seen.add(e.id.toLowerCase());
        todo.push({ project, e });
      }
    }
    const written = await mapPool(todo, READ_CONCURRENCY, async ({ project, e }) => await writeOne(clients, project, e, o));
    const skipped: { project: string; name: string; reason: string }[] = [];
    const found: Found[] = [];
    for (const [i, r] of written.entries()) {
      if (r.isErr()) return err(r.error);
      const { project, e } = todo[i]!;
      if ('skip' in r.value) skipped.push({ project, name: e.name, reason: r.value.skip });
      else found.push(r.value);
    }
    // One spec is one tenant and one cloud (those of the first connection written), and one app per
    // connection: a later connection on an app already written is left out.
    const first = found[0];
    const apps = new Map<string, string>();
    const kept = found.filter((f) => {
      const app = f.appId.toLowerCase();
      const other = !same(f.tenantId, first!.tenantId) ? `tenant ${f.tenantId}` : f.cloud !== first!.cloud ? `cloud ${f.cloud}` : undefined;
      const reason = other
        ? `bound to ${other}, not that of the other connections: write a spec per tenant and cloud (--connection)`
        : apps.has(app)
          ? `shares its app ${f.appId} with ${apps.get(app)}: one app per connection (wif migrate start gives it an app of its own)`
          : undefined;
      if (reason) skipped.push({ project: f.connection.project, name: f.connection.name, reason });
      else apps.set(app, `${f.connection.project}/${f.connection.name}`);
      return reason === undefined;
    });
    const notes = kept.flatMap((f) => f.notes.map((note) => ({ project: f.connection.project, name: f.connection.name, note })));
    const spec = first
      ? {
          organization: clients.devops.organization,
          tenantId: first.tenantId,
          ...(first.cloud !== 'AzureCloud' ? { cloud: first.cloud } : {}),
          connections: kept.map((f) => f.connection),
        }
      : undefined;
    return ok({ ...(spec ? { spec } : {}), skipped, notes });
  });
}

/** Every project the caller can see, by name (the audit's walk reads the same list). */
function allProjects(clients: WifClients, o: OperationOptions): ResultAsync<string[], WifError> {
  return collect(listProjects(clients.devops, {}, o), MAX_PROJECTS).map((projects) => projects.map((p) => p.name));
}

/** One connection as a spec entry, or why it is not written. */
function writeOne(clients: WifClients, project: string, e: ServiceEndpoint, o: OperationOptions): ResultAsync<Found | Skip, WifError> {
  const scheme = e.authorization?.scheme ?? '';
  if (same(scheme, 'ServicePrincipal'))
    return okAsync({
      skip: `is on a client secret (wif migrate start --project ${project} --connection ${e.name} moves it to federation)`,
    });
  if (!same(scheme, 'WorkloadIdentityFederation')) return okAsync({ skip: `uses the ${scheme || 'unknown'} scheme` });
  if (same(e.data?.['creationMode'], 'Automatic'))
    return okAsync({ skip: 'made by Azure DevOps in automatic mode (its app is Azure DevOps’): left as it is' });
  const target = targetFromData(e.data);
  if (!target) return okAsync({ skip: 'its target (subscription or management group) cannot be read from the connection' });
  const appId = authParameter(e, 'serviceprincipalid');
  const tenantId = authParameter(e, 'tenantid');
  if (!appId || !tenantId) return okAsync({ skip: 'names no app or tenant' });
  return safeTry(async function* () {
    const app = await getApplication(clients.graph, { appId }, { ...o, select: ['id', 'appId', 'displayName', 'uniqueName', 'tags'] });
    if (app.isErr()) {
      if (app.error.kind !== 'NotFound') return err(app.error);
      return ok<Skip>({
        skip: `its identity ${appId} has no app registration (a managed identity?): wif adopt writes app registrations only; naming the identity in a spec (identity: { kind: managedIdentity, … }) hands it to wif, which tags it wif:managed`,
      });
    }
    const sp = await getServicePrincipal(clients.graph, { appId }, o);
    if (sp.isErr()) {
      if (sp.error.kind !== 'NotFound') return err(sp.error);
      return ok<Skip>({ skip: `its app ${appId} has no service principal, so it holds no role` });
    }
    const roles: { role: string; scope: string; allowPrivileged?: true }[] = [];
    const notes: string[] = [];
    for (const a of yield* await listPrincipalAssignments(clients.arm, [targetListScope(target)], sp.value.id, o)) {
      const guid = roleDefinitionGuid(a.properties.roleDefinitionId) ?? a.properties.roleDefinitionId;
      const role = builtInRoleName(guid) ?? guid;
      const scope = a.properties.scope;
      const level = parseScope(scope)
        .map((p) => p.level)
        .unwrapOr(undefined);
      const broad = level === 'subscription' || level === 'managementGroup' || scope === '/';
      if (PRIVILEGED_ROLE_IDS.has(guid.toLowerCase()) && broad) {
        roles.push({ role, scope, allowPrivileged: true });
        notes.push(`${role} at ${scope} kept with allowPrivileged: true; it can grant itself more access: narrow it`);
      } else roles.push({ role, scope });
    }
    if (roles.length === 0) return ok<Skip>({ skip: `its identity holds no role assignment at or around ${targetListScope(target)}` });
    const projectId =
      e.serviceEndpointProjectReferences?.find((r) => same(r.projectReference?.name, project))?.projectReference?.id ?? project;
    const permissions = yield* await getPipelinePermissions(clients.devops, projectId, { type: 'endpoint', id: e.id }, o);
    const authorized = (permissions.pipelines ?? []).filter((p) => p.authorized).map((p) => p.id);
    const pipelines =
      permissions.allPipelines?.authorized === true ? ({ all: true } as const) : authorized.length > 0 ? authorized : undefined;
    const shareWith = (e.serviceEndpointProjectReferences ?? [])
      .map((r) => r.projectReference?.name ?? '')
      .filter((n) => n !== '' && !same(n, project));
    const description = (e.description ?? '').replace(CONNECTION_MARKER, '').trim();
    const connection: WrittenConnection = {
      project,
      name: e.name,
      // An app wif made (its tag, and the key it reads it by) stays wif's; any other is adopted as it is.
      app:
        app.value.uniqueName && (app.value.tags ?? []).includes(WIF_MANAGED_TAG)
          ? { displayName: app.value.displayName, uniqueName: app.value.uniqueName }
          : { appId },
      target,
      roles,
      ...(shareWith.length > 0 ? { shareWith } : {}),
      ...(pipelines !== undefined ? { pipelines } : {}),
      ...(description ? { description } : {}),
    };
    return ok<Found>({ connection, appId, tenantId, cloud: e.data?.['environment'] || 'AzureCloud', notes });
  });
}
