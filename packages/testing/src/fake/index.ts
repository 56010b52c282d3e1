/** The stateful fake of Microsoft Graph, ARM, Azure DevOps and the Entra token endpoint. */
export { createFake, type Fake, type FailRule, type FakePermissionsInput } from './createFake';
export { knownBodyText } from './_respond';
export { seededRandom } from './_random';
export type { FakeOptions } from './options';
export {
  FakeState,
  BUILT_IN_ROLES,
  type FakeApplication,
  type FakeServicePrincipal,
  type FakeFederatedCredential,
  type FakePermission,
  type FakeRoleDefinition,
  type PrincipalType,
  type FakeRoleAssignment,
  type FakeProject,
  type FakeIdentity,
  type FederationFormat,
  type FakeProjectReference,
  type FakeServiceEndpoint,
  type FakePipelineAuthorization,
  type FakePipelinePermissions,
  type ApplicationInit,
  type ServicePrincipalInit,
  type FederatedCredentialInit,
  type RoleDefinitionInit,
  type RoleAssignmentInit,
  type ProjectInit,
  type ServiceEndpointInit,
} from './state';
export { addPasswordCredential, type PasswordCredentialMetadata } from './passwords';
export { dotnetGuidBase64Url, entraIssuer, entraSubject, legacyIssuer, legacySubject, TOKEN_EXCHANGE_AUDIENCE } from './federation';
export {
  FakeGovernanceState,
  MAX_IDENTITY_CREDENTIALS,
  REGIONS_WITHOUT_IDENTITY_CREDENTIALS,
  type FakeManagedIdentity,
  type FakeManagedIdentityCredential,
  type ManagedIdentityInit,
  type FakeCheck,
  type FakeGovernanceSnapshot,
  type CheckInit,
  type FakeDevOpsIdentity,
} from './governanceState';
export { builtInGroupId, BUILT_IN_PROJECT_GROUPS, ENDPOINT_ROLE_SCOPE, PROJECT_ENDPOINT_ROLE_SCOPE } from './securityRoles';
