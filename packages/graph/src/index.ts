export { type GraphClientOptions, type GraphClient, createGraphClient } from './client';
export type { GraphRequestOptions, ListQuery } from './api/options';
export {
  type ApplicationBody,
  type ApplicationKey,
  type UpsertApplicationResult,
  upsertApplication,
  getApplication,
  updateApplication,
  listApplications,
  deleteApplication,
  removeApplicationPassword,
} from './api/applications';
export {
  type ServicePrincipalKey,
  createServicePrincipal,
  getServicePrincipal,
  listServicePrincipals,
  deleteServicePrincipal,
} from './api/servicePrincipals';
export {
  type FederatedIdentityCredentialBody,
  type FederatedIdentityCredentialPatch,
  listFederatedIdentityCredentials,
  createFederatedIdentityCredential,
  updateFederatedIdentityCredential,
  deleteFederatedIdentityCredential,
} from './api/federatedIdentityCredentials';
export {
  type EntraTokenClientOptions,
  type EntraTokenClient,
  type AssertionSource,
  type ClientAssertionTokenRequest,
  createEntraTokenClient,
  requestTokenWithClientAssertion,
} from './api/token';
export { AccessTokenHandle } from './accessTokenHandle';
export { type AccessTokenClaims, decodeAccessTokenClaims, readAccessTokenClaims } from './api/tokenClaims';
export { getAuthorizationPolicy } from './api/authorizationPolicy';
export { type AuthorizationPolicy, authorizationPolicySchema } from './schemas/authorizationPolicy';
export { type Application, type SignInAudience, applicationSchema } from './schemas/application';
export { type ServicePrincipal, servicePrincipalSchema } from './schemas/servicePrincipal';
export { type FederatedIdentityCredential, federatedIdentityCredentialSchema } from './schemas/federatedIdentityCredential';
export { type GraphBatchingOptions, type GraphBatchResponse, GRAPH_BATCH_LIMIT, withGraphBatching } from './batch';
