/**
 * `{scope}/providers/Microsoft.Authorization/roleAssignments` (ARM 2022-04-01) in the fake, with the
 * rules of `docs/reference/arm.md`: deterministic-name idempotency, RoleAssignmentExists,
 * PrincipalNotFound during replication, inherited assignments in lists.
 */
import type { RouteContext } from '../../_router';
import { parseFilter } from '../_query';
import { isGuid, isRecord, json, noContent } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import { isAtOrAbove, roleDefinitionGuid, type FakeRoleAssignment, type PrincipalType } from '../state';
import { API_VERSION, armError, forbidden, page, PROVIDER, scopeOf } from './_common';

const PRINCIPAL_TYPES = new Set<PrincipalType>(['User', 'Group', 'ServicePrincipal', 'ForeignGroup']);

export function roleAssignmentRoutes(rt: FakeRuntime): FakeRoute[] {
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
    const denied = forbidden(rt, ctx, 'Microsoft.Authorization/roleAssignments/write', scope);
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
    const denied = forbidden(rt, ctx, 'Microsoft.Authorization/roleAssignments/read', scope);
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
    return page(rt, ctx, rows);
  };

  const assignmentItem = new RegExp(`^(.*)${PROVIDER}/roleAssignments/([^/]+)$`, 'i');

  return [
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
        const denied = forbidden(rt, ctx, 'Microsoft.Authorization/roleAssignments/read', scope);
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
        const denied = forbidden(rt, ctx, 'Microsoft.Authorization/roleAssignments/delete', scope);
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
