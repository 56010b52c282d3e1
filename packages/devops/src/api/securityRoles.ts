/**
 * Security role assignments on a service connection: `/{org}/_apis/securityroles/scopes/{scopeId}/roleassignments/resources/{resourceId}`
 * at api-version `7.1-preview.1` (no GA exists). Reference:
 * learn.microsoft.com/rest/api/azure/devops/securityroles/roleassignments?view=azure-devops-rest-7.1 and
 * learn.microsoft.com/azure/devops/pipelines/policies/permissions#set-service-connection-permissions
 * For one connection: scope `distributedtask.serviceendpointrole`, resource `{projectId}_{endpointId}`
 * (project GUID; a project name does not work).
 */
import type { TransportError } from '@wif/http';
import { type ResultAsync, ok } from 'neverthrow';
import type { DevOpsClient, DevOpsOperationOptions } from '../client';
import { segment } from '../_internal/request';
import { type SecurityRoleAssignment, securityRoleAssignmentListSchema } from '../schemas/securityRoles';

/** The api-version of the security-roles API (preview-only). */
export const SECURITY_ROLES_API_VERSION = '7.1-preview.1';

/** Role scope of one service connection. */
export const SERVICE_ENDPOINT_ROLE_SCOPE = 'distributedtask.serviceendpointrole';

/** The roles a service connection knows (`Creator` exists only at project level). */
export type ServiceEndpointRoleName = 'Administrator' | 'User' | 'Reader';

/** The resource id of one connection's roles: `{projectId}_{endpointId}`. */
export function serviceEndpointRoleResource(projectId: string, endpointId: string): string {
  return `${projectId}_${endpointId}`;
}

/** One assignment to set. `userId` is the Azure DevOps identity id (see `searchIdentities`). */
export interface RoleAssignmentRef {
  readonly roleName: string;
  readonly userId: string;
}

const path = (scopeId: string, resourceId: string): string =>
  `/_apis/securityroles/scopes/${segment(scopeId)}/roleassignments/resources/${segment(resourceId)}`;
const query = { 'api-version': SECURITY_ROLES_API_VERSION };

/**
 * Lists the role assignments on a resource, inherited ones included (`access: 'inherited'`).
 * `GET …/roleassignments/resources/{resourceId}?api-version=7.1-preview.1`. Read-only.
 * @example listSecurityRoleAssignments(devops, SERVICE_ENDPOINT_ROLE_SCOPE, serviceEndpointRoleResource(projectId, sc.id))
 */
export function listSecurityRoleAssignments(
  client: DevOpsClient,
  scopeId: string,
  resourceId: string,
  options: DevOpsOperationOptions = {},
): ResultAsync<SecurityRoleAssignment[], TransportError> {
  return client.transport
    .sendJson(
      { method: 'GET', path: path(scopeId, resourceId), query, operation: 'GET roleAssignments', abortSignal: options.abortSignal },
      securityRoleAssignmentListSchema,
    )
    .andThen((res) => ok(res.body));
}

/**
 * Adds or changes role assignments (others are left alone): `PUT …/roleassignments/resources/{resourceId}?api-version=7.1-preview.1`
 * with `[{ roleName, userId }]`. An unknown `userId` is silently ignored by the service (`200`,
 * not in the answer): check the answer for every id you sent.
 * Permission: Administrator role on the connection (PAT `vso.security_manage`). Safe to re-run.
 * @example setSecurityRoleAssignments(devops, SERVICE_ENDPOINT_ROLE_SCOPE, resource, [{ roleName: 'User', userId }])
 */
export function setSecurityRoleAssignments(
  client: DevOpsClient,
  scopeId: string,
  resourceId: string,
  assignments: readonly RoleAssignmentRef[],
  options: DevOpsOperationOptions = {},
): ResultAsync<SecurityRoleAssignment[], TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'PUT',
        path: path(scopeId, resourceId),
        query,
        body: assignments.map((a) => ({ roleName: a.roleName, userId: a.userId })),
        operation: 'PUT roleAssignments',
        abortSignal: options.abortSignal,
      },
      securityRoleAssignmentListSchema,
    )
    .andThen((res) => ok(res.body));
}

/**
 * Removes the assignments of the given identities: `PATCH …/roleassignments/resources/{resourceId}?api-version=7.1-preview.1`
 * with `["<identityId>", …]` (what the terraform provider sends). Same permission. Safe to re-run.
 * @example removeSecurityRoleAssignments(devops, SERVICE_ENDPOINT_ROLE_SCOPE, resource, [identityId])
 */
export function removeSecurityRoleAssignments(
  client: DevOpsClient,
  scopeId: string,
  resourceId: string,
  identityIds: readonly string[],
  options: DevOpsOperationOptions = {},
): ResultAsync<void, TransportError> {
  return client.transport
    .send({
      method: 'PATCH',
      path: path(scopeId, resourceId),
      query,
      body: [...identityIds],
      operation: 'PATCH roleAssignments',
      abortSignal: options.abortSignal,
    })
    .andThen(() => ok(undefined));
}

/**
 * Turns inheritance of project-level role assignments on or off for one resource:
 * `PATCH …/roleassignments/resources/{resourceId}?inheritPermissions={bool}&api-version=7.1-preview.1`
 * with no body. Not in the REST reference: the same call is observed for environments
 * (`distributedtask.environmentreferencerole`, see the terraform provider's
 * `azuredevops_environment` permissions and learn.microsoft.com/azure/devops/pipelines/process/environments#security);
 * for service connections it is unconfirmed. Safe to re-run.
 * @example setSecurityRoleInheritance(devops, SERVICE_ENDPOINT_ROLE_SCOPE, resource, false)
 */
export function setSecurityRoleInheritance(
  client: DevOpsClient,
  scopeId: string,
  resourceId: string,
  inherit: boolean,
  options: DevOpsOperationOptions = {},
): ResultAsync<void, TransportError> {
  return client.transport
    .send({
      method: 'PATCH',
      path: path(scopeId, resourceId),
      query: { inheritPermissions: inherit, ...query },
      operation: 'PATCH roleInheritance',
      abortSignal: options.abortSignal,
    })
    .andThen(() => ok(undefined));
}
