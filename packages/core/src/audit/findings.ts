/**
 * The audit's output record: one JSON object per finding, with a stable schema (`schemaVersion`).
 * Every key is always present (absent values are `null`), so consumers never branch on `undefined`.
 * The catalogue (codes, severities, fixes) is documented in docs/audit.md.
 */
import * as z from 'zod';

/** The version of {@link AuditFinding}; bumped only for a change a consumer must react to. */
export const AUDIT_SCHEMA_VERSION = 1;

/** Severities, from the least to the most severe. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;

/** How bad a finding is. */
export type Severity = (typeof SEVERITIES)[number];

/** Every finding code, documented in docs/audit.md. */
export const AUDIT_CODES = [
  'SecretBased',
  'LegacyIssuer',
  'NotReady',
  'AutomaticMode',
  'SharedAcrossProjects',
  'AppSharedByConnections',
  'CredentialMissing',
  'CredentialMismatch',
  'AudienceMismatch',
  'AppNotFound',
  'MultiTenantApp',
  'BroadRole',
  'OtherTenant',
  'OrganizationUnreadable',
  'ProjectUnreadable',
  'IdentityUnreadable',
  'RolesUnreadable',
  'GovernanceUnreadable',
  'ProductionWithoutApproval',
  'ProductionWithoutBranchControl',
  'OpenToAllPipelines',
  'BroadAdministrators',
  'StaleIdentityCredentials',
  'AppHasSecret',
  'SecretExpiring',
] as const;

/** What a finding is about. */
export type AuditCode = (typeof AUDIT_CODES)[number];

/** The checks run on each connection (a JUnit test case each, in `wif audit --output junit`). */
export const AUDIT_CHECKS = [
  'authentication',
  'issuer',
  'readiness',
  'creationMode',
  'sharing',
  'app',
  'federatedCredential',
  'roles',
] as const;

/** One check run on a connection. */
export type AuditCheck = (typeof AUDIT_CHECKS)[number];

/** The check each code comes from; `null` for the codes about a project or the organization. */
export const AUDIT_CHECK_OF: Readonly<Record<AuditCode, AuditCheck | null>> = {
  SecretBased: 'authentication',
  LegacyIssuer: 'issuer',
  NotReady: 'readiness',
  AutomaticMode: 'creationMode',
  SharedAcrossProjects: 'sharing',
  AppSharedByConnections: 'sharing',
  CredentialMissing: 'federatedCredential',
  CredentialMismatch: 'federatedCredential',
  AudienceMismatch: 'federatedCredential',
  AppNotFound: 'app',
  MultiTenantApp: 'app',
  OtherTenant: 'app',
  IdentityUnreadable: 'app',
  BroadRole: 'roles',
  RolesUnreadable: 'roles',
  OrganizationUnreadable: null,
  ProjectUnreadable: null,
  GovernanceUnreadable: 'sharing',
  // Governance findings come from the role check (production scope) and from who may use the connection.
  ProductionWithoutApproval: 'roles',
  ProductionWithoutBranchControl: 'roles',
  OpenToAllPipelines: 'sharing',
  BroadAdministrators: 'sharing',
  StaleIdentityCredentials: null,
  AppHasSecret: 'app',
  SecretExpiring: 'authentication',
};

/** The codes that mean part of the organization could not be read: the run is incomplete. */
export const UNREADABLE_CODES: ReadonlySet<AuditCode> = new Set([
  'OrganizationUnreadable',
  'ProjectUnreadable',
  'IdentityUnreadable',
  'RolesUnreadable',
  'GovernanceUnreadable',
]);

/**
 * Why a read failed, as the person fixing it sees it: `network` (no answer: connectivity, proxy, a
 * stopped emulator), `sign-in` (no credential, or a token the service refused), `permission` (signed
 * in, not allowed), `not-found` (a wrong organization name, or something deleted meanwhile),
 * `throttled`, `service` (a 5xx or an unexpected answer).
 */
export type ReadFailureCause = 'network' | 'sign-in' | 'permission' | 'not-found' | 'throttled' | 'service';

/** The {@link ReadFailureCause} of an error kind (`details.errorKind` of an unreadable finding). */
export function readFailureCause(errorKind: string): ReadFailureCause {
  switch (errorKind) {
    case 'Network':
      return 'network';
    case 'Authentication':
    case 'Unauthorized':
      return 'sign-in';
    case 'Forbidden':
      return 'permission';
    case 'NotFound':
      return 'not-found';
    case 'Throttled':
      return 'throttled';
    default:
      return 'service';
  }
}

const reference = z.object({ id: z.string(), name: z.string() });

/** The JSON schema of one audit record (parse a JSON line with it to read audit output safely). */
export const auditFindingSchema = z.object({
  schemaVersion: z.literal(AUDIT_SCHEMA_VERSION),
  code: z.enum(AUDIT_CODES),
  severity: z.enum(SEVERITIES),
  /** The Azure DevOps organization audited. */
  organization: z.string(),
  /** The service connection, or `null` for a finding about a project or the organization. */
  connection: z
    .object({
      id: z.string(),
      name: z.string(),
      type: z.string(),
      scheme: z.string(),
      creationMode: z.string().nullable(),
      /** The Entra app (client) id the connection names (`serviceprincipalid`). */
      appId: z.string().nullable(),
      tenantId: z.string().nullable(),
      issuer: z.string().nullable(),
      /** Every project the connection is in (a shared connection is reported once, with all of them). */
      projects: z.array(reference),
    })
    .nullable(),
  /** The project a `ProjectUnreadable` finding is about; otherwise `null`. */
  project: reference.nullable(),
  /** What is wrong, in one or two sentences. */
  message: z.string(),
  /** What to do about it. */
  fix: z.string(),
  /** Facts specific to the code (role and scope, the mismatching strings, the HTTP status, …). */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

/** One audit record (see {@link auditFindingSchema}). */
export type AuditFinding = z.output<typeof auditFindingSchema>;

/** The connection part of a finding. */
export type AuditedConnection = NonNullable<AuditFinding['connection']>;

/** The rank of a severity: `info` 0 … `critical` 4. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** The fix of each code: the same text for every finding of that code. */
export const FIXES: Readonly<Record<AuditCode, string>> = {
  SecretBased:
    'Move it to workload identity federation: migrate it to a new manual connection (wif migrate start --connection NAME --project PROJECT), or, if it was created in automatic mode and is used by one project only, convert it in place (wif migrate convert --scheme --connection NAME --project PROJECT).',
  LegacyIssuer:
    'Convert it to the Microsoft Entra issuer before the Azure DevOps issuer is retired: wif migrate convert --issuer --connection NAME --project PROJECT (or the portal\'s "Update" on the connection, then wif sync to rebind the credential).',
  NotReady:
    'Open the connection in Project settings > Service connections, read its error, then fix or delete it; a connection that never became ready cannot be used by pipelines.',
  AutomaticMode:
    'Replace it with a manual-mode connection on an app you own, with the smallest role scope (wif migrate start --connection NAME --project PROJECT).',
  SharedAcrossProjects:
    'Check that every project it is shared with needs it; prefer one connection per project, each with its own app and the smallest role scope.',
  AppSharedByConnections:
    'Give each connection its own app registration, so each pipeline identity can be traced and scoped on its own (wif migrate start --connection NAME --project PROJECT).',
  CredentialMissing:
    'Add a federated credential with exactly the issuer and subject the connection reports (wif sync --config FILE --yes for a connection in a spec); pipelines fail with AADSTS70025/70021 until then.',
  CredentialMismatch:
    'Update the federated credential to exactly the issuer and subject the connection reports (wif sync --config FILE --yes for a connection in a spec); the exchange fails with AADSTS700211/700213 until then.',
  AudienceMismatch: 'Set the credential\'s audiences to exactly ["api://AzureADTokenExchange"] (wif sync --config FILE --yes fixes it).',
  AppNotFound:
    'The app the connection names does not exist in this tenant (deleted, or in another tenant): point the connection at a live app, or delete the connection.',
  MultiTenantApp:
    'Make the app single-tenant (signInAudience AzureADMyOrg), or replace it with a single-tenant app (wif migrate start --connection NAME --project PROJECT).',
  BroadRole:
    'Replace the assignment with the narrowest role at the smallest scope the pipeline needs (a resource group, a specific resource), then remove the broad one.',
  OtherTenant: 'Run the audit with credentials of that tenant to check its identity.',
  OrganizationUnreadable:
    "Give the auditing identity read access to the organization's projects (add it to the organization as a member of Project Collection Valid Users; a personal access token needs the vso.project scope), then run the audit again.",
  ProjectUnreadable:
    "Give the auditing identity the Reader role on the project's service connections (a personal access token needs the vso.serviceendpoint scope), then run the audit again: until then this project is not audited.",
  IdentityUnreadable: 'Give the auditing identity Graph Application.Read.All, then run the audit again.',
  RolesUnreadable:
    "Give the auditing identity Reader (Microsoft.Authorization/roleAssignments/read) at the connection's scope, then run the audit again.",
  GovernanceUnreadable:
    "Give the auditing identity read access to the project's pipelines (a personal access token needs the vso.build scope: checks and the pipelines authorised for the connection) and the Reader role on the connection (its security roles), then run the audit again: until then these checks of the connection are not audited.",
  ProductionWithoutApproval:
    'Add an approval check: checks: { approvals: { approvers: [...] } } on the connection in the spec, then wif apply --config FILE --yes (or Approvals and checks on the connection in the portal); or narrow the role to a resource group.',
  ProductionWithoutBranchControl:
    "Add branch control limited to protected branches: checks: { branchControl: { allowed: ['refs/heads/main'] } } on the connection in the spec, then wif apply --config FILE --yes (or Approvals and checks in the portal).",
  OpenToAllPipelines:
    'Authorise the pipelines that need it by id (pipelines: [ids] in the spec, then wif apply) and turn off access for all pipelines (wif apply does when the spec lists pipeline ids).',
  BroadAdministrators:
    'Name the administrators in the spec (security: { administrators: [...] }) and remove the broad group with wif sync --config FILE --prune --yes (or Security on the connection in the portal); if it is inherited, add security: { inheritance: false } first.',
  StaleIdentityCredentials:
    'Delete the credentials of connections that no longer exist from the managed identity (`az identity federated-credential delete --identity-name IDENTITY --resource-group GROUP --name CREDENTIAL`): each identity holds at most 20.',
  SecretExpiring:
    'Migrate it to workload identity federation before that date (wif migrate start --connection NAME --project PROJECT, or wif migrate convert --scheme for an automatic-mode one): a new secret only restarts the clock.',
  AppHasSecret:
    'Remove the secret or certificate from the app (`az ad app credential delete --id APP_ID --key-id KEY_ID`, with `--cert` for a certificate; or Certificates & secrets of the app registration in the Entra portal; on an app wif made, `wif sync --prune` removes its client secrets); first make sure nothing else signs in with it.',
};

const SERVICE_NAMES: Readonly<Record<string, string>> = { devops: 'Azure DevOps', graph: 'Microsoft Graph', arm: 'Azure Resource Manager' };

/**
 * The fix of an unreadable finding, for the cause of its failure: the catalogue text ({@link FIXES})
 * is the one for a missing permission; a network failure, a failed sign-in, a wrong organization or
 * throttling each need something else.
 */
export function unreadableFix(
  code: AuditCode,
  cause: ReadFailureCause,
  context: { organization: string; service?: string | undefined },
): string {
  const service = SERVICE_NAMES[context.service ?? ''] ?? context.service ?? 'the service';
  switch (cause) {
    case 'network':
      return `${service} could not be reached from here: check the network, the proxy (HTTPS_PROXY) and the firewall of this machine, or, against the emulator, that it is running at the --emulator URL; then run the audit again.`;
    case 'sign-in':
      return `The auditing identity could not sign in to ${service}, or its token was refused: sign in (az login; in a pipeline, run wif inside an AzureCLI@2 task on a workload identity federation connection), or, with a personal access token, set AZURE_DEVOPS_EXT_PAT to a valid, unexpired one; then run the audit again.`;
    case 'not-found':
      return code === 'OrganizationUnreadable'
        ? `${service} has no organization named "${context.organization}" that this identity can see: check --org (or WIF_ORG, or the spec's organization) and that the identity was added to that organization; then run the audit again.`
        : 'It was deleted or renamed while the audit ran: run the audit again.';
    case 'throttled':
      return `${service} kept throttling after every retry: run the audit again later, when the organization is less busy.`;
    case 'service':
      return `${service} failed or answered unexpectedly: run the audit again later; if it keeps failing, report it with the request id.`;
    case 'permission':
      return FIXES[code];
  }
}
