import { type Result, type ResultAsync, ok } from 'neverthrow';
import { built, deferred, type TransportError } from '@wif/http';
import type { ArmClient, ArmOperationOptions } from '../client';
import { API_VERSION, authorizationPath, idPath } from '../_internal/constants';
import { armList, odataString } from '../_internal/list';
import { RoleAssignmentListSchema, RoleAssignmentSchema, type RoleAssignment } from '../schemas/roleAssignment';

/** Built once: a zod schema costs far more to build than to run. */
const optionalRoleAssignmentSchema = deferred(() => built(RoleAssignmentSchema).optional());

/** The principal types a create request may name (`RoleAssignmentCreateParameters.principalType`). */
export type PrincipalType = 'ServicePrincipal' | 'User' | 'Group' | 'ForeignGroup';

/** Body of {@link createRoleAssignment}. */
export interface CreateRoleAssignmentBody {
  /** A role-definition id, e.g. from `roleDefinitionIdForScope()`. */
  readonly roleDefinitionId: string;
  /** The principal's object id (for an app: the service principal's `id`, not its `appId`). */
  readonly principalId: string;
  /** Always set it: ARM then skips the directory lookup that fails during replication delay (docs/reference/arm.md §1). */
  readonly principalType: PrincipalType;
  readonly description?: string;
}

/** What {@link createRoleAssignment} returns. */
export interface CreateRoleAssignmentResult {
  /** `true` for 201 Created, `false` for 200 (the same assignment already existed under this name). */
  readonly created: boolean;
  readonly assignment: RoleAssignment;
}

/** Filters of {@link listRoleAssignments}. */
export interface ListRoleAssignmentsQuery {
  /** Assignments of this principal at, above or below the scope (`principalId eq '…'`). */
  readonly principalId?: string;
  /** Only assignments at or above the scope (`atScope()`). */
  readonly atScope?: boolean;
  /**
   * Assignments of this principal, directly or through its groups (`assignedTo('…')`, transitive over
   * group membership: https://learn.microsoft.com/rest/api/authorization/role-assignments/list-for-scope).
   * Not combined with `principalId`.
   */
  readonly assignedTo?: string;
}

/**
 * Creates a role assignment named `name` (a GUID; use `roleAssignmentName()` for a deterministic one).
 *
 * `PUT /{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01` with
 * `{ properties: { roleDefinitionId, principalId, principalType, description? } }`.
 * Permission: `Microsoft.Authorization/roleAssignments/write` at `scope` (Owner, User Access
 * Administrator, Role Based Access Control Administrator).
 * Errors: `Conflict` (`RoleAssignmentExists`: the same role+principal+scope under another name),
 * `BadRequest` (`PrincipalNotFound` during replication delay — not retried here, retry it with
 * back-off; `RoleAssignmentUpdateNotPermitted`: this name holds another assignment;
 * `InvalidRoleAssignmentId`, `InvalidPrincipalId`, `InvalidRoleDefinitionId`), `Forbidden`
 * (`AuthorizationFailed`), and those of every call.
 * Safe to re-run with the same name and body: the service answers 200 (`created: false`).
 * @example createRoleAssignment(arm, scope, roleAssignmentName(scope, spId, guid), { roleDefinitionId, principalId: spId, principalType: 'ServicePrincipal' })
 */
export function createRoleAssignment(
  client: ArmClient,
  scope: string,
  name: string,
  body: CreateRoleAssignmentBody,
  options: ArmOperationOptions = {},
): ResultAsync<CreateRoleAssignmentResult, TransportError> {
  const properties = {
    roleDefinitionId: body.roleDefinitionId,
    principalId: body.principalId,
    principalType: body.principalType,
    ...(body.description !== undefined ? { description: body.description } : {}),
  };
  return client.transport
    .sendJson(
      {
        method: 'PUT',
        path: authorizationPath(scope, 'roleAssignments', name),
        query: { 'api-version': API_VERSION },
        body: { properties },
        operation: 'PUT roleAssignment',
        abortSignal: options.abortSignal,
      },
      RoleAssignmentSchema,
    )
    .andThen(({ status, body: assignment }) => ok({ created: status === 201, assignment }));
}

/**
 * Reads one role assignment.
 *
 * `GET /{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01`.
 * Permission: `Microsoft.Authorization/roleAssignments/read`. Errors: `NotFound`
 * (`RoleAssignmentNotFound`) and those of every call. Read-only: safe to re-run.
 * @example getRoleAssignment(arm, '/subscriptions/…', name)
 */
export function getRoleAssignment(
  client: ArmClient,
  scope: string,
  name: string,
  options: ArmOperationOptions = {},
): ResultAsync<RoleAssignment, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'GET',
        path: authorizationPath(scope, 'roleAssignments', name),
        query: { 'api-version': API_VERSION },
        operation: 'GET roleAssignment',
        abortSignal: options.abortSignal,
      },
      RoleAssignmentSchema,
    )
    .andThen(({ body }) => ok(body));
}

/**
 * Deletes a role assignment by scope and name.
 *
 * `DELETE /{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01`.
 * Permission: `Microsoft.Authorization/roleAssignments/delete`.
 * @returns the deleted assignment (200), or `undefined` when it was already gone (204).
 * Errors: `Forbidden` (`AuthorizationFailed`) and those of every call. Safe to re-run.
 * @example deleteRoleAssignment(arm, '/subscriptions/…', name)
 */
export function deleteRoleAssignment(
  client: ArmClient,
  scope: string,
  name: string,
  options: ArmOperationOptions = {},
): ResultAsync<RoleAssignment | undefined, TransportError> {
  return deleteAt(client, authorizationPath(scope, 'roleAssignments', name), options);
}

/**
 * Deletes a role assignment by its fully-qualified id (the `id` of a {@link RoleAssignment}, e.g.
 * `/subscriptions/…/providers/Microsoft.Authorization/roleAssignments/{name}`).
 *
 * `DELETE /{roleAssignmentId}?api-version=2022-04-01`. Same permission, result and errors as
 * {@link deleteRoleAssignment}. Safe to re-run.
 * @example deleteRoleAssignmentById(arm, assignment.id)
 */
export function deleteRoleAssignmentById(
  client: ArmClient,
  id: string,
  options: ArmOperationOptions = {},
): ResultAsync<RoleAssignment | undefined, TransportError> {
  return deleteAt(client, idPath(id), options);
}

function deleteAt(client: ArmClient, path: string, options: ArmOperationOptions): ResultAsync<RoleAssignment | undefined, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'DELETE',
        path,
        query: { 'api-version': API_VERSION },
        operation: 'DELETE roleAssignment',
        abortSignal: options.abortSignal,
      },
      optionalRoleAssignmentSchema,
    )
    .andThen(({ status, body }) => ok(status === 204 ? undefined : body));
}

/**
 * Lists role assignments at `scope`: without a filter that includes assignments inherited from
 * parent scopes and those below it; `atScope` keeps those at or above the scope, `principalId` those
 * of one principal. Each item's `properties.scope` says where it really sits.
 *
 * `GET /{scope}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01[&$filter=…]`
 * with `$filter` = `atScope()`, `principalId eq '{id}'` or `atScope() and principalId eq '{id}'`,
 * following `nextLink`.
 * Permission: `Microsoft.Authorization/roleAssignments/read`. Errors: those of every call.
 * Read-only: safe to re-run.
 * @example for await (const page of listRoleAssignments(arm, scope, { principalId: spId })) { … }
 */
export function listRoleAssignments(
  client: ArmClient,
  scope: string,
  query: ListRoleAssignmentsQuery = {},
  options: ArmOperationOptions = {},
): AsyncGenerator<Result<readonly RoleAssignment[], TransportError>, void, undefined> {
  const parts = [
    ...(query.atScope === true ? ['atScope()'] : []),
    ...(query.principalId !== undefined ? [`principalId eq ${odataString(query.principalId)}`] : []),
    ...(query.assignedTo !== undefined && query.principalId === undefined ? [`assignedTo(${odataString(query.assignedTo)})`] : []),
  ];
  return armList(
    client,
    {
      path: authorizationPath(scope, 'roleAssignments'),
      filter: parts.length > 0 ? parts.join(' and ') : undefined,
      operation: 'GET roleAssignments',
      abortSignal: options.abortSignal,
    },
    RoleAssignmentListSchema,
  );
}
