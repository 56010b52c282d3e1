/**
 * The checks that need Graph (and ARM): the app behind a connection, its federated credentials
 * (compared exactly as verifySubject compares them, through its `mismatch()`), its sign-in audience,
 * and the roles of its service principal.
 */
import { type ArmClient, BUILT_IN_ROLES, listRoleAssignments, parseScope, PRIVILEGED_ROLE_IDS, roleDefinitionGuid } from '@wif/arm';
import { type ServiceEndpoint, workloadIdentity } from '@wif/devops';
import { getApplication, getServicePrincipal, type GraphClient, listFederatedIdentityCredentials, type ServicePrincipal } from '@wif/graph';
import { collect, type TransportError } from '@wif/http';
import { FEDERATION_AUDIENCE, issuerKind } from '../constants';
import { dataListScope } from '../target';
import { mismatch } from '../steps/verifySubject';
import { type AuditCode, type AuditedConnection, type AuditFinding, type Severity } from './findings';
import { errorDetails, finding } from './inspectConnection';

/** The optional clients of the identity checks: without Graph there are none; without ARM no role check. */
export interface IdentityClients {
  readonly graph?: GraphClient | undefined;
  readonly arm?: ArmClient | undefined;
}

/** What the identity checks found, and the app's sign-in audience when it was read. */
export interface IdentityInspection {
  readonly findings: AuditFinding[];
  readonly signInAudience?: string;
}

const same = (a: string | null | undefined, b: string): boolean => (a ?? '').toLowerCase() === b.toLowerCase();
const ROLE_NAMES = new Map<string, string>(Object.entries(BUILT_IN_ROLES).map(([name, guid]) => [guid, name]));
/** A built-in role's name for its definition GUID, or the GUID itself. @internal */
export const roleNameOf = (guid: string): string => ROLE_NAMES.get(guid) ?? guid;
/** Most role assignments a single service principal is expected to hold; more is read as a failure. */
const MAX_ASSIGNMENTS = 1_000;

/** The ARM scope a connection targets (subscription, resource group or management group), if any: see target.ts. */
export function connectionScope(endpoint: Pick<ServiceEndpoint, 'data'>): string | undefined {
  return dataListScope(endpoint.data);
}

/**
 * Reads the app, its federated credentials and its service principal's role assignments, and turns
 * what is wrong into findings: `AppNotFound`, `CredentialMissing`, `CredentialMismatch`,
 * `AudienceMismatch`, `MultiTenantApp`, `BroadRole`, `OtherTenant`, and `IdentityUnreadable` /
 * `RolesUnreadable` when a read fails. Only for connections that name an app
 * (`ServicePrincipal` and `WorkloadIdentityFederation` schemes). Never fails: every error is a finding.
 */
export async function inspectIdentity(
  clients: IdentityClients,
  organization: string,
  endpoint: ServiceEndpoint,
  connection: AuditedConnection,
  options: { tenantId?: string | undefined; abortSignal?: AbortSignal | undefined },
): Promise<IdentityInspection> {
  const { graph, arm } = clients;
  const appId = connection.appId;
  const isWif = same(connection.scheme, 'WorkloadIdentityFederation');
  if (!graph || !appId || !(isWif || same(connection.scheme, 'ServicePrincipal'))) return { findings: [] };
  const findings: AuditFinding[] = [];
  const add = (code: AuditCode, severity: Severity, message: string, details: AuditFinding['details'] = {}): void => {
    findings.push(finding(organization, code, severity, message, { connection }, details));
  };
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  if (options.tenantId && connection.tenantId && !same(connection.tenantId, options.tenantId)) {
    add(
      'OtherTenant',
      'info',
      `"${connection.name}" uses an identity of tenant ${connection.tenantId}; its app and roles were not checked.`,
      { tenantId: connection.tenantId },
    );
    return { findings };
  }
  const onEntraIssuer = connection.issuer !== null && issuerKind(connection.issuer) === 'entra';
  const unreadable = (what: string, error: TransportError): IdentityInspection => {
    add('IdentityUnreadable', 'medium', `Could not read ${what} of "${connection.name}": ${error.message}`, errorDetails(error));
    return { findings };
  };

  let servicePrincipal: ServicePrincipal | undefined;
  let signInAudience: string;
  const app = await getApplication(graph, { appId }, { ...opts, select: ['signInAudience'] });
  if (app.isErr()) {
    if (app.error.kind !== 'NotFound') return unreadable('the app', app.error);
    // No application object here: a service principal alone means the app lives in another tenant.
    const sp = await getServicePrincipal(graph, { appId }, opts);
    if (sp.isErr()) {
      if (sp.error.kind !== 'NotFound') return unreadable('the service principal', sp.error);
      add(
        'AppNotFound',
        'high',
        `"${connection.name}" names app ${appId}, which has neither an app registration nor a service principal in this tenant: it cannot authenticate.`,
      );
      return { findings };
    }
    servicePrincipal = sp.value;
    signInAudience = 'AzureADMultipleOrgs';
  } else {
    signInAudience = app.value.signInAudience ?? 'AzureADMyOrg';
    if (isWif) {
      const credentials = await listFederatedIdentityCredentials(graph, app.value.id, opts);
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
  }
  if (signInAudience !== 'AzureADMyOrg') {
    add(
      'MultiTenantApp',
      isWif && onEntraIssuer ? 'high' : 'medium',
      isWif && onEntraIssuer
        ? `App ${appId} of "${connection.name}" is multi-tenant (${signInAudience}): the Entra issuer refuses it (AADSTS70052).`
        : `App ${appId} of "${connection.name}" is multi-tenant (${signInAudience}): other tenants can consent to it, and the Entra issuer refuses it.`,
      { signInAudience },
    );
  }

  const scope = connectionScope(endpoint);
  if (!arm || !scope) return { findings, signInAudience };
  if (!servicePrincipal) {
    const sp = await getServicePrincipal(graph, { appId }, opts);
    if (sp.isErr()) {
      if (sp.error.kind !== 'NotFound') return { ...unreadable('the service principal', sp.error), signInAudience };
      add(
        'AppNotFound',
        'high',
        `App ${appId} of "${connection.name}" has no service principal in this tenant: it cannot sign in (AADSTS7000229).`,
      );
      return { findings, signInAudience };
    }
    servicePrincipal = sp.value;
  }
  const principalId = servicePrincipal.id;
  const assignments = await collect(listRoleAssignments(arm, scope, { principalId }, opts), MAX_ASSIGNMENTS);
  if (assignments.isErr()) {
    add(
      'RolesUnreadable',
      'medium',
      `Could not read the role assignments of "${connection.name}" at ${scope}: ${assignments.error.message}`,
      { scope, ...errorDetails(assignments.error) },
    );
    return { findings, signInAudience };
  }
  for (const a of assignments.value) {
    if (!same(a.properties.principalId, principalId)) continue;
    const guid = roleDefinitionGuid(a.properties.roleDefinitionId) ?? '';
    const at = a.properties.scope;
    const level =
      at === '/'
        ? 'root'
        : parseScope(at)
            .map((p) => p.level)
            .unwrapOr('resource');
    if (level !== 'root' && level !== 'subscription' && level !== 'managementGroup') continue;
    const privileged = PRIVILEGED_ROLE_IDS.has(guid);
    if (!privileged && guid !== (BUILT_IN_ROLES.Contributor as string)) continue;
    const role = roleNameOf(guid);
    add(
      'BroadRole',
      privileged ? 'high' : 'medium',
      `The identity of "${connection.name}" holds ${role} at ${level === 'root' ? 'the tenant root' : `${level} scope`} ${at}${privileged ? ': it can grant itself and others any access there' : ''}.`,
      { role, scope: at, assignmentId: a.id },
    );
  }
  return { findings, signInAudience };
}
