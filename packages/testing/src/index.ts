export {
  TEST_TENANT_ID,
  TEST_CALLER_OBJECT_ID,
  type TestTokenClaims,
  type TestCredential,
  audienceForScope,
  defaultScopesFor,
  makeTestToken,
  createTestCredential,
  decodeTestToken,
} from './credential';
export { loadFixture } from './fixtures';
export {
  type ServiceName,
  type RouteContext,
  type Route,
  type ServiceRouterOptions,
  type RequestLogEntry,
  serviceRouter,
  routeRequest,
  serviceError,
  badRequest,
  nextRequestId,
} from './_router';
export { type GraphContractOptions, graphContractHandlers } from './contract/graph';
export { type ArmContractOptions, armContractHandlers } from './contract/arm';
export { type DevopsContractOptions, devopsContractHandlers } from './contract/devops';
export { type EntraContractOptions, entraContractHandlers } from './contract/entra';
export * from './fake/index';
