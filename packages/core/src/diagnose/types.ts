/** The shapes of a diagnosis: what `diagnoseText`, `diagnose` and `verifyByExchange` hand back. */

/** Every cause wif recognises, in catalogue order (docs/diagnose.md lists each one). */
export const DIAGNOSIS_CAUSES = [
  'SubjectMismatch',
  'IssuerMismatch',
  'AudienceMismatch',
  'NoFederatedCredentials',
  'CredentialPropagation',
  'ConnectionChanged',
  'AssertionExpired',
  'ClockSkew',
  'RoleAssignmentMissing',
  'ConnectionNotShared',
  'ConnectionRenamed',
  'ConnectionMigrated',
  'PipelineNotAuthorized',
  'ApprovalPending',
  'MultiTenantApp',
  'FederationRestricted',
  'AppNotFound',
  'ServicePrincipalMissing',
  'SecretInvalid',
  'TaskDoesNotSupportWif',
  'CrossCloudUnsupported',
  'ConnectionNotReferenced',
  'Unknown',
] as const;

/** Why a pipeline could not use its service connection. */
export type DiagnosisCause = (typeof DIAGNOSIS_CAUSES)[number];

/** How sure a diagnosis is: `certain` (a code or live state says so), `likely`, `possible`. */
export type DiagnosisConfidence = 'certain' | 'likely' | 'possible';

/** One explanation of a failure, with what to do about it. Every string is redacted. */
export interface Diagnosis {
  readonly cause: DiagnosisCause;
  /** One or two sentences saying what is wrong, naming the values involved. */
  readonly summary: string;
  /** What to do, most specific first. */
  readonly fix: readonly string[];
  /** What the diagnosis rests on: values quoted from the text, and live state when it was read. */
  readonly evidence: readonly string[];
  /** The codes that showed it, e.g. `AADSTS70021`, `AuthorizationFailed`. */
  readonly codes: readonly string[];
  readonly confidence: DiagnosisConfidence;
}
