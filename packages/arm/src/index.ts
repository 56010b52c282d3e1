/**
 * `@wif/arm`: Azure Resource Manager role definitions and role assignments (api-version 2022-04-01),
 * user-assigned managed identities and their federated credentials (api-version 2024-11-30), and the
 * scope grammar.
 *
 * Every call returns a `Result`; besides the kinds each function names, any call can fail with
 * `Unauthorized` (401), `Throttled` (429 after the bounded retries, with `retryAfterInMs`),
 * `ServiceUnavailable` (5xx after the retries), `Network`, `InvalidResponse`, `Authentication`
 * (the credential gave no token) and `Aborted`.
 */
export { type ArmClient, type ArmClientOptions, type ArmOperationOptions, createArmClient } from './client';
export { type ScopeLevel, type ParsedScope, parseScope, sameScope, scopeContains } from './scope';
export {
  type BuiltInRoleName,
  BUILT_IN_ROLES,
  PRIVILEGED_ROLE_IDS,
  roleDefinitionGuid,
  subscriptionRoleDefinitionId,
  roleDefinitionIdForScope,
  roleAssignmentName,
} from './roles';
export { listPermissions } from './api/permissions';
export { PermissionListSchema } from './schemas/permission';
export { type ListRoleDefinitionsQuery, listRoleDefinitions, getRoleDefinition } from './api/roleDefinitions';
export {
  type PrincipalType,
  type CreateRoleAssignmentBody,
  type CreateRoleAssignmentResult,
  type ListRoleAssignmentsQuery,
  createRoleAssignment,
  getRoleAssignment,
  deleteRoleAssignment,
  deleteRoleAssignmentById,
  listRoleAssignments,
} from './api/roleAssignments';
export {
  type Permission,
  type RoleDefinition,
  PermissionSchema,
  RoleDefinitionSchema,
  RoleDefinitionListSchema,
} from './schemas/roleDefinition';
export { type RoleAssignment, RoleAssignmentSchema, RoleAssignmentListSchema } from './schemas/roleAssignment';
export {
  MANAGED_IDENTITY_API_VERSION,
  type ManagedIdentityRef,
  type UserAssignedIdentityBody,
  type IdentityFederatedCredentialBody,
  userAssignedIdentityPath,
  createOrUpdateUserAssignedIdentity,
  getUserAssignedIdentity,
  deleteUserAssignedIdentity,
  listUserAssignedIdentities,
  putIdentityFederatedCredential,
  getIdentityFederatedCredential,
  deleteIdentityFederatedCredential,
  listIdentityFederatedCredentials,
} from './api/managedIdentities';
export {
  type UserAssignedIdentity,
  type IdentityFederatedCredential,
  UserAssignedIdentitySchema,
  UserAssignedIdentityListSchema,
  IdentityFederatedCredentialSchema,
  IdentityFederatedCredentialListSchema,
} from './schemas/managedIdentity';
