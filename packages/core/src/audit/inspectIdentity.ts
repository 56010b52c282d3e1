/**
 * The checks that need Graph (and ARM): the app behind a connection, its federated credentials
 * (compared exactly as verifySubject compares them, through its `mismatch()`), its sign-in audience,
 * and the roles of its service principal. The reads come from an {@link IdentityReader}: shared by
 * every connection of the run, so an app used by many connections is read once.
 */
import { BUILT_IN_ROLES } from '@wif/arm';
import { type ServiceEndpoint, workloadIdentity } from '@wif/devops';
import type { LimitExceededError, TransportError } from '@wif/http';
import { FEDERATION_AUDIENCE, issuerKind } from '../constants';
import { dataListScope } from '../target';
import { mismatch } from '../steps/verifySubject';
import type { AppSecretFacts, IdentityReader, PrincipalFacts } from './_identityReader';
import { type AuditCheck, type AuditCode, type AuditedConnection, type AuditFinding, type Severity } from './findings';
import { errorDetails, finding } from './inspectConnection';
import { same } from '../_internal/compare';
import { isLiveAppCredential } from '../_internal/appSecrets';
import { managedIdentityCredentialFindings } from './_governance';

/** What the identity checks found, which checks ran, and the app's sign-in audience when it was read. */
export interface IdentityInspection {
  readonly findings: AuditFinding[];
  readonly checks: AuditCheck[];
  readonly signInAudience?: string;
}

const ROLE_NAMES = new Map<string, string>(Object.entries(BUILT_IN_ROLES).map(([name, guid]) => [guid, name]));
/** A built-in role's name for its definition GUID, or the GUID itself. @internal */
export const roleNameOf = (guid: string): string => ROLE_NAMES.get(guid) ?? guid;

/** The ARM scope a connection targets (subscription, resource group or management group), if any: see target.ts. */
export function connectionScope(endpoint: Pick<ServiceEndpoint, 'data'>): string | undefined {
  return dataListScope(endpoint.data);
}

/**
 * Reads the app, its federated credentials and its service principal's role assignments (through
 * `reader`), and turns what is wrong into findings: `AppNotFound`, `CredentialMissing`,
 * `CredentialMismatch`, `AudienceMismatch`, `MultiTenantApp`, `BroadRole`, `OtherTenant`, and
 * `IdentityUnreadable` / `RolesUnreadable` when a read fails. Only for connections that name an app
 * (`ServicePrincipal` and `WorkloadIdentityFederation` schemes). The credential list and the service
 * principal of an app are read at the same time. Never fails: every error is a finding.
 */
export async function inspectIdentity(
  reader: IdentityReader | undefined,
  withRoles: boolean,
  organization: string,
  endpoint: ServiceEndpoint,
  connection: AuditedConnection,
  options: {
    tenantId?: string | undefined;
    /** The connection's managed identity is one the audit was given: its credentials are compared there, not here. */
    identityKnown?: boolean;
    /** Now, for which of an app's secrets are still valid. Default `Date.now()`. */
    nowInMs?: number;
  },
): Promise<IdentityInspection> {
  const appId = connection.appId;
  const isWif = same(connection.scheme, 'WorkloadIdentityFederation');
  if (!reader || !appId || !(isWif || same(connection.scheme, 'ServicePrincipal'))) return { findings: [], checks: [] };
  const findings: AuditFinding[] = [];
  const checks: AuditCheck[] = ['app'];
  const add = (code: AuditCode, severity: Severity, message: string, details: AuditFinding['details'] = {}): void => {
    findings.push(finding(organization, code, severity, message, { connection }, details));
  };
  if (options.tenantId && connection.tenantId && !same(connection.tenantId, options.tenantId)) {
    add(
      'OtherTenant',
      'info',
      `"${connection.name}" uses an identity of tenant ${connection.tenantId}; its app and roles were not checked.`,
      { tenantId: connection.tenantId },
    );
    return { findings, checks };
  }
  const onEntraIssuer = connection.issuer !== null && issuerKind(connection.issuer) === 'entra';
  const unreadable = (what: string, error: TransportError, signInAudience?: string): IdentityInspection => {
    add('IdentityUnreadable', 'medium', `Could not read ${what} of "${connection.name}": ${error.message}`, errorDetails(error));
    return { findings, checks, ...(signInAudience !== undefined ? { signInAudience } : {}) };
  };
  const scope = withRoles ? connectionScope(endpoint) : undefined;

  let principal: PrincipalFacts | undefined;
  // Undefined for a managed identity: it has no app, so no audience (and it is never multi-tenant).
  let signInAudience: string | undefined;
  const app = await reader.app(appId);
  if (app.isErr()) return unreadable('the app', app.error);
  if (app.value === null) {
    // No application object here: a service principal alone means the app lives in another tenant,
    // unless it is a managed identity's (its credentials are on the identity in ARM, compared when
    // the audit is given the identities: `managedIdentities`).
    const sp = await reader.servicePrincipal(appId);
    if (sp.isErr()) return unreadable('the service principal', sp.error);
    if (sp.value === null) {
      add(
        'AppNotFound',
        'high',
        `"${connection.name}" names app ${appId}, which has neither an app registration nor a service principal in this tenant: it cannot authenticate.`,
      );
      return { findings, checks };
    }
    principal = sp.value;
    if (!sp.value.managedIdentity) signInAudience = 'AzureADMultipleOrgs';
    else if (isWif && options.identityKnown !== true) {
      // A user-assigned identity's principal names the identity: its credentials are compared as
      // for an identity the audit was given (`managedIdentities`).
      const ref = sp.value.identity;
      const credentials = ref ? await reader.identityCredentials(ref) : undefined;
      if (ref && credentials) {
        if (credentials.isErr()) return unreadable(`the credentials of managed identity ${ref.name}`, credentials.error);
        if (credentials.value !== null) {
          checks.push('federatedCredential');
          findings.push(
            ...managedIdentityCredentialFindings(organization, connection, endpoint, {
              ref,
              clientId: appId.toLowerCase(),
              credentials: credentials.value,
            }),
          );
        }
      }
    }
  } else {
    signInAudience = app.value.signInAudience;
    if (isWif) secretsOnApp(app.value.secrets);
    else secretExpiry(app.value.secrets);
    // The credential list and the service principal are independent reads: both at once.
    const [credentials, sp] = await Promise.all([
      isWif ? reader.credentials(app.value.id) : undefined,
      scope ? reader.servicePrincipal(appId) : undefined,
    ]);
    if (credentials) {
      checks.push('federatedCredential');
      if (credentials.isErr()) return unreadable('the federated credentials', credentials.error);
      const { issuer, subject } = workloadIdentity(endpoint);
      if (issuer && subject) {
        const exact = credentials.value.find((c) => c.issuer === issuer && c.subject === subject);
        if (!exact) {
          const m = mismatch(endpoint.id, endpoint.name, app.value.id, issuer, subject, credentials.value);
          add(m.actual === null ? 'CredentialMissing' : 'CredentialMismatch', 'high', m.message, {
            field: m.field,
            expected: m.expected,
            actual: m.actual,
            firstDifferenceAt: m.firstDifferenceAt,
            hint: m.hint,
          });
        } else if (!(exact.audiences.length === 1 && exact.audiences[0] === FEDERATION_AUDIENCE)) {
          add(
            'AudienceMismatch',
            'high',
            `Credential "${exact.name}" of "${connection.name}" has audiences ${JSON.stringify(exact.audiences)}; the exchange needs exactly ["${FEDERATION_AUDIENCE}"] (AADSTS700212).`,
            {
              credentialName: exact.name,
              audiences: exact.audiences.join(','),
            },
          );
        }
      }
    }
    if (sp) {
      if (sp.isErr()) {
        multiTenant();
        return unreadable('the service principal', sp.error, signInAudience);
      }
      if (sp.value === null) {
        multiTenant();
        add(
          'AppNotFound',
          'high',
          `App ${appId} of "${connection.name}" has no service principal in this tenant: it cannot sign in (AADSTS7000229).`,
        );
        return { findings, checks, signInAudience };
      }
      principal = sp.value;
    }
  }
  multiTenant();

  const inspected = (): IdentityInspection => ({ findings, checks, ...(signInAudience !== undefined ? { signInAudience } : {}) });
  if (!scope || !principal) return inspected();
  checks.push('roles');
  const roles = await reader.broadRoles(scope, principal.id);
  if (roles.isErr()) {
    const e: TransportError | LimitExceededError = roles.error;
    add('RolesUnreadable', 'medium', `Could not read the role assignments of "${connection.name}" at ${scope}: ${e.message}`, {
      scope,
      ...errorDetails(e),
    });
    return inspected();
  }
  for (const a of roles.value) {
    const privileged = a.roleGuid !== (BUILT_IN_ROLES.Contributor as string);
    const role = roleNameOf(a.roleGuid);
    add(
      'BroadRole',
      privileged ? 'high' : 'medium',
      `The identity of "${connection.name}" holds ${role} at ${a.level === 'root' ? 'the tenant root' : `${a.level} scope`} ${a.scope}${privileged ? ': it can grant itself and others any access there' : ''}.`,
      { role, scope: a.scope, assignmentId: a.id },
    );
  }
  return inspected();

  /**
   * A workload-identity connection needs no secret, but its app may still hold one (left from before
   * a conversion, or added by hand): whoever has it signs in as the connection's identity from
   * anywhere, outside any pipeline — the leak the move to federation is meant to end. Expired ones
   * are harmless and not reported.
   */
  function secretsOnApp(secrets: readonly AppSecretFacts[]): void {
    const now = options.nowInMs ?? Date.now();
    const live = secrets.filter((x) => isLiveAppCredential(x.endDateTime, now));
    if (live.length === 0) return;
    const described = live.map(
      (x) => `${x.kind} ${x.keyId}${x.displayName ? ` ("${x.displayName}")` : ''}${x.endDateTime ? ` valid until ${x.endDateTime}` : ''}`,
    );
    add(
      'AppHasSecret',
      'high',
      `App ${appId} of "${connection.name}" still holds ${live.length === 1 ? 'a client secret or certificate' : `${live.length} client secrets or certificates`} (${described.join('; ')}): whoever has it signs in as the connection's identity from anywhere, outside any pipeline. The connection uses workload identity federation and does not need it.`,
      { secrets: live.length, keyIds: live.map((x) => x.keyId).join(','), kinds: [...new Set(live.map((x) => x.kind))].join(',') },
    );
  }

  /**
   * A secret-based connection stops working when the secret it stores expires. Which of the app's
   * secrets it stores is not visible (Graph lists key ids, the connection keeps the value), so the
   * latest end date among them is the last day it can work: within 30 days (or past) it is reported.
   */
  function secretExpiry(secrets: readonly AppSecretFacts[]): void {
    if (secrets.length === 0 || secrets.some((x) => x.endDateTime === null)) return;
    const now = options.nowInMs ?? Date.now();
    const last = Math.max(...secrets.map((x) => Date.parse(x.endDateTime!)).filter((t) => !Number.isNaN(t)));
    if (!Number.isFinite(last)) return;
    const days = Math.floor((last - now) / 86_400_000);
    if (days > 30) return;
    const at = new Date(last).toISOString();
    add(
      'SecretExpiring',
      days <= 7 ? 'high' : 'medium',
      last <= now
        ? `Every secret or certificate of app ${appId} behind "${connection.name}" expired (the last on ${at}): the connection cannot authenticate, and its pipelines fail.`
        : `The secrets and certificates of app ${appId} behind "${connection.name}" all expire by ${at} (in ${days} day${days === 1 ? '' : 's'}): its pipelines fail from then on.`,
      { expiresAt: at, days },
    );
  }

  function multiTenant(): void {
    if (signInAudience === undefined || signInAudience === 'AzureADMyOrg') return;
    add(
      'MultiTenantApp',
      isWif && onEntraIssuer ? 'high' : 'medium',
      isWif && onEntraIssuer
        ? `App ${appId} of "${connection.name}" is multi-tenant (${signInAudience}): the Entra issuer refuses it (AADSTS70052).`
        : `App ${appId} of "${connection.name}" is multi-tenant (${signInAudience}): other tenants can consent to it, and the Entra issuer refuses it.`,
      { signInAudience },
    );
  }
}
