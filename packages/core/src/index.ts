export {
  FEDERATION_AUDIENCE,
  MAX_FEDERATED_CREDENTIALS_PER_APP,
  WIF_MANAGED_TAG,
  LEGACY_ISSUER_RETIREMENT_DATE,
  issuerKind,
} from './constants';
export type {
  WifError,
  WifErrorKind,
  SubjectMismatchError,
  AudienceMismatchError,
  MultiTenantAppError,
  IdentityMismatchError,
  PrivilegedRoleRefusedError,
  RoleNotFoundError,
  ConnectionConflictError,
  CredentialLimitError,
  Problem,
  SourceLocation,
  Service,
  ValidationError,
  HttpError,
  HttpErrorKind,
  NetworkError,
  InvalidResponseError,
  AuthenticationError,
  AbortedError,
  TransportError,
  LimitExceededError,
} from './errors';
export type { Outcome, Converged, StepOptions } from './types';
export {
  isGuid,
  validate,
  guidSchema,
  organizationSchema,
  projectSchema,
  connectionNameSchema,
  uniqueNameSchema,
  credentialNameSchema,
  issuerSchema,
  subjectSchema,
  scopeSchema,
} from './validation';
export type { ReplicationRetryOptions } from './_internal/replication';
export {
  registerApp,
  defaultUniqueName,
  type RegisterAppInput,
  type RegisterAppOptions,
  type RegisteredApp,
  type RegisterAppError,
} from './steps/registerApp';
export { grantRole, type GrantRoleInput, type GrantRoleOptions, type GrantedRole, type GrantRoleError } from './steps/grantRole';
export {
  createManualConnection,
  type CreateManualConnectionInput,
  type ConnectionTarget,
  type ManualConnection,
  type CreateManualConnectionError,
} from './steps/createManualConnection';
export {
  bindFederatedCredential,
  credentialNameFor,
  type BindFederatedCredentialInput,
  type BindFederatedCredentialError,
} from './steps/bindFederatedCredential';
export { verifySubject, type VerifySubjectInput, type TrustChainReport, type VerifySubjectError } from './steps/verifySubject';
export {
  specSchema,
  connectionSpecSchema,
  environmentSetSchema,
  roleGrantSchema,
  pipelinesSchema,
  type Spec,
  type SpecInput,
  type ConnectionSpec,
  type EnvironmentSetSpec,
  type RoleGrantSpec,
  type PipelinesSpec,
} from './spec/schema';
export { loadSpec, parseSpecText, resolveSpec, type ResolvedSpec, type DesiredConnection } from './spec/load';
export * from './workflows/index';
export { connectionRoleSchema, targetSchema, type ConnectionRoleSpec } from './spec/schema';
export { specJsonSchema } from './spec/jsonSchema';
// Re-exported so that a runbook needs one import.
export {
  PersonalAccessTokenCredential,
  redact,
  redactDeep,
  type Logger,
  type LogEntry,
  type RetryOptions,
  type CloudName,
} from '@wif/http';
export { checkAccess, type CheckAccessError, type OrganizationNotFoundError } from './preflight';
export * from './audit/index';
export * from './migration/index';
export * from './diagnose/index';
export * from './exchange/index';
