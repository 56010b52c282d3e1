import type { ArmClient, ManagedIdentityRef } from '@wif/arm';
import { authParameter, type DevOpsClient, type ServiceEndpoint } from '@wif/devops';
import type { GraphClient } from '@wif/graph';
import { Channel } from './_channel';
import { walkOrganization } from './_walk';
import type { AuditFinding } from './findings';
import { auditedConnection, errorDetails, finding, inspectConnection } from './inspectConnection';
import { inspectIdentity } from './inspectIdentity';
import { type AuditedManagedIdentity, governanceFindings, readAuditedIdentities, staleIdentityCredentialFindings } from './_governance';

/** The clients the audit uses: Azure DevOps always; Graph and ARM when the caller can read them. */
export interface AuditClients {
  readonly devops: DevOpsClient;
  /** Enables the app and federated-credential checks. */
  readonly graph?: GraphClient | undefined;
  /** With `graph`, enables the role checks. */
  readonly arm?: ArmClient | undefined;
}

export interface AuditOptions {
  /** Projects audited at once (each with at most one request in flight). Default 16 (measured: ≥ 10× faster than one at a time at 50 ms per request; docs/performance.md). */
  readonly concurrency?: number;
  /** The connection type to audit. Default: `azurerm` plus workload-identity connections of every type; `null` audits every type. */
  readonly connectionType?: string | null;
  /** The tenant the Graph/ARM credentials belong to: identities of other tenants get `OtherTenant` instead of false `AppNotFound`. */
  readonly tenantId?: string;
  /** Time source for the legacy issuer's retirement countdown. Default `Date.now`. */
  readonly clock?: () => number;
  /** Findings buffered before the walk waits for the consumer. Default 256. */
  readonly highWaterMark?: number;
  /** Stops the audit: iteration ends, `stats.complete` stays false. */
  readonly abortSignal?: AbortSignal;
  /**
   * User-assigned managed identities behind connections (e.g. from the spec). With `arm`, connections
   * on them are checked against the identity's credentials (not Graph), and credentials for
   * connections that no longer exist are reported (`StaleIdentityCredentials`).
   */
  readonly managedIdentities?: readonly ManagedIdentityRef[];
  /** Read checks, pipeline permissions and security roles per connection (governance findings). Default true. */
  readonly governance?: boolean;
}

/** Counts of what the audit has covered so far. */
export interface AuditStats {
  /** Projects whose connections were listed. */
  readonly projects: number;
  /** Projects that could not be read (each also reported as `ProjectUnreadable`). */
  readonly unreadableProjects: number;
  /** Distinct connections audited (a shared one counts once). */
  readonly connections: number;
  readonly findings: number;
  /** True once every project was walked (false while running, after an abort, or if the project list failed). */
  readonly complete: boolean;
}

/** The audit as it runs: iterate it for findings; `stats` says how far it got. */
export interface AuditRun extends AsyncIterable<AuditFinding> {
  readonly stats: AuditStats;
}

/**
 * Audits every service connection of the organization and streams findings as it goes.
 *
 * Calls `GET /{org}/_apis/projects` (paged by `x-ms-continuationtoken`, read lazily), then per
 * project `GET /{org}/{project}/_apis/serviceendpoint/endpoints?includeFailed=true` (azurerm and workload-identity connections are audited), at
 * most `concurrency` projects at a time. A connection shared into several projects is audited once.
 * With `graph`, per connection that names an app: `GET /applications(appId='…')`,
 * `GET /applications/{id}/federatedIdentityCredentials` (workload identity federation only), and
 * with `arm` also `GET /servicePrincipals(appId='…')` and
 * `GET {scope}/providers/Microsoft.Authorization/roleAssignments?$filter=principalId eq '…'`.
 * Memory stays flat: only the ids of visited connections (and one name per app id, for
 * `AppSharedByConnections`) are kept; findings wait in a bounded buffer for the consumer.
 *
 * Permission: read the projects and each project's service connections (Reader role; PAT scopes
 * `vso.project`, `vso.serviceendpoint`); Graph `Application.Read.All`; ARM
 * `Microsoft.Authorization/roleAssignments/read` (Reader) at the connections' scopes. Nothing is
 * written: safe to re-run. Never fails: a project, an app or a role list that cannot be read is a
 * finding of its own (`ProjectUnreadable`, `OrganizationUnreadable`, `IdentityUnreadable`,
 * `RolesUnreadable`); iterating never throws.
 *
 * @example
 * const run = auditOrganization(createClients({ credential, organization: 'contoso' }), { tenantId });
 * const findings = [];
 * for await (const f of run) findings.push(f);
 * console.log(formatAuditTable(findings));
 * process.exitCode = summarizeAudit(findings, { failOn: 'high' }).exitCode;
 */
export function auditOrganization(clients: AuditClients, options: AuditOptions = {}): AuditRun {
  const stats = { projects: 0, unreadableProjects: 0, connections: 0, findings: 0, complete: false };
  return {
    get stats(): AuditStats {
      return { ...stats };
    },
    [Symbol.asyncIterator]: () => run(clients, options, stats),
  };
}

type MutableStats = { -readonly [K in keyof AuditStats]: AuditStats[K] };

async function* run(clients: AuditClients, options: AuditOptions, stats: MutableStats): AsyncGenerator<AuditFinding, void, undefined> {
  Object.assign(stats, { projects: 0, unreadableProjects: 0, connections: 0, findings: 0, complete: false });
  const organization = clients.devops.organization;
  const clock = options.clock ?? Date.now;
  const channel = new Channel<AuditFinding>(options.highWaterMark ?? 256);
  // Our own signal: the consumer leaving (break) must stop the requests in flight, too.
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  options.abortSignal?.addEventListener('abort', onAbort, { once: true });
  if (options.abortSignal?.aborted) controller.abort();
  const abortSignal = controller.signal;
  const emit = async (f: AuditFinding): Promise<void> => {
    if (abortSignal.aborted || channel.cancelled) return;
    stats.findings += 1;
    await channel.push(f);
  };
  const appUsers = new Map<string, { id: string; name: string }>();
  let listFailed = false;
  const identities: AuditedManagedIdentity[] =
    clients.arm && options.managedIdentities?.length
      ? await readAuditedIdentities(clients.arm, options.managedIdentities, abortSignal)
      : [];
  const liveConnectionIds = new Set<string>();

  const walk = walkOrganization(
    clients.devops,
    {
      concurrency: options.concurrency ?? 16,
      // Default: every azurerm connection, and workload-identity connections of every other type
      // (Docker registry, Kubernetes, extension types): they share the issuer and credential rules.
      type: options.connectionType ?? undefined,
      abortSignal,
      stopped: () => channel.cancelled,
    },
    {
      listFailed: async (error) => {
        listFailed = true;
        await emit(
          finding(
            organization,
            'OrganizationUnreadable',
            'critical',
            `Could not list the projects of ${organization}; projects not yet listed were not audited: ${error.message}`,
            {},
            errorDetails(error),
          ),
        );
      },
      projectFailed: async (project, error) => {
        if (abortSignal.aborted) return;
        stats.unreadableProjects += 1;
        await emit(
          finding(
            organization,
            'ProjectUnreadable',
            'high',
            `Could not list the service connections of project "${project.name}": it was not audited. ${error.message}`,
            { project: { id: project.id, name: project.name } },
            errorDetails(error),
          ),
        );
      },
      projectListed: () => {
        stats.projects += 1;
      },
      connection: async (endpoint) => {
        if (options.connectionType === undefined && !isAzurermOrWif(endpoint)) return;
        stats.connections += 1;
        const connection = auditedConnection(endpoint);
        const identity = await inspectIdentity(clients, organization, endpoint, connection, { tenantId: options.tenantId, abortSignal });
        if (abortSignal.aborted) return;
        if (identities.length > 0) liveConnectionIds.add(endpoint.id.toLowerCase());
        const onIdentity = identities.find((i) => i.clientId === connection.appId?.toLowerCase());
        // A managed identity has a service principal but no app object: Graph's app checks do not apply to it.
        const identityFindings = onIdentity
          ? identity.findings.filter((f) => !['AppNotFound', 'MultiTenantApp', 'CredentialMissing', 'CredentialMismatch'].includes(f.code))
          : identity.findings;
        const found = [
          ...inspectConnection(organization, endpoint, {
            nowInMs: clock(),
            signInAudience: onIdentity ? 'AzureADMyOrg' : identity.signInAudience,
          }),
          ...identityFindings,
          ...(options.governance === false
            ? []
            : await governanceFindings(clients.devops, organization, endpoint, connection, {
                productionScoped: identity.findings.some((f) => f.code === 'BroadRole'),
                identity: onIdentity,
                abortSignal,
              })),
        ];
        const appId = authParameter(endpoint, 'serviceprincipalid')?.toLowerCase();
        if (appId) {
          const first = appUsers.get(appId);
          if (!first) appUsers.set(appId, { id: endpoint.id, name: endpoint.name });
          else {
            found.push(
              finding(
                organization,
                'AppSharedByConnections',
                'medium',
                `"${endpoint.name}" uses app ${appId}, which "${first.name}" uses too: their pipelines share one identity.`,
                { connection },
                {
                  otherConnectionId: first.id,
                  otherConnectionName: first.name,
                },
              ),
            );
          }
        }
        for (const f of found) await emit(f);
      },
    },
  )
    .then(async () => {
      stats.complete = !abortSignal.aborted && !channel.cancelled && !listFailed;
      // Only a complete walk knows every live connection.
      if (stats.complete)
        for (const i of identities) for (const f of staleIdentityCredentialFindings(organization, i, liveConnectionIds)) await emit(f);
    })
    .finally(() => channel.end());

  try {
    yield* channel;
  } finally {
    channel.cancel();
    controller.abort();
    options.abortSignal?.removeEventListener('abort', onAbort);
    await walk;
  }
}

function isAzurermOrWif(endpoint: ServiceEndpoint): boolean {
  return endpoint.type.toLowerCase() === 'azurerm' || (endpoint.authorization?.scheme ?? '').toLowerCase() === 'workloadidentityfederation';
}
