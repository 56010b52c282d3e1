/**
 * `@wif/core`: the steps, the workflows (plan, apply, sync), the error union and the spec loader.
 * Larger areas are subpath exports: `@wif/core/audit`, `@wif/core/migration`,
 * `@wif/core/diagnose`, and `@wif/core/spec` (the zod schemas and validators).
 */
export {
  FEDERATION_AUDIENCE,
  MAX_FEDERATED_CREDENTIALS_PER_APP,
  WIF_MANAGED_TAG,
  LEGACY_ISSUER_RETIREMENT_DATE,
  issuerKind,
} from './constants';
// Every error type of the union: errors.ts is the one list (its own kinds and those of @wif/http it carries).
export type * from './errors';
export type { Outcome, Converged, StepOptions, ReplicationRetryOptions } from './types';
export { REFUSAL_KINDS, isRefusal, type Refusal, type RefusalKind } from './refusals';
export { targetToData, targetFromData, targetScope, targetListScope, type ConnectionTarget } from './target';
export { isGuid } from './validation';

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
  type ManualConnection,
  type CreateManualConnectionError,
} from './steps/createManualConnection';
export {
  bindFederatedCredential,
  credentialNameFor,
  type BindFederatedCredentialInput,
  type BindFederatedCredentialError,
} from './steps/bindFederatedCredential';
export {
  ensureManagedIdentity,
  readManagedIdentity,
  decideManagedIdentity,
  writeManagedIdentity,
  REGIONS_WITHOUT_IDENTITY_CREDENTIALS,
  type EnsureManagedIdentityInput,
  type ManagedIdentityWant,
  type EnsureManagedIdentityError,
  type ManagedIdentity,
  type ManagedIdentityChange,
} from './steps/ensureManagedIdentity';
export {
  bindManagedIdentityCredential,
  readIdentityCredentials,
  decideIdentityCredential,
  writeIdentityCredential,
  MAX_FEDERATED_CREDENTIALS_PER_IDENTITY,
  CONCURRENT_IDENTITY_CREDENTIAL_WRITES,
  type BindManagedIdentityCredentialInput,
  type BindManagedIdentityCredentialOptions,
  type BindManagedIdentityCredentialError,
  type IdentityCredentialDecision,
} from './steps/bindManagedIdentityCredential';
export { verifySubject, type VerifySubjectInput, type TrustChainReport, type VerifySubjectError } from './steps/verifySubject';
export { verifyManagedIdentitySubject, type VerifyManagedIdentitySubjectInput } from './steps/verifyManagedIdentitySubject';
export type { RoleGrantSpec, PipelinesSpec } from './spec/schema';
export {
  loadSpec,
  type LoadSpecOptions,
  MAX_SPEC_BYTES,
  parseSpecText,
  resolveSpec,
  type ResolvedSpec,
  type DesiredConnection,
} from './spec/load';
export * from './workflows/index';
// Re-exported so that a runbook needs one import.
export {
  PersonalAccessTokenCredential,
  redact,
  redactDeep,
  type Logger,
  type LogEntry,
  type RetryOptions,
  type CloudName,
  trustingHttpClient,
  fetchOverHttpClient,
  createTokenCaches,
  type TokenCaches,
} from '@wif/http';
export { checkAccess, type CheckAccessError, type OrganizationNotFoundError } from './preflight';
export { createAccessClients, prefetchTokens, type TokenService } from './workflows/_devopsClient';
export * from './exchange/index';
export * from './preflight/index';
export type { IdentitySpec, ChecksSpec, SecuritySpec, CheckDay } from './spec/governance';
export { resolveDevOpsIdentities } from './governance/identities';
export {
  ensureChecks,
  readChecks,
  decideChecks,
  writeCheck,
  desiredChecks,
  checkFieldChanges,
  type CheckKind,
  type DesiredCheck,
  type CheckChange,
  type CheckFieldChange,
  type EnsuredCheck,
} from './governance/checks';
export {
  ensureSecurityRoles,
  readRoles,
  decideRoles,
  writeRoles,
  desiredRoles,
  type EndpointRole,
  type RoleChange,
} from './governance/securityRoles';
export {
  vendOnManagedIdentity,
  type ManagedIdentityVendReport,
  type VendOnManagedIdentityOptions,
} from './governance/vendOnManagedIdentity';
export type { DesiredManagedIdentity } from './spec/load';
