/**
 * What the ARM `Microsoft.Authorization` resources of the fake share (api-version 2022-04-01): ARM's
 * error bodies, paging by `$skipToken`, and authorization of callers that signed in through the
 * fake's token endpoint (held to their role assignments) or are denied by the emulator's deny list.
 */
import { serviceError, type RouteContext } from '../../_router';
import { nextPageUrl, readPageToken } from '../_query';
import { json } from '../_respond';
import type { FakeRuntime } from '../options';
import { actionCovers } from '../permissions';
import { isAtOrAbove, normalizeScope, type FakeRoleDefinition } from '../state';

export const API_VERSION = '2022-04-01';
export const PROVIDER = '/providers/Microsoft.Authorization';

export const armError = (status: number, code: string, message: string): Response => serviceError('arm', status, code, message);

export const scopeOf = (raw: string | undefined): string => normalizeScope(raw ?? '');

const covers = actionCovers;

function allows(role: FakeRoleDefinition, action: string): boolean {
  return role.permissions.some((p) => p.actions.some((a) => covers(a, action)) && !p.notActions.some((n) => covers(n, action)));
}

/**
 * Callers that signed in through the fake's token endpoint (their token has `appid`) are held to
 * their role assignments; the platform operator's test token may do anything.
 */
export const forbidden = (rt: FakeRuntime, ctx: RouteContext, action: string, scope: string): Response | undefined => {
  const caller = ctx.caller;
  if (caller && rt.permissions.armDenies(action, scope)) {
    // A user caller is named by its sign-in name in the real message, an app by its client id.
    const who = typeof caller['appid'] === 'string' ? caller['appid'] : typeof caller['upn'] === 'string' ? caller['upn'] : caller.oid;
    return armError(
      403,
      'AuthorizationFailed',
      `The client '${who}' with object id '${caller.oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  }
  if (!caller || typeof caller['appid'] !== 'string') return undefined;
  const granted = rt.state
    .roleAssignments()
    .some(
      (ra) =>
        ra.principalId === caller.oid.toLowerCase() &&
        isAtOrAbove(ra.scope, scope) &&
        ((r) => r !== undefined && allows(r, action))(rt.state.roleDefinition(ra.roleDefinitionId)),
    );
  if (granted) return undefined;
  return armError(
    403,
    'AuthorizationFailed',
    `The client '${caller['appid']}' with object id '${caller.oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
};

/** One page of an ARM list: `rt.options.armPageSize` items and a `nextLink` while more remain. */
export const page = (rt: FakeRuntime, ctx: RouteContext, items: Array<Record<string, unknown>>): Response => {
  const offset = readPageToken(ctx.query.get('$skipToken'));
  if (offset === undefined) return armError(400, 'InvalidSkipToken', 'The skip token is invalid.');
  const size = rt.options.armPageSize;
  const more = offset + size < items.length;
  return json({
    value: items.slice(offset, offset + size),
    ...(more ? { nextLink: nextPageUrl(ctx.url, '$skipToken', offset + size) } : {}),
  });
};
