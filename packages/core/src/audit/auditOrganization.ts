import { setMaxListeners } from 'node:events';
import type { ArmClient, ManagedIdentityRef } from '@wif/arm';
import type { DevOpsClient } from '@wif/devops';
import { type GraphClient, withGraphBatching } from '@wif/graph';
import type { ServiceEndpoint } from '@wif/devops';
import { Channel } from './_channel';
import { createIdentityReader } from './_identityReader';
import { AdaptivePool } from './_pool';
import { walkOrganization } from './_walk';
import { AUDIT_CHECKS, type AuditCheck, type AuditedConnection, type AuditFinding } from './findings';
import { auditedConnection, errorDetails, finding, inspectConnection } from './inspectConnection';
import { inspectIdentity } from './inspectIdentity';
import {
  type AuditedManagedIdentity,
  createGovernanceReader,
  governanceFindings,
  readAuditedIdentities,
  staleIdentityCredentialFindings,
} from './_governance';

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
  /**
   * Graph/ARM requests in flight at once, in a pool separate from the project walk (a Graph request
   * is a JSON batch of up to 20 reads). Default 32. The pool halves its width when a request is
   * still throttled after the transport's retries (or a read inside a batch is throttled), and
   * widens again as requests succeed (docs/audit.md). The per-connection Azure DevOps reads of the
   * governance checks run in a second pool of the same width.
   */
  readonly identityConcurrency?: number;
  /** The connection type to audit. Default: `azurerm` plus workload-identity connections of every type; `null` audits every type. */
  readonly connectionType?: string | null;
  /** The tenant the Graph/ARM credentials belong to: identities of other tenants get `OtherTenant` instead of false `AppNotFound`. */
  readonly tenantId?: string;
  /** Time source for the legacy issuer's retirement countdown. Default `Date.now`. */
  readonly clock?: () => number;
  /** Records buffered before the walk waits for the consumer. Default 256. */
  readonly highWaterMark?: number;
  /** Stops the audit: iteration ends, `stats.complete` stays false. */
  readonly abortSignal?: AbortSignal;
  /**
   * User-assigned managed identities behind connections (e.g. from the spec). With `arm`, connections
   * on them are checked against the identity's credentials (not Graph), and credentials for
   * connections that no longer exist are reported (`StaleIdentityCredentials`).
   */
  readonly managedIdentities?: readonly ManagedIdentityRef[];
  /** Read checks and the open-to-all-pipelines list per project, security roles per connection (governance findings). Default true. */
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
  /** Connections whose app, credentials, service principal or roles could not be read (`IdentityUnreadable`, `RolesUnreadable`). */
  readonly unreadableIdentities: number;
  /** Connections whose checks, pipeline access or security roles could not be read (`GovernanceUnreadable`). */
  readonly unreadableGovernance: number;
  readonly findings: number;
  /** True once every project was walked (false while running, after an abort, or if the project list failed). */
  readonly complete: boolean;
}

/** The audit as it runs: iterate it for findings; `stats` says how far it got. */
export interface AuditRun extends AsyncIterable<AuditFinding> {
  readonly stats: AuditStats;
}

/**
 * The audit of one connection (its findings, and every check that ran on it, found something or
 * not), or, with `connection: null`, one finding about a project or the organization.
 */
export interface AuditRecord {
  readonly connection: AuditedConnection | null;
  /** The checks that ran on the connection, in {@link AUDIT_CHECKS} order; empty when `connection` is null. */
  readonly checks: readonly AuditCheck[];
  readonly findings: readonly AuditFinding[];
}

/** The audit as it runs, one record per connection: what `wif audit --output junit` needs to report passing checks too. */
export interface AuditRecordRun extends AsyncIterable<AuditRecord> {
  readonly stats: AuditStats;
}

/**
 * Audits every service connection of the organization and streams findings as it goes.
 *
 * Calls `GET /{org}/_apis/projects` (paged by `x-ms-continuationtoken`, read lazily), then per
 * project `GET /{org}/{project}/_apis/serviceendpoint/endpoints?type=azurerm&includeFailed=true`, at
 * most `concurrency` projects at a time. A connection shared into several projects is audited once.
 * With `graph`, per distinct app a connection names (each read once per run, whatever the number of
 * connections on it): `GET /applications(appId='…')`, then at the same time
 * `GET /applications/{id}/federatedIdentityCredentials` (workload identity federation only) and,
 * with `arm`, `GET /servicePrincipals(appId='…')`, all of them combined into Graph JSON batches
 * (`POST /$batch`, up to 20 reads each: https://learn.microsoft.com/en-us/graph/json-batching); and
 * per distinct subscription (or management group)
 * `GET {scope}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()`. These requests
 * run in their own pool of `identityConcurrency`, which narrows on throttling. Governance reads run in
 * a second pool of that width: per project `GET /{org}/{project}/_apis/build/authorizedresources?type=endpoint`
 * (connections open to all pipelines) and, when connections may be production-scoped,
 * `POST /{org}/{project}/_apis/pipelines/checks/queryconfigurations` (their checks, up to 50 a
 * request); per connection its security roles.
 * Memory stays flat: the ids of visited connections, one name per app id (for
 * `AppSharedByConnections`) and bounded caches of the few fields the checks use; findings wait in a
 * bounded buffer for the consumer.
 *
 * Permission: read the projects and each project's service connections (Reader role; personal
 * access token scopes `vso.project`, `vso.serviceendpoint`); Graph `Application.Read.All`; ARM
 * `Microsoft.Authorization/roleAssignments/read` (Reader) at the connections' scopes. Nothing is
 * written: safe to re-run. Never fails: a project, an app or a role list that cannot be read is a
 * finding of its own (`ProjectUnreadable`, `OrganizationUnreadable`, `IdentityUnreadable`,
 * `RolesUnreadable`, with `details.cause` and a fix for that cause); iterating never throws.
 *
 * @example
 * const run = auditOrganization(createClients({ credential, organization: 'contoso' }), { tenantId });
 * const tally = createAuditTally({ failOn: 'high' });
 * for await (const f of run) { console.log(JSON.stringify(f)); tally.add(f); }
 * const incomplete = !run.stats.complete || run.stats.unreadableProjects > 0;
 * process.exitCode = incomplete ? 1 : tally.summary().exitCode;
 */
export function auditOrganization(clients: AuditClients, options: AuditOptions = {}): AuditRun {
  const records = auditConnections(clients, options);
  return {
    get stats(): AuditStats {
      return records.stats;
    },
    async *[Symbol.asyncIterator]() {
      for await (const record of records) yield* record.findings;
    },
  };
}

/**
 * {@link auditOrganization}, one record per connection: the connection, the checks that ran on it and
 * its findings (possibly none), so a report can list what passed as well as what did not. Records of
 * one connection are never split. Same requests, permissions and guarantees.
 *
 * @example
 * for await (const r of auditConnections(clients)) console.log(r.connection?.name, r.checks, r.findings.length);
 */
export function auditConnections(clients: AuditClients, options: AuditOptions = {}): AuditRecordRun {
  const stats = freshStats();
  return {
    get stats(): AuditStats {
      return { ...stats };
    },
    [Symbol.asyncIterator]: () => run(clients, options, stats),
  };
}

type MutableStats = { -readonly [K in keyof AuditStats]: AuditStats[K] };

/** The stats of a run that has not read anything yet (each iteration starts from them). */
const freshStats = (): MutableStats => ({
  projects: 0,
  unreadableProjects: 0,
  connections: 0,
  unreadableIdentities: 0,
  unreadableGovernance: 0,
  findings: 0,
  complete: false,
});

const BASE_CHECKS: readonly AuditCheck[] = ['authentication', 'issuer', 'readiness', 'creationMode', 'sharing'];

async function* run(clients: AuditClients, options: AuditOptions, stats: MutableStats): AsyncGenerator<AuditRecord, void, undefined> {
  Object.assign(stats, freshStats());
  const organization = clients.devops.organization;
  const clock = options.clock ?? Date.now;
  const channel = new Channel<AuditRecord>(options.highWaterMark ?? 256);
  // Our own signal: the consumer leaving (break) must stop the requests in flight, too.
  const controller = new AbortController();
  // Every request in flight listens on it (dozens at once): not a leak.
  setMaxListeners(0, controller.signal);
  const onAbort = (): void => controller.abort();
  options.abortSignal?.addEventListener('abort', onAbort, { once: true });
  if (options.abortSignal?.aborted) controller.abort();
  const abortSignal = controller.signal;
  const emit = async (record: AuditRecord): Promise<void> => {
    if (abortSignal.aborted || channel.cancelled) return;
    stats.findings += record.findings.length;
    if (record.findings.some((f) => f.code === 'IdentityUnreadable' || f.code === 'RolesUnreadable')) stats.unreadableIdentities += 1;
    if (record.findings.some((f) => f.code === 'GovernanceUnreadable')) stats.unreadableGovernance += 1;
    await channel.push(record);
  };
  const emitOne = (f: AuditFinding): Promise<void> => emit({ connection: null, checks: [], findings: [f] });
  const appUsers = new Map<string, { id: string; name: string }>();
  let listFailed = false;
  const identities: AuditedManagedIdentity[] =
    clients.arm && options.managedIdentities?.length
      ? await readAuditedIdentities(clients.arm, options.managedIdentities, abortSignal)
      : [];
  const liveConnectionIds = new Set<string>();

  const identityConcurrency = Math.max(1, options.identityConcurrency ?? 32);
  const pool = new AdaptivePool({ max: identityConcurrency, abortSignal });
  // The governance reads (Azure DevOps, per connection) in a pool of the same width: bounded
  // requests in flight (sockets, buffers) whatever the number of connections being checked.
  const governancePool = new AdaptivePool({ max: identityConcurrency, abortSignal });
  // Reads per project (open to all pipelines, checks), shared by the connections of the project.
  const governanceReader = createGovernanceReader(clients.devops, { abortSignal, pool: governancePool });
  // Graph reads go out in JSON batches of up to 20, each batch one request of the pool; a sub-request
  // throttled on its own narrows the pool too.
  const graph = clients.graph
    ? withGraphBatching(clients.graph, { schedule: (send) => pool.run(send), onThrottled: () => pool.narrow() })
    : undefined;
  const reader = graph ? createIdentityReader({ graph, arm: clients.arm }, pool, { abortSignal }) : undefined;
  // Connections being checked: bounded, so a fast walk waits for the identity checks instead of
  // queueing without end. A counter and a queue of waiters (not Promise.race over the set, which
  // adds a reaction to every pending check on every wait).
  let inFlight = 0;
  // Enough connections at once to fill the pool's batches (20 reads each).
  const maxInFlight = identityConcurrency * 8;
  const slotWaiters: Array<() => void> = [];
  let drained: (() => void) | undefined;
  const finished = (): void => {
    inFlight -= 1;
    slotWaiters.shift()?.();
    if (inFlight === 0) drained?.();
  };

  const check = async (endpoint: ServiceEndpoint, connection: AuditedConnection, shared: AuditFinding | undefined): Promise<void> => {
    const onIdentity = identities.find((i) => i.clientId === connection.appId?.toLowerCase());
    // The identity checks and the governance reads at the same time: only the approval checks wait
    // for the identity's roles (they apply to production-scoped connections).
    const identityRead = inspectIdentity(reader, clients.arm !== undefined, organization, endpoint, connection, {
      tenantId: options.tenantId,
      identityKnown: onIdentity !== undefined,
      nowInMs: clock(),
    });
    const governance =
      options.governance === false
        ? []
        : governanceFindings(clients.devops, organization, endpoint, connection, {
            // Without ARM no role is read, so no connection is production-scoped: no check is read.
            productionScoped: reader && clients.arm ? identityRead.then((i) => i.findings.some((f) => f.code === 'BroadRole')) : false,
            identity: onIdentity,
            abortSignal,
            reader: governanceReader,
            pool: governancePool,
          });
    const [identity, governed] = await Promise.all([identityRead, governance]);
    if (abortSignal.aborted) return;
    // A managed identity has a service principal but no app object: Graph's app checks do not apply to it.
    const identityFindings = onIdentity
      ? identity.findings.filter((f) => !['AppNotFound', 'MultiTenantApp', 'CredentialMissing', 'CredentialMismatch'].includes(f.code))
      : identity.findings;
    const findings = [
      ...inspectConnection(organization, endpoint, {
        nowInMs: clock(),
        signInAudience: onIdentity ? 'AzureADMyOrg' : identity.signInAudience,
      }),
      ...identityFindings,
      ...(shared ? [shared] : []),
      ...governed,
    ];
    const ran = new Set<AuditCheck>([...BASE_CHECKS, ...identity.checks]);
    await emit({ connection, checks: AUDIT_CHECKS.filter((c) => ran.has(c)), findings });
  };

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
        await emitOne(
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
        await emitOne(
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
        if (identities.length > 0) liveConnectionIds.add(endpoint.id.toLowerCase());
        const connection = auditedConnection(endpoint);
        // Decided in walk order, so "the first connection on an app" does not depend on timing.
        let shared: AuditFinding | undefined;
        const appId = connection.appId?.toLowerCase();
        if (appId) {
          const first = appUsers.get(appId);
          if (!first) appUsers.set(appId, { id: endpoint.id, name: endpoint.name });
          else {
            shared = finding(
              organization,
              'AppSharedByConnections',
              'medium',
              // appId is the connection's serviceprincipalid: an app's, or a managed identity's client id.
              `"${endpoint.name}" signs in as client id ${appId} (an app or a managed identity), which "${first.name}" uses too: their pipelines share one identity, and each can use the roles granted for the other.`,
              { connection },
              { otherConnectionId: first.id, otherConnectionName: first.name },
            );
          }
        }
        while (inFlight >= maxInFlight && !abortSignal.aborted && !channel.cancelled) await new Promise<void>((r) => slotWaiters.push(r));
        inFlight += 1;
        void check(endpoint, connection, shared).finally(finished);
      },
    },
  )
    .then(async () => {
      if (inFlight > 0) await new Promise<void>((r) => (drained = r));
      stats.complete = !abortSignal.aborted && !channel.cancelled && !listFailed;
      // Only a complete walk knows every live connection.
      if (stats.complete)
        for (const i of identities) for (const f of staleIdentityCredentialFindings(organization, i, liveConnectionIds)) await emitOne(f);
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
