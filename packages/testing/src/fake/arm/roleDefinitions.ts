/**
 * `{scope}/providers/Microsoft.Authorization/roleDefinitions` (ARM 2022-04-01) in the fake: the
 * definitions assignable at a scope (and below, with `atScopeAndBelow()`), and one by id.
 */
import { parseFilter } from '../_query';
import { json } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import { isAtOrAbove, type FakeRoleDefinition } from '../state';
import { API_VERSION, armError, forbidden, PROVIDER, scopeOf } from './_common';

/** Role definition ids carry the subscription of the scope they were read at (the tenant form otherwise). */
function definitionJson(role: FakeRoleDefinition, scope: string): Record<string, unknown> {
  const sub = /^\/subscriptions\/[^/]+/i.exec(scope)?.[0] ?? '';
  return {
    properties: {
      roleName: role.roleName,
      type: role.type,
      description: role.description,
      assignableScopes: [...role.assignableScopes],
      permissions: role.permissions.map((p) => structuredClone(p)),
      createdOn: null,
      updatedOn: null,
      createdBy: null,
      updatedBy: null,
    },
    id: `${sub}${PROVIDER}/roleDefinitions/${role.id}`,
    type: 'Microsoft.Authorization/roleDefinitions',
    name: role.id,
  };
}

export function roleDefinitionRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  const definitionItem = new RegExp(`^(.*)${PROVIDER}/roleDefinitions/([^/]+)$`, 'i');

  return [
    {
      method: 'GET',
      pattern: new RegExp(`^(.*)${PROVIDER}/roleDefinitions$`, 'i'),
      operation: 'roleDefinitions.list',
      apiVersion: API_VERSION,
      handle: (ctx) => {
        const scope = scopeOf(ctx.params[0]);
        const denied = forbidden(rt, ctx, 'Microsoft.Authorization/roleDefinitions/read', scope);
        if (denied) return denied;
        // docs/reference/arm.md §4: definitions "applicable at scope and above"; atScopeAndBelow() adds those below.
        let below = false;
        let rows = state.roleDefinitions();
        const filter = ctx.query.get('$filter');
        if (filter !== null) {
          const clauses = parseFilter(filter);
          const bad = (): Response => armError(400, 'InvalidFilterInQuery', `Invalid $filter '${filter}' specified in the query string.`);
          if (!clauses) return bad();
          for (const c of clauses) {
            // Role names compare case-insensitively (ARM compares names so; exact display name per docs).
            if (c.kind === 'eq' && c.property.toLowerCase() === 'rolename')
              rows = rows.filter((r) => r.roleName.toLowerCase() === c.value.toLowerCase());
            else if (c.kind === 'eq' && c.property.toLowerCase() === 'type')
              rows = rows.filter((r) => r.type.toLowerCase() === c.value.toLowerCase());
            else if (c.kind === 'call' && c.name.toLowerCase() === 'atscopeandbelow' && c.args.length === 0) below = true;
            else return bad();
          }
        }
        rows = rows.filter((r) => r.assignableScopes.some((s) => isAtOrAbove(s, scope) || (below && isAtOrAbove(scope, s))));
        return json({ value: rows.map((r) => definitionJson(r, scope)) });
      },
    },
    {
      method: 'GET',
      pattern: definitionItem,
      operation: 'roleDefinitions.get',
      apiVersion: API_VERSION,
      handle: (ctx) => {
        const scope = scopeOf(ctx.params[0]);
        const denied = forbidden(rt, ctx, 'Microsoft.Authorization/roleDefinitions/read', scope);
        if (denied) return denied;
        const role = state.roleDefinition(ctx.params[1] ?? '');
        return role
          ? json(definitionJson(role, scope))
          : armError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${ctx.params[1] ?? ''}' does not exist.`);
      },
    },
  ];
}
