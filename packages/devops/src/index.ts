export { type DevOpsClientOptions, type DevOpsClient, type DevOpsOperationOptions, createDevOpsClient } from './client';
export { type ListProjectsQuery, listProjects, getProject } from './api/projects';
export {
  type ServiceEndpointsByNamesQuery,
  type ListServiceEndpointsQuery,
  type UpdateServiceEndpointQuery,
  type DeleteServiceEndpointQuery,
  type WorkloadIdentity,
  getServiceEndpointsByNames,
  listServiceEndpoints,
  getServiceEndpoint,
  createServiceEndpoint,
  updateServiceEndpoint,
  shareServiceEndpoint,
  deleteServiceEndpoint,
  authParameter,
  workloadIdentity,
} from './api/serviceEndpoints';
export {
  type PipelineResource,
  type PipelinePermissionsUpdate,
  getPipelinePermissions,
  updatePipelinePermissions,
} from './api/pipelinePermissions';
export { type OidcTokenInput, OidcTokenHandle, createOidcToken } from './api/oidcToken';
export { listServiceEndpointExecutionRecords } from './api/executionHistory';
export {
  type ServiceEndpointExecutionRecord,
  serviceEndpointExecutionRecordSchema,
  serviceEndpointExecutionRecordListSchema,
} from './schemas/executionHistory';
export { getConnectionData } from './api/connectionData';
export {
  type PermissionQuestion,
  SERVICE_ENDPOINTS_NAMESPACE_ID,
  SERVICE_ENDPOINT_PERMISSIONS,
  serviceEndpointToken,
  evaluatePermissions,
} from './api/permissions';
export {
  type PermissionEvaluation,
  type PermissionEvaluationBatch,
  permissionEvaluationSchema,
  permissionEvaluationBatchSchema,
} from './schemas/permissionEvaluation';
export {
  type IdentityRef,
  type ServiceEndpointProjectReference,
  type EndpointAuthorization,
  type ServiceEndpoint,
  type ServiceEndpointCreate,
  identityRefSchema,
  serviceEndpointProjectReferenceSchema,
  endpointAuthorizationSchema,
  serviceEndpointSchema,
  serviceEndpointListSchema,
} from './schemas/serviceEndpoint';
export { type TeamProjectReference, teamProjectReferenceSchema, teamProjectListSchema } from './schemas/project';
export {
  type Permission,
  type PipelinePermission,
  type ResourcePipelinePermissions,
  permissionSchema,
  pipelinePermissionSchema,
  resourcePipelinePermissionsSchema,
} from './schemas/pipelinePermissions';
export { type ConnectionIdentity, type ConnectionData, connectionIdentitySchema, connectionDataSchema } from './schemas/connectionData';
export { taskHubOidcTokenSchema } from './schemas/oidcToken';
export {
  CHECKS_API_VERSION,
  CHECK_TYPE_IDS,
  TASK_CHECK_DEFINITIONS,
  type CheckResource,
  type CheckConfigurationBody,
  listCheckConfigurations,
  MAX_CHECK_QUERY_RESOURCES,
  queryCheckConfigurations,
  getCheckConfiguration,
  createCheckConfiguration,
  updateCheckConfiguration,
  deleteCheckConfiguration,
} from './api/checks';
export { type CheckConfiguration, checkConfigurationSchema, checkConfigurationListSchema } from './schemas/checks';
export { AUTHORIZED_RESOURCES_API_VERSION, listAuthorizedResources } from './api/authorizedResources';
export {
  type DefinitionResourceReference,
  definitionResourceReferenceSchema,
  definitionResourceReferenceListSchema,
} from './schemas/authorizedResources';
export { IDENTITIES_API_VERSION, type IdentitySearchFilter, searchIdentities } from './api/identities';
export { type DevOpsIdentity, devOpsIdentitySchema, devOpsIdentityListSchema } from './schemas/identities';
export {
  SECURITY_ROLES_API_VERSION,
  SERVICE_ENDPOINT_ROLE_SCOPE,
  type ServiceEndpointRoleName,
  type RoleAssignmentRef,
  serviceEndpointRoleResource,
  listSecurityRoleAssignments,
  setSecurityRoleAssignments,
  removeSecurityRoleAssignments,
  setSecurityRoleInheritance,
} from './api/securityRoles';
export {
  type SecurityRole,
  type SecurityRoleAssignment,
  securityRoleSchema,
  securityRoleAssignmentSchema,
  securityRoleAssignmentListSchema,
} from './schemas/securityRoles';
