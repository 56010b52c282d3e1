/**
 * ARM `Microsoft.Authorization` in the fake (api-version 2022-04-01): role definitions and role
 * assignments with the rules of `docs/reference/arm.md` (deterministic-name idempotency, RoleAssignmentExists,
 * PrincipalNotFound during replication, inherited assignments in lists), and authorization of
 * callers that signed in through the fake's token endpoint.
 */
import { serviceError, type RouteContext } from '../_router';
import { nextPageUrl, parseFilter, readPageToken } from './_query';
import { isGuid, isRecord, json, noContent } from './_respond';
import type { FakeRoute, FakeRuntime } from './options';
import { actionCovers } from './permissions';
import {
  isAtOrAbove,
  normalizeScope,
  roleDefinitionGuid,
  type FakeRoleAssignment,
  type FakeRoleDefinition,
  type PrincipalType,
} from './state';

const API_VERSION = '2022-04-01';
const PROVIDER = '/providers/Microsoft.Authorization';
const PRINCIPAL_TYPES = new Set<PrincipalType>(['User', 'Group', 'ServicePrincipal', 'ForeignGroup']);

const armError = (status: number, code: string, message: string): Response => serviceError('arm', status, code, message);

const covers = actionCovers;

function allows(role: FakeRoleDefinition, action: string): boolean {
  return role.permissions.some((p) => p.actions.some((a) => covers(a, action)) && !p.notActions.some((n) => covers(n, action)));
}

export function armRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  const iso = (): string => new Date(rt.now()).toISOString();

  const assignmentJson = (ra: FakeRoleAssignment): Record<string, unknown> => ({
    properties: {
      roleDefinitionId: `${PROVIDER}/roleDefinitions/${ra.roleDefinitionId}`,
      principalId: ra.principalId,
      principalType: ra.principalType,
      scope: ra.scope,
      condition: ra.condition,
      conditionVersion: ra.conditionVersion,
      createdOn: ra.createdOn,
      updatedOn: ra.updatedOn,
      createdBy: ra.createdBy,
      updatedBy: ra.updatedBy,
      delegatedManagedIdentityResourceId: null,
      description: ra.description,
    },
    id: `${ra.scope === '/' ? '' : ra.scope}${PROVIDER}/roleAssignments/${ra.name}`,
    type: 'Microsoft.Authorization/roleAssignments',
    name: ra.name,
  });

  /** Role definition ids carry the subscription of the scope they were read at (the tenant form otherwise). */
  const definitionJson = (role: FakeRoleDefinition, scope: string): Record<string, unknown> => {
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
  };

  /**
   * Callers that signed in through the fake's token endpoint (their token has `appid`) are held to
   * their role assignments; the platform operator's test token may do anything.
   */
  const forbidden = (ctx: RouteContext, action: string, scope: string): Response | undefined => {
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
    const granted = state
      .roleAssignments()
      .some(
        (ra) =>
          ra.principalId === caller.oid.toLowerCase() &&
          isAtOrAbove(ra.scope, scope) &&
          ((r) => r !== undefined && allows(r, action))(state.roleDefinition(ra.roleDefinitionId)),
      );
    if (granted) return undefined;
    return armError(
      403,
      'AuthorizationFailed',
      `The client '${caller['appid']}' with object id '${caller.oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  };

  const page = (ctx: RouteContext, items: Array<Record<string, unknown>>): Response => {
    const offset = readPageToken(ctx.query.get('$skipToken'));
    if (offset === undefined) return armError(400, 'InvalidSkipToken', 'The skip token is invalid.');
    const size = rt.options.armPageSize;
    const more = offset + size < items.length;
    return json({
      value: items.slice(offset, offset + size),
      ...(more ? { nextLink: nextPageUrl(ctx.url, '$skipToken', offset + size) } : {}),
    });
  };

  const scopeOf = (raw: string | undefined): string => normalizeScope(raw ?? '');
  const notFoundAssignment = (name: string): Response =>
    armError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);

  /** The lookup ARM makes for a principal (docs/reference/arm.md §1, §5): replication lag unless principalType is set. */
  const principalCheck = (principalId: string, principalType: PrincipalType | undefined): Response | undefined => {
    const missing = armError(
      400,
      'PrincipalNotFound',
      `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${state.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group. See https://aka.ms/docs-principaltype`,
    );
    const actual = state.principalType(principalId);
    if (actual === undefined) return missing;
    const sp = state.servicePrincipal(principalId);
    if (sp && principalType === undefined && rt.now() < sp.createdAt + rt.options.replicationLagInMs) return missing;
    if (principalType !== undefined && principalType !== actual) {
      return armError(
        400,
        'UnmatchedPrincipalType',
        `The PrincipalId '${principalId}' has type '${actual}' , which is different from specified PrincipalType '${principalType}'.`,
      );
    }
    return undefined;
  };

  const put = (ctx: RouteContext): Response => {
    const scope = scopeOf(ctx.params[0]);
    const name = ctx.params[1] ?? '';
    const denied = forbidden(ctx, 'Microsoft.Authorization/roleAssignments/write', scope);
    if (denied) return denied;
    if (!isGuid(name))
      return armError(
        400,
        'InvalidRoleAssignmentId',
        `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
      );
    const props = isRecord(ctx.body) ? ctx.body['properties'] : undefined;
    if (!isRecord(props) || typeof props['roleDefinitionId'] !== 'string' || typeof props['principalId'] !== 'string') {
      return armError(
        400,
        'InvalidRequestContent',
        "The request content was invalid and could not be deserialized: 'properties.roleDefinitionId' and 'properties.principalId' are required.",
      );
    }
    const principalType = props['principalType'] as PrincipalType | undefined;
    if (principalType !== undefined && !PRINCIPAL_TYPES.has(principalType)) {
      return armError(
        400,
        'InvalidRequestContent',
        `The request content was invalid and could not be deserialized: unknown principalType '${principalType}'.`,
      );
    }
    const roleGuid = roleDefinitionGuid(props['roleDefinitionId']);
    const principalId = props['principalId'].toLowerCase();
    const description = typeof props['description'] === 'string' ? props['description'] : null;

    const existing = state.roleAssignment(name);
    if (existing) {
      // Names are unique in the tenant; an assignment cannot change scope, role or principal.
      if (
        existing.scope.toLowerCase() !== scope.toLowerCase() ||
        existing.roleDefinitionId !== roleGuid ||
        existing.principalId !== principalId
      ) {
        return armError(
          400,
          'RoleAssignmentUpdateNotPermitted',
          'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
        );
      }
      if (description !== existing.description) {
        existing.description = description;
        existing.updatedOn = iso();
        existing.updatedBy = ctx.caller?.oid ?? null;
      }
      return json(assignmentJson(existing), 200);
    }
    const role = state.roleDefinition(roleGuid);
    if (!role) return armError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${roleGuid}' does not exist.`);
    const clash = state
      .roleAssignments()
      .find((ra) => ra.scope.toLowerCase() === scope.toLowerCase() && ra.roleDefinitionId === roleGuid && ra.principalId === principalId);
    if (clash) return armError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
    const bad = principalCheck(principalId, principalType);
    if (bad) return bad;
    const created = state.addRoleAssignment({
      name,
      scope,
      roleDefinitionId: roleGuid,
      principalId,
      principalType: principalType ?? state.principalType(principalId) ?? 'User',
      description,
      createdBy: ctx.caller?.oid ?? null,
    });
    return json(assignmentJson(created), 201);
  };

  const list = (ctx: RouteContext): Response => {
    const scope = scopeOf(ctx.params[0]);
    const denied = forbidden(ctx, 'Microsoft.Authorization/roleAssignments/read', scope);
    if (denied) return denied;
    // docs/reference/arm.md §2: no filter → at, above and below the scope; atScope() → at or above;
    // principalId eq / assignedTo → that principal at, above or below.
    let atOrAboveOnly = false;
    let principal: string | undefined;
    const filter = ctx.query.get('$filter');
    if (filter !== null) {
      const clauses = parseFilter(filter);
      if (!clauses) return armError(400, 'InvalidFilterInQuery', `Invalid $filter '${filter}' specified in the query string.`);
      for (const c of clauses) {
        if (c.kind === 'call' && c.name.toLowerCase() === 'atscope' && c.args.length === 0) atOrAboveOnly = true;
        else if (c.kind === 'call' && c.name.toLowerCase() === 'assignedto' && c.args.length === 1) principal = c.args[0]!.toLowerCase();
        else if (c.kind === 'eq' && c.property.toLowerCase() === 'principalid') principal = c.value.toLowerCase();
        else return armError(400, 'InvalidFilterInQuery', `Invalid $filter '${filter}' specified in the query string.`);
      }
    }
    const rows = state
      .roleAssignments()
      .filter((ra) => isAtOrAbove(ra.scope, scope) || (!atOrAboveOnly && isAtOrAbove(scope, ra.scope)))
      .filter((ra) => principal === undefined || ra.principalId === principal)
      .map(assignmentJson);
    return page(ctx, rows);
  };

  const assignmentItem = new RegExp(`^(.*)${PROVIDER}/roleAssignments/([^/]+)$`, 'i');
  const definitionItem = new RegExp(`^(.*)${PROVIDER}/roleDefinitions/([^/]+)$`, 'i');

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
    return page(ctx, value);
  };

  return [
    {
      method: 'GET',
      pattern: new RegExp(`^(.*)${PROVIDER}/permissions$`, 'i'),
      operation: 'permissions.list',
      apiVersion: API_VERSION,
      handle: permissionsAt,
    },
    {
      method: 'GET',
      pattern: new RegExp(`^(.*)${PROVIDER}/roleDefinitions$`, 'i'),
      operation: 'roleDefinitions.list',
      apiVersion: API_VERSION,
      handle: (ctx) => {
        const scope = scopeOf(ctx.params[0]);
        const denied = forbidden(ctx, 'Microsoft.Authorization/roleDefinitions/read', scope);
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
        const denied = forbidden(ctx, 'Microsoft.Authorization/roleDefinitions/read', scope);
        if (denied) return denied;
        const role = state.roleDefinition(ctx.params[1] ?? '');
        return role
          ? json(definitionJson(role, scope))
          : armError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${ctx.params[1] ?? ''}' does not exist.`);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^(.*)${PROVIDER}/roleAssignments$`, 'i'),
      operation: 'roleAssignments.list',
      apiVersion: API_VERSION,
      handle: list,
    },
    { method: 'PUT', pattern: assignmentItem, operation: 'roleAssignments.create', apiVersion: API_VERSION, handle: put },
    {
      method: 'GET',
      pattern: assignmentItem,
      operation: 'roleAssignments.get',
      apiVersion: API_VERSION,
      handle: (ctx) => {
        const scope = scopeOf(ctx.params[0]);
        const denied = forbidden(ctx, 'Microsoft.Authorization/roleAssignments/read', scope);
        if (denied) return denied;
        const ra = state.roleAssignment(ctx.params[1] ?? '');
        return ra && ra.scope.toLowerCase() === scope.toLowerCase() ? json(assignmentJson(ra)) : notFoundAssignment(ctx.params[1] ?? '');
      },
    },
    {
      method: 'DELETE',
      pattern: assignmentItem,
      operation: 'roleAssignments.delete',
      apiVersion: API_VERSION,
      handle: (ctx) => {
        const scope = scopeOf(ctx.params[0]);
        const denied = forbidden(ctx, 'Microsoft.Authorization/roleAssignments/delete', scope);
        if (denied) return denied;
        const ra = state.roleAssignment(ctx.params[1] ?? '');
        // docs/reference/arm.md §3: 204 "already deleted or does not exist".
        if (!ra || ra.scope.toLowerCase() !== scope.toLowerCase()) return noContent();
        state.deleteRoleAssignment(ra.name);
        return json(assignmentJson(ra));
      },
    },
  ];
}
