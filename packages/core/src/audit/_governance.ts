/**
 * Governance findings of the audit: approvals and branch control on production-scoped connections,
 * open pipeline access, broad Administrator groups, and user-assigned managed identities (their
 * credentials for live connections, and stale ones that count toward the 20). Pure decision
 * functions over facts, plus the reads that gather the facts; `auditOrganization` calls
 * {@link governanceFindings} and {@link staleIdentityCredentialFindings} from one place each.
 */
import {
  getUserAssignedIdentity,
  type IdentityFederatedCredential,
  listIdentityFederatedCredentials,
  type ManagedIdentityRef,
  type ArmClient,
} from '@wif/arm';
import {
  CHECK_TYPE_IDS,
  type CheckConfiguration,
  type DevOpsClient,
  listAuthorizedResources,
  listSecurityRoleAssignments,
  MAX_CHECK_QUERY_RESOURCES,
  queryCheckConfigurations,
  SERVICE_ENDPOINT_ROLE_SCOPE,
  type SecurityRoleAssignment,
  serviceEndpointRoleResource,
  type ServiceEndpoint,
  TASK_CHECK_DEFINITIONS,
  workloadIdentity,
} from '@wif/devops';
import { collect, type TransportError } from '@wif/http';
import type { Result } from 'neverthrow';
import type { AdaptivePool } from './_pool';
import { FEDERATION_AUDIENCE } from '../constants';
import type { AuditedConnection, AuditFinding } from './findings';
import { errorDetails, finding } from './inspectConnection';
import { same } from '../_internal/compare';

/** Groups that are "everyone" (or close to it) in a project or organization. */
const BROAD_GROUPS = ['project valid users', 'project collection valid users', 'contributors', 'readers', 'everyone'];

/** Whether a display name like `[Project]\Contributors` names a broad group. */
export function isBroadGroup(displayName: string): boolean {
  const account = displayName.replace(/^\[[^\]]*\]\\/, '').toLowerCase();
  return BROAD_GROUPS.includes(account);
}

const hasApproval = (checks: readonly CheckConfiguration[]): boolean =>
  checks.some((c) => same(c.type.id, CHECK_TYPE_IDS.approval) && c.isDisabled !== true);
const hasBranchControl = (checks: readonly CheckConfiguration[]): boolean =>
  checks.some((c) => {
    const ref = c.settings?.['definitionRef'] as { id?: unknown } | undefined;
    return (
      same(c.type.id, CHECK_TYPE_IDS.taskCheck) &&
      typeof ref?.id === 'string' &&
      same(ref.id, TASK_CHECK_DEFINITIONS.branchControl.id) &&
      c.isDisabled !== true
    );
  });

/** ProductionWithoutApproval / ProductionWithoutBranchControl for a production-scoped connection (pure). */
export function checkFindings(
  organization: string,
  connection: AuditedConnection,
  productionScoped: boolean,
  checks: readonly CheckConfiguration[],
): AuditFinding[] {
  if (!productionScoped) return [];
  const out: AuditFinding[] = [];
  if (!hasApproval(checks)) {
    out.push(
      finding(
        organization,
        'ProductionWithoutApproval',
        'high',
        `"${connection.name}" can write at subscription or management-group scope, and no approval check guards it: any authorised pipeline run deploys without a human.`,
        { connection },
      ),
    );
  }
  if (!hasBranchControl(checks)) {
    out.push(
      finding(
        organization,
        'ProductionWithoutBranchControl',
        'high',
        `"${connection.name}" can write at subscription or management-group scope, and no branch control limits it to protected branches: a run from any branch can use it.`,
        { connection },
      ),
    );
  }
  return out;
}

/** OpenToAllPipelines (pure), from whether the connection is authorised for all pipelines of its project. */
export function openToAllPipelinesFindings(organization: string, connection: AuditedConnection, openToAll: boolean): AuditFinding[] {
  return openToAll
    ? [
        finding(
          organization,
          'OpenToAllPipelines',
          'medium',
          `"${connection.name}" is authorised for all pipelines of its project: any new pipeline can use it without review.`,
          { connection },
        ),
      ]
    : [];
}

/** BroadAdministrators (pure): a broad group holds the Administrator role on the connection. */
export function administratorFindings(
  organization: string,
  connection: AuditedConnection,
  assignments: readonly SecurityRoleAssignment[],
): AuditFinding[] {
  return assignments
    .filter((a) => same(a.role.name, 'Administrator') && isBroadGroup(a.identity.displayName ?? ''))
    .map((a) =>
      finding(
        organization,
        'BroadAdministrators',
        'high',
        `${a.identity.displayName ?? a.identity.id} holds the Administrator role on "${connection.name}"${a.access === 'inherited' ? ' (inherited from the project)' : ''}: every member can change who may use it and approve its checks away.`,
        { connection },
        { identity: a.identity.displayName ?? a.identity.id, access: a.access ?? null },
      ),
    );
}

/** A managed identity the audit knows, with its credentials. */
export interface AuditedManagedIdentity {
  readonly ref: ManagedIdentityRef;
  readonly clientId: string;
  readonly credentials: readonly IdentityFederatedCredential[];
}

/** CredentialMissing / CredentialMismatch / AudienceMismatch for a connection on a managed identity (pure). */
export function managedIdentityCredentialFindings(
  organization: string,
  connection: AuditedConnection,
  endpoint: ServiceEndpoint,
  identity: AuditedManagedIdentity,
): AuditFinding[] {
  const { issuer, subject } = workloadIdentity(endpoint);
  if (!issuer || !subject) return [];
  const exact = identity.credentials.find((c) => c.properties.issuer === issuer && c.properties.subject === subject);
  const where = `managed identity ${identity.ref.name}`;
  if (!exact) {
    const sameIssuer = identity.credentials.find((c) => c.properties.issuer === issuer);
    return [
      finding(
        organization,
        sameIssuer ? 'CredentialMismatch' : 'CredentialMissing',
        'high',
        sameIssuer
          ? `No credential of ${where} has exactly the subject "${connection.name}" presents.`
          : `${where} has no federated credential for "${connection.name}" (issuer ${issuer}).`,
        { connection },
        { identity: identity.ref.name, expected: subject },
      ),
    ];
  }
  const audiences = exact.properties.audiences;
  return audiences.length === 1 && audiences[0] === FEDERATION_AUDIENCE
    ? []
    : [
        finding(
          organization,
          'AudienceMismatch',
          'high',
          `Credential "${exact.name}" of ${where} has audiences ${JSON.stringify(audiences)}.`,
          { connection },
          { credentialName: exact.name },
        ),
      ];
}

/**
 * StaleIdentityCredentials (pure): credentials of a managed identity whose subject names no
 * connection that still exists. They count toward the 20 the identity may hold.
 */
export function staleIdentityCredentialFindings(
  organization: string,
  identity: AuditedManagedIdentity,
  liveConnectionIds: ReadonlySet<string>,
): AuditFinding[] {
  // The Entra subject ends with the connection id; the legacy one (sc://org/project/name) cannot be matched by id.
  const stale = identity.credentials.filter((c) => {
    const id = /\/([0-9a-f-]{36})$/i.exec(c.properties.subject)?.[1]?.toLowerCase();
    return id !== undefined && !liveConnectionIds.has(id);
  });
  if (stale.length === 0) return [];
  return [
    finding(
      organization,
      'StaleIdentityCredentials',
      stale.length + 1 >= 20 ? 'high' : 'medium',
      `Managed identity ${identity.ref.name} has ${stale.length} federated credential(s) for connections that no longer exist (${stale.map((c) => c.name).join(', ')}); with ${identity.credentials.length} of 20 used, they block new connections.`,
      {},
      { identity: identity.ref.name, resourceGroup: identity.ref.resourceGroup, stale: stale.length, total: identity.credentials.length },
    ),
  ];
}

/** Reads the managed identities the audit was told about (a failed read is skipped: the identity is simply not checked). */
export async function readAuditedIdentities(
  arm: ArmClient,
  refs: readonly ManagedIdentityRef[],
  abortSignal: AbortSignal,
): Promise<AuditedManagedIdentity[]> {
  const out: AuditedManagedIdentity[] = [];
  for (const ref of refs) {
    const identity = await getUserAssignedIdentity(arm, ref, { abortSignal });
    if (identity.isErr()) continue;
    const credentials = await collect(listIdentityFederatedCredentials(arm, ref, {}, { abortSignal }), 100);
    if (credentials.isErr()) continue;
    out.push({ ref, clientId: identity.value.properties.clientId.toLowerCase(), credentials: credentials.value });
  }
  return out;
}

/**
 * The governance reads several connections of one project share, for one audit run: whether a
 * connection is open to all pipelines (one `build/authorizedresources` list per project, kept for
 * the run in a bounded cache) and the checks on a connection (one `queryconfigurations` POST for the
 * connections of a project that ask at about the same time, in chunks of
 * {@link MAX_CHECK_QUERY_RESOURCES}). A failed read fails the same way for every connection that
 * shared it. docs/decisions/021-per-project-governance-reads.md.
 */
export interface GovernanceReader {
  /** Whether the connection is authorised for all pipelines of the project. */
  openToAllPipelines(projectId: string, endpointId: string): PromiseLike<Result<boolean, TransportError>>;
  /** The checks on the connection (in that project). */
  checks(projectId: string, endpointId: string): PromiseLike<Result<CheckConfiguration[], TransportError>>;
}

/** Projects whose "open to all pipelines" list is kept: far more than the walk has in flight (16 projects, 256 connections). */
const OPEN_LISTS_KEPT = 4096;

export function createGovernanceReader(
  devops: DevOpsClient,
  context: { readonly abortSignal: AbortSignal; readonly pool?: AdaptivePool | undefined },
): GovernanceReader {
  const opts = { abortSignal: context.abortSignal };
  const run = <T>(read: () => PromiseLike<Result<T, TransportError>>): PromiseLike<Result<T, TransportError>> =>
    context.pool ? context.pool.run(read) : read();

  const openLists = new Map<string, PromiseLike<Result<ReadonlySet<string>, TransportError>>>();
  const openList = (projectId: string): PromiseLike<Result<ReadonlySet<string>, TransportError>> => {
    const key = projectId.toLowerCase();
    let list = openLists.get(key);
    if (!list) {
      list = run(() => listAuthorizedResources(devops, projectId, { type: 'endpoint' }, opts)).then((r) =>
        r.map(
          (refs) =>
            new Set(refs.filter((x) => x.authorized === true && same(x.type ?? 'endpoint', 'endpoint')).map((x) => x.id.toLowerCase())),
        ),
      );
      openLists.set(key, list);
      if (openLists.size > OPEN_LISTS_KEPT) openLists.delete(openLists.keys().next().value!);
    }
    return list;
  };

  type Waiter = { readonly id: string; readonly resolve: (r: Result<CheckConfiguration[], TransportError>) => void };
  const pending = new Map<string, { readonly projectId: string; readonly waiters: Waiter[]; scheduled: boolean }>();
  const schedule = (key: string): void => {
    const queue = pending.get(key);
    if (!queue || queue.scheduled) return;
    queue.scheduled = true;
    // One turn of the event loop gathers the connections of the project the walk hands over
    // together; the batch is taken when the pool starts the request (so connections that arrive
    // while it waits for a slot join it), once even if the pool tries the request again.
    setTimeout(() => {
      let batch: Waiter[] | undefined;
      const take = (): Waiter[] => {
        if (batch) return batch;
        batch = queue.waiters.splice(0, MAX_CHECK_QUERY_RESOURCES);
        queue.scheduled = false;
        if (queue.waiters.length > 0) schedule(key);
        else pending.delete(key);
        return batch;
      };
      void run(() => {
        const ids = [...new Set(take().map((w) => w.id))];
        return queryCheckConfigurations(
          devops,
          queue.projectId,
          ids.map((id) => ({ type: 'endpoint', id }) as const),
          opts,
        );
      }).then((result) => {
        const byId = new Map<string, CheckConfiguration[]>();
        if (result.isOk())
          for (const c of result.value) {
            if (!same(c.resource.type, 'endpoint')) continue;
            const id = c.resource.id.toLowerCase();
            byId.set(id, [...(byId.get(id) ?? []), c]);
          }
        for (const w of take()) w.resolve(result.map(() => byId.get(w.id) ?? []));
      });
    }, 0);
  };

  return {
    openToAllPipelines: (projectId, endpointId) => openList(projectId).then((r) => r.map((open) => open.has(endpointId.toLowerCase()))),
    checks: (projectId, endpointId) =>
      new Promise((resolve) => {
        const key = projectId.toLowerCase();
        let queue = pending.get(key);
        if (!queue) {
          queue = { projectId, waiters: [], scheduled: false };
          pending.set(key, queue);
        }
        queue.waiters.push({ id: endpointId.toLowerCase(), resolve });
        schedule(key);
      }),
  };
}

/**
 * The governance findings of one connection, in its first project: open to all pipelines (the
 * project's list), its security roles (per connection: the role API has no per-project read) and,
 * when it is production-scoped, its checks (queried per project). A read that fails is a
 * `GovernanceUnreadable` finding, for every connection that shared it. For a connection on a known managed identity, the credential
 * check runs against the identity.
 */
export async function governanceFindings(
  devops: DevOpsClient,
  organization: string,
  endpoint: ServiceEndpoint,
  connection: AuditedConnection,
  context: {
    /**
     * Whether the connection can write at subscription or management-group scope; may still be
     * being decided (the identity checks). When it may be true, the checks are asked for at once
     * (with the project's other connections); `false` reads none.
     */
    readonly productionScoped: boolean | PromiseLike<boolean>;
    readonly identity: AuditedManagedIdentity | undefined;
    readonly abortSignal: AbortSignal;
    /** The per-project reads, shared by every connection of the run. */
    readonly reader: GovernanceReader;
    /** Runs each per-connection read (a bounded pool: without it, every connection in flight would have its reads in flight too). */
    readonly pool?: AdaptivePool;
  },
): Promise<AuditFinding[]> {
  const project = connection.projects[0];
  const opts = { abortSignal: context.abortSignal };
  const out: AuditFinding[] = [];
  if (context.identity) out.push(...managedIdentityCredentialFindings(organization, connection, endpoint, context.identity));
  if (!project) return out;
  const run = <T>(read: () => PromiseLike<Result<T, TransportError>>): PromiseLike<Result<T, TransportError>> =>
    context.pool ? context.pool.run(read) : read();
  // Independent reads: all at once. The checks are read with the project's other connections as
  // soon as the connection may be production-scoped, and used only once it is known to be.
  const checksRead = context.productionScoped === false ? undefined : context.reader.checks(project.id, endpoint.id);
  const [productionScoped, checks, open, roles] = await Promise.all([
    context.productionScoped,
    checksRead,
    context.reader.openToAllPipelines(project.id, endpoint.id),
    run(() => listSecurityRoleAssignments(devops, SERVICE_ENDPOINT_ROLE_SCOPE, serviceEndpointRoleResource(project.id, endpoint.id), opts)),
  ]);
  // A read that failed is a finding of its own (the run is then incomplete): never a silent pass.
  const unreadable = (what: string, error: TransportError): AuditFinding =>
    finding(
      organization,
      'GovernanceUnreadable',
      'medium',
      `Could not read ${what} of "${connection.name}": ${error.message}`,
      { connection },
      errorDetails(error),
    );
  if (productionScoped && checks) {
    if (checks.isOk()) out.push(...checkFindings(organization, connection, true, checks.value));
    else out.push(unreadable('the checks', checks.error));
  }
  if (open.isOk()) out.push(...openToAllPipelinesFindings(organization, connection, open.value));
  else out.push(unreadable('which pipelines may use the connection', open.error));
  if (roles.isOk()) out.push(...administratorFindings(organization, connection, roles.value));
  else out.push(unreadable('the security roles', roles.error));
  return out;
}
