/**
 * `{scope}/providers/Microsoft.Authorization/permissions` (ARM 2022-04-01) in the fake: the caller's
 * effective permissions at a scope.
 */
import type { RouteContext } from '../../_router';
import type { FakeRoute, FakeRuntime } from '../options';
import { isAtOrAbove } from '../state';
import { API_VERSION, armError, page, PROVIDER, scopeOf } from './_common';

export function permissionRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;

  /**
   * The caller's effective permissions at a scope (Permissions_ListForResourceGroup / _ListForResource,
   * and the subscription form): one entry per role grant. The platform operator holds one grant of
   * everything but what the deny list takes away there; a service principal its role assignments.
   */
  const permissionsAt = (ctx: RouteContext): Response => {
    const scope = scopeOf(ctx.params[0]);
    if (!/^\/subscriptions\//i.test(scope)) {
      return armError(404, 'InvalidResourceType', `The resource type 'permissions' could not be found at '${scope}'.`);
    }
    const caller = ctx.caller;
    const entry = (p: {
      actions: readonly string[];
      notActions: readonly string[];
      dataActions?: readonly string[];
      notDataActions?: readonly string[];
    }) => ({
      actions: [...p.actions],
      notActions: [...p.notActions],
      dataActions: [...(p.dataActions ?? [])],
      notDataActions: [...(p.notDataActions ?? [])],
    });
    let value: Array<ReturnType<typeof entry>>;
    if (caller && typeof caller['appid'] === 'string') {
      value = state
        .roleAssignments()
        .filter((ra) => ra.principalId === caller.oid.toLowerCase() && isAtOrAbove(ra.scope, scope))
        .flatMap((ra) => state.roleDefinition(ra.roleDefinitionId)?.permissions ?? [])
        .map(entry);
    } else {
      value = [entry({ actions: ['*'], notActions: rt.permissions.armDeniedAt(scope) })];
    }
    return page(rt, ctx, value);
  };

  return [
    {
      method: 'GET',
      pattern: new RegExp(`^(.*)${PROVIDER}/permissions$`, 'i'),
      operation: 'permissions.list',
      apiVersion: API_VERSION,
      handle: permissionsAt,
    },
  ];
}
