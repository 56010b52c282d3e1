/**
 * The checks that need nothing but the service connection as Azure DevOps lists it: how it
 * authenticates, its issuer, whether it is ready, how it was created, where it is shared. Pure.
 */
import { authParameter, type ServiceEndpoint, workloadIdentity } from '@wif/devops';
import { type LimitExceededError, redact, type TransportError } from '@wif/http';
import { issuerKind, LEGACY_ISSUER_RETIREMENT_DATE } from '../constants';
import {
  type AuditCode,
  type AuditedConnection,
  type AuditFinding,
  AUDIT_SCHEMA_VERSION,
  FIXES,
  type ReadFailureCause,
  readFailureCause,
  type Severity,
  UNREADABLE_CODES,
  unreadableFix,
} from './findings';
import { same } from '../_internal/compare';

/** Schemes that never store a key in Azure DevOps. */
const KEYLESS_SCHEMES = new Set(['workloadidentityfederation', 'managedserviceidentity', 'none']);
/** Schemes whose stored value is itself a long-lived credential. */
const KEY_SCHEMES = new Set(['serviceprincipal', 'usernamepassword', 'token', 'publishprofile', 'certificate']);
/** `authorization.parameters` keys that hold a stored secret (Azure DevOps returns their values as `null`). */
const KEY_PARAMETERS = new Set([
  'serviceprincipalkey',
  'serviceprincipalcertificate',
  'certificate',
  'certificatepassword',
  'password',
  'apitoken',
  'secret',
  'key',
]);

/** Whether the connection stores a long-lived key: a secret, a certificate, a password or a token. */
export function storesKey(endpoint: ServiceEndpoint): boolean {
  const scheme = (endpoint.authorization?.scheme ?? '').toLowerCase();
  if (KEYLESS_SCHEMES.has(scheme)) return false;
  const authenticationType = authParameter(endpoint, 'authenticationType');
  if (same(authenticationType, 'spnKey') || same(authenticationType, 'spnCertificate') || KEY_SCHEMES.has(scheme)) return true;
  return Object.keys(endpoint.authorization?.parameters ?? {}).some((k) => KEY_PARAMETERS.has(k.toLowerCase()));
}

/** The connection as findings report it: ids and names, never a parameter value that could be secret. */
export function auditedConnection(endpoint: ServiceEndpoint): AuditedConnection {
  return {
    id: endpoint.id,
    name: endpoint.name,
    type: endpoint.type,
    scheme: endpoint.authorization?.scheme ?? '',
    creationMode: endpoint.data?.['creationMode'] ?? null,
    appId: authParameter(endpoint, 'serviceprincipalid') ?? null,
    tenantId: authParameter(endpoint, 'tenantid') ?? null,
    issuer: workloadIdentity(endpoint).issuer ?? null,
    projects: (endpoint.serviceEndpointProjectReferences ?? []).map((r) => ({
      id: r.projectReference.id,
      name: r.projectReference.name ?? r.name,
    })),
  };
}

/** Builds one finding; `fix` is the code's catalogue text. */
export function finding(
  organization: string,
  code: AuditCode,
  severity: Severity,
  message: string,
  about: { connection?: AuditedConnection; project?: { id: string; name: string } },
  details: AuditFinding['details'] = {},
): AuditFinding {
  // An unreadable finding's fix depends on why the read failed (errorDetails puts the cause in details).
  const cause = UNREADABLE_CODES.has(code) && typeof details['cause'] === 'string' ? (details['cause'] as ReadFailureCause) : undefined;
  const service = typeof details['service'] === 'string' ? details['service'] : undefined;
  return {
    schemaVersion: AUDIT_SCHEMA_VERSION,
    code,
    severity,
    organization,
    connection: about.connection ?? null,
    project: about.project ?? null,
    message,
    fix: cause ? unreadableFix(code, cause, { organization, service }) : FIXES[code],
    details,
  };
}

/** The facts of a failed read a finding carries: kind, cause, service, HTTP status, service code, request id. */
export function errorDetails(error: TransportError | LimitExceededError): AuditFinding['details'] {
  return {
    errorKind: error.kind,
    cause: readFailureCause(error.kind),
    service: 'service' in error ? error.service : null,
    status: 'status' in error ? error.status : null,
    errorCode: 'code' in error ? (error.code ?? null) : null,
    requestId: 'requestId' in error ? (error.requestId ?? null) : null,
  };
}

const DAY_IN_MS = 86_400_000;

/**
 * The severity of a connection still on the Azure DevOps issuer: `critical` once the issuer is
 * retired, `high` within 180 days of it, `medium` before; `low` for connections the retirement does
 * not cover (non-public clouds, multi-tenant apps: https://learn.microsoft.com/azure/devops/pipelines/release/convert-service-connections).
 */
export function legacyIssuerSeverity(nowInMs: number, eligible: boolean): Severity {
  if (!eligible) return 'low';
  const daysLeft = (Date.parse(`${LEGACY_ISSUER_RETIREMENT_DATE}T00:00:00Z`) - nowInMs) / DAY_IN_MS;
  if (daysLeft <= 0) return 'critical';
  return daysLeft <= 180 ? 'high' : 'medium';
}

/**
 * The Azure DevOps-only findings of one connection: `SecretBased`, `LegacyIssuer` (its severity
 * assumes a single-tenant app unless `signInAudience` says otherwise), `NotReady`, `AutomaticMode`,
 * `SharedAcrossProjects`.
 */
export function inspectConnection(
  organization: string,
  endpoint: ServiceEndpoint,
  context: { nowInMs: number; signInAudience?: string | undefined },
): AuditFinding[] {
  const connection = auditedConnection(endpoint);
  const out: AuditFinding[] = [];
  const add = (code: AuditCode, severity: Severity, message: string, details: AuditFinding['details'] = {}): void => {
    out.push(finding(organization, code, severity, message, { connection }, details));
  };
  const scheme = connection.scheme;
  const single = connection.projects.length <= 1;
  const automatic = same(connection.creationMode, 'Automatic');

  if (storesKey(endpoint)) {
    const authenticationType = authParameter(endpoint, 'authenticationType') ?? null;
    add(
      'SecretBased',
      'critical',
      `"${endpoint.name}" authenticates with a stored ${authenticationType === 'spnCertificate' ? 'certificate' : 'key'} (scheme ${scheme}): anyone who can read it from a pipeline can use it elsewhere until it expires.`,
      {
        authenticationType,
        convertibleInPlace: same(scheme, 'ServicePrincipal') && automatic && single,
      },
    );
  }
  if (connection.issuer !== null && issuerKind(connection.issuer) === 'legacy') {
    const environment = endpoint.data?.['environment'] ?? 'AzureCloud';
    const multiTenant = context.signInAudience !== undefined && context.signInAudience !== 'AzureADMyOrg';
    const eligible = same(environment, 'AzureCloud') && !multiTenant;
    add(
      'LegacyIssuer',
      legacyIssuerSeverity(context.nowInMs, eligible),
      eligible
        ? `"${endpoint.name}" still uses the Azure DevOps issuer, retired on ${LEGACY_ISSUER_RETIREMENT_DATE} for connections like it; pipelines will then fail to authenticate.`
        : `"${endpoint.name}" still uses the Azure DevOps issuer; the ${LEGACY_ISSUER_RETIREMENT_DATE} retirement does not cover it (${multiTenant ? 'multi-tenant app' : environment}), but the Entra issuer is the default.`,
      { retirementDate: LEGACY_ISSUER_RETIREMENT_DATE, eligibleForRetirement: eligible, environment },
    );
  }
  const status = endpoint.operationStatus as { state?: unknown; statusMessage?: unknown } | null | undefined;
  const state = typeof status?.state === 'string' ? status.state : null;
  if (endpoint.isReady === false || same(state, 'Failed')) {
    const statusMessage = typeof status?.statusMessage === 'string' ? redact(status.statusMessage) : null;
    add(
      'NotReady',
      'high',
      `"${endpoint.name}" is not ready (${state ?? 'isReady: false'}${statusMessage ? `: ${statusMessage}` : ''}); az devops hides such connections, pipelines cannot use it.`,
      {
        state,
        statusMessage,
      },
    );
  }
  if (automatic) {
    add(
      'AutomaticMode',
      'medium',
      `"${endpoint.name}" was created in automatic mode: Azure DevOps named and placed its app and chose its role scope.`,
      {
        convertibleInPlace: same(scheme, 'ServicePrincipal') && single,
      },
    );
  }
  if (!single) {
    add(
      'SharedAcrossProjects',
      'low',
      `"${endpoint.name}" is shared into ${connection.projects.length} projects: every pipeline in each of them may use its identity.`,
      {
        projectCount: connection.projects.length,
      },
    );
  }
  return out;
}
