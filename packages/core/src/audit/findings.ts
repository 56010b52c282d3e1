/**
 * The audit's output record: one JSON object per finding, with a stable schema (`schemaVersion`).
 * Every key is always present (absent values are `null`), so consumers never branch on `undefined`.
 * The catalogue (codes, severities, fixes) is documented in docs/audit.md.
 */
import { z } from 'zod';

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
] as const;

/** What a finding is about. */
export type AuditCode = (typeof AUDIT_CODES)[number];

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
    "Give the auditing identity read access to the organization's projects (Project Collection Valid Users, PAT scope vso.project), then run the audit again.",
  ProjectUnreadable:
    "Give the auditing identity the Reader role on the project's service connections (PAT scope vso.serviceendpoint), then run the audit again: until then this project is not audited.",
  IdentityUnreadable: 'Give the auditing identity Graph Application.Read.All, then run the audit again.',
  RolesUnreadable:
    "Give the auditing identity Reader (Microsoft.Authorization/roleAssignments/read) at the connection's scope, then run the audit again.",
};
