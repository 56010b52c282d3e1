/**
 * `apply`: converges every connection of a spec, in parallel under a bounded concurrency, each one
 * along its real dependency graph:
 *
 * ```
 * app ──► service principal ──► role assignments
 *   └──► connection (its lookup starts at once) ──► federated credential ──► verify
 *                                              ├──► project shares
 *                                              └──► pipeline permissions
 * ```
 * so a connection's wall time is close to its critical path. A connection that fails is rolled back
 * (what this run created for it, in reverse order) unless the caller keeps it; others go on.
 */
import { deleteRoleAssignment } from '@wif/arm';
import { deleteServiceEndpoint, getProject, getPipelinePermissions, shareServiceEndpoint, updatePipelinePermissions } from '@wif/devops';
import { deleteApplication, deleteFederatedIdentityCredential } from '@wif/graph';
import type { ValidationError } from '@wif/http';
import { okAsync, ResultAsync } from 'neverthrow';
import type { WifError } from '../errors';
import { mapPool } from '../_internal/pool';
import { retryThroughReplication, type ReplicationRetryOptions } from '../_internal/replication';
import { bindValidated } from '../steps/bindFederatedCredential';
import { convergeConnection, type ConnectionSpecInput, lookupConnection, type ManualConnection } from '../steps/createManualConnection';
import { grantRoleValidated, type GrantedRole } from '../steps/grantRole';
import { ensureApplication, ensureServicePrincipal } from '../steps/registerApp';
import { verifySubject, type TrustChainReport } from '../steps/verifySubject';
import type { Outcome } from '../types';
import type { DesiredConnection, ResolvedSpec } from '../spec/load';
import type { AppliedResource, Leftover, StepTiming } from './types';
import type { WifClients } from './clients';

export interface ApplyOptions {
  /** Connections converged at once. Default 16. */
  readonly concurrency?: number;
  /** Keep what a failed connection created instead of rolling it back. Default false. */
  readonly keepOnFailure?: boolean;
  /** Skip the trust-chain verification after binding. Default false. */
  readonly skipVerify?: boolean;
  readonly replication?: ReplicationRetryOptions;
  readonly abortSignal?: AbortSignal;
  /** Called as each connection finishes (progress lines). */
  readonly onConnection?: (report: ConnectionReport) => void;
}

export type ConnectionStatus = 'converged' | 'failed' | 'rolled-back';

/** What apply did for one connection. */
export interface ConnectionReport {
  readonly key: string;
  readonly project: string;
  readonly name: string;
  readonly status: ConnectionStatus;
  /** Overall outcome when converged. */
  readonly outcome?: Outcome;
  readonly resources: readonly AppliedResource[];
  readonly timings: readonly StepTiming[];
  readonly durationInMs: number;
  /** The verified trust chain (unless skipped or failed). */
  readonly trustChain?: TrustChainReport;
  /** The first error, when the connection failed. */
  readonly error?: WifError;
  /** What rollback could not remove, with ids. */
  readonly leftovers: readonly Leftover[];
}

export interface ApplyReport {
  readonly organization: string;
  readonly durationInMs: number;
  readonly connections: readonly ConnectionReport[];
  readonly summary: { readonly converged: number; readonly failed: number; readonly rolledBack: number; readonly created: number; readonly updated: number; readonly unchanged: number };
  /** True when every connection converged. */
  readonly ok: boolean;
}

type Created =
  | { kind: 'application'; id: string; name: string }
  | { kind: 'roleAssignment'; id: string; name: string; scope: string }
  | { kind: 'serviceConnection'; id: string; name: string; projectId: string }
  | { kind: 'federatedCredential'; id: string; name: string; appObjectId: string };

/**
 * Converges every connection of a resolved spec. Never fails as a whole: per-connection failures
 * are in the report (`ok: false`), each with its error and any leftovers.
 *
 * Permission: the union of the five steps' (Graph app write, role-assignment write at the scopes,
 * Endpoint Administrator in the projects) plus Pipeline Permissions for authorised pipelines.
 * Safe to re-run: a second apply reports `unchanged` everywhere.
 *
 * @example
 * const spec = loadSpec(readFileSync('wif.yaml', 'utf8'))._unsafeUnwrap();
 * const report = await apply(createClients({ credential, organization: spec.organization }), spec);
 */
export function apply(clients: WifClients, spec: ResolvedSpec, options: ApplyOptions = {}): ResultAsync<ApplyReport, ValidationError> {
  const started = performance.now();
  return ResultAsync.fromSafePromise(
    mapPool(spec.connections, options.concurrency ?? 16, async (c) => {
      const report = await applyConnection(clients, spec, c, options);
      options.onConnection?.(report);
      return report;
    }),
  ).map((connections) => summarize(spec.organization, connections, performance.now() - started));
}

function summarize(organization: string, connections: ConnectionReport[], durationInMs: number): ApplyReport {
  const count = (f: (c: ConnectionReport) => boolean): number => connections.filter(f).length;
  return {
    organization,
    durationInMs: Math.round(durationInMs),
    connections,
    summary: {
      converged: count((c) => c.status === 'converged'),
      failed: count((c) => c.status === 'failed'),
      rolledBack: count((c) => c.status === 'rolled-back'),
      created: count((c) => c.outcome === 'created'),
      updated: count((c) => c.outcome === 'updated'),
      unchanged: count((c) => c.outcome === 'unchanged'),
    },
    ok: connections.every((c) => c.status === 'converged'),
  };
}

/** Runs one connection's graph; records timings, resources and what it created. */
async function applyConnection(clients: WifClients, spec: ResolvedSpec, c: DesiredConnection, options: ApplyOptions): Promise<ConnectionReport> {
  const t0 = performance.now();
  const timings: StepTiming[] = [];
  const resources: AppliedResource[] = [];
  const created: Created[] = [];
  const stepOptions = {
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    ...(options.replication ? { replication: options.replication } : {}),
  };
  const timed = <T, E>(step: string, work: () => ResultAsync<T, E>): ResultAsync<T, E> => {
    const start = performance.now();
    return work().andTee(() => undefined).map((v) => {
      timings.push({ step, startedAtInMs: Math.round(start - t0), durationInMs: Math.round(performance.now() - start) });
      return v;
    }).mapErr((e) => {
      timings.push({ step: `${step} (failed)`, startedAtInMs: Math.round(start - t0), durationInMs: Math.round(performance.now() - start) });
      return e;
    });
  };
  const record = (r: AppliedResource, c2?: Created): void => {
    resources.push(r);
    if (r.outcome === 'created' && c2) created.push(c2);
  };

  // Level 1: the app, and the connection lookup (it needs no app id), at once.
  const lookup = timed('lookupConnection', () =>
    lookupConnection(clients.devops, { project: c.project, name: c.name }, { findRenamed: false }, stepOptions),
  );
  const appResult = await timed('registerApp', () => ensureApplication(clients.graph, c.app, stepOptions));
  if (appResult.isErr()) {
    await lookup; // let the parallel read finish before reporting
    return finish(clients, c, options, t0, timings, resources, created, appResult.error);
  }
  const { application, outcome: appOutcome } = appResult.value;
  const appIsNew = appOutcome === 'created';
  record({ kind: 'application', name: application.displayName, id: application.id, outcome: appOutcome }, { kind: 'application', id: application.id, name: application.displayName });

  // Level 2: the service principal → roles; the connection → credential → verify, shares, permissions.
  const rolesBranch = timed('ensureServicePrincipal', () => ensureServicePrincipal(clients.graph, application, appIsNew, stepOptions)).andThen(({ servicePrincipal, outcome }) => {
    record({ kind: 'servicePrincipal', name: application.displayName, id: servicePrincipal.id, outcome });
    return ResultAsync.combine(
      c.roles.map((r) =>
        timed(`grantRole ${r.role}`, () =>
          grantRoleValidated(
            clients.arm,
            { scope: r.scope, role: r.role, principalId: servicePrincipal.id, description: `${c.project}/${c.name} (wif)`, ...(r.allowPrivileged !== undefined ? { allowPrivileged: r.allowPrivileged } : {}) },
            stepOptions,
            { principalIsNew: outcome === 'created' },
          ),
        ).map((g: { value: GrantedRole; outcome: Outcome }) => {
          record({ kind: 'roleAssignment', name: `${g.value.roleName} @ ${g.value.scope}`, id: g.value.id, outcome: g.outcome }, { kind: 'roleAssignment', id: g.value.id, name: g.value.name, scope: g.value.scope });
          return g;
        }),
      ),
    ).map((grants) => ({ servicePrincipal, grants }));
  });

  const connSpec: ConnectionSpecInput = {
    project: c.project,
    name: c.name,
    tenantId: spec.tenantId,
    appId: application.appId,
    target: c.target,
    cloud: spec.cloud,
    ...(c.description !== undefined ? { description: c.description } : {}),
  };
  const connectionBranch = lookup
    .andThen((found) =>
      // Not found by name, but the app existed: the connection may have been renamed; look it up by app.
      found.existing || appIsNew ? okAsync(found) : timed('findRenamedConnection', () => lookupConnection(clients.devops, connSpec, { findRenamed: true }, stepOptions)),
    )
    .andThen((found) => timed('createManualConnection', () => convergeConnection(clients.devops, connSpec, found, stepOptions)))
    .andThen(({ value: connection, outcome }) => {
      record({ kind: 'serviceConnection', name: connection.name, id: connection.id, outcome }, { kind: 'serviceConnection', id: connection.id, name: connection.name, projectId: connection.projectId });
      const bind = timed('bindFederatedCredential', () =>
        bindValidated(clients.graph, { appObjectId: application.id, issuer: connection.issuer, subject: connection.subject, connectionId: connection.id }, stepOptions, { appIsNew }),
      ).andThen(({ value: fic, outcome: ficOutcome }) => {
        record({ kind: 'federatedCredential', name: fic.name, id: fic.id, outcome: ficOutcome }, { kind: 'federatedCredential', id: fic.id, name: fic.name, appObjectId: application.id });
        if (options.skipVerify) return okAsync<TrustChainReport | undefined, WifError>(undefined);
        return timed('verifySubject', () => verifySubject({ graph: clients.graph, devops: clients.devops }, { project: connection.projectId, connectionId: connection.id, appObjectId: application.id }, stepOptions)).map(
          (r): TrustChainReport | undefined => r,
        );
      });
      return ResultAsync.combine([
        bind,
        timed('shareConnection', () => shareConnection(clients, c, connection, stepOptions)).map((o) => {
          if (o) record({ kind: 'projectShare', name: c.shareWith.join(', '), id: connection.id, outcome: o });
        }),
        timed('authorizePipelines', () => authorizePipelines(clients, c, connection, stepOptions)).map((o) => {
          if (o) record({ kind: 'pipelinePermission', name: describePipelines(c), id: connection.id, outcome: o });
        }),
      ] as const).map(([trustChain]) => ({ connection, trustChain }));
    });

  const [roles, conn] = await Promise.all([rolesBranch, connectionBranch]);
  const error = roles.isErr() ? roles.error : conn.isErr() ? conn.error : undefined;
  const trustChain = conn.isOk() ? conn.value.trustChain : undefined;
  return finish(clients, c, options, t0, timings, resources, created, error, trustChain);
}

function describePipelines(c: DesiredConnection): string {
  if (!c.pipelines) return 'none';
  return Array.isArray(c.pipelines) ? `pipelines ${c.pipelines.join(', ')}` : 'all pipelines';
}

/** Shares the connection into every project of `shareWith` it is not in yet. */
function shareConnection(clients: WifClients, c: DesiredConnection, connection: ManualConnection, options: { abortSignal?: AbortSignal }): ResultAsync<Outcome | undefined, WifError> {
  if (c.shareWith.length === 0) return okAsync(undefined);
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const inAlready = (p: string): boolean => connection.projectReferences.some((r) => r.id.toLowerCase() === p.toLowerCase() || r.name.toLowerCase() === p.toLowerCase());
  const wanted = c.shareWith.filter((p) => !inAlready(p));
  if (wanted.length === 0) return okAsync<Outcome, WifError>('unchanged');
  return ResultAsync.combine(wanted.map((p) => getProject(clients.devops, p, opts))).andThen((projects) =>
    // PATCH adds project references and leaves existing ones alone (devops.md §7).
    shareServiceEndpoint(
      clients.devops,
      connection.id,
      projects.map((p) => ({ projectReference: { id: p.id, name: p.name }, name: connection.name })),
      opts,
    ).map(() => (connection.projectReferences.length <= 1 ? 'created' : 'updated') as Outcome),
  );
}

/** Grants the named pipelines (or all, if the spec says so) use of the connection; never more. */
function authorizePipelines(clients: WifClients, c: DesiredConnection, connection: ManualConnection, options: { abortSignal?: AbortSignal }): ResultAsync<Outcome | undefined, WifError> {
  if (!c.pipelines) return okAsync(undefined);
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const resource = { type: 'endpoint' as const, id: connection.id };
  const wanted = c.pipelines;
  return getPipelinePermissions(clients.devops, connection.projectId, resource, opts).andThen((current) => {
    if (!Array.isArray(wanted)) {
      if (current.allPipelines?.authorized) return okAsync<Outcome, WifError>('unchanged');
      return updatePipelinePermissions(clients.devops, connection.projectId, resource, { allPipelines: { authorized: true } }, opts).map(() => 'updated' as Outcome);
    }
    const authorized = new Set((current.pipelines ?? []).filter((p) => p.authorized).map((p) => p.id));
    const missing = wanted.filter((id) => !authorized.has(id));
    if (missing.length === 0) return okAsync<Outcome, WifError>('unchanged');
    return updatePipelinePermissions(clients.devops, connection.projectId, resource, { pipelines: missing.map((id) => ({ id, authorized: true })) }, opts).map(
      () => (authorized.size === 0 ? 'created' : 'updated') as Outcome,
    );
  });
}

async function finish(
  clients: WifClients,
  c: DesiredConnection,
  options: ApplyOptions,
  t0: number,
  timings: StepTiming[],
  resources: AppliedResource[],
  created: Created[],
  error: WifError | undefined,
  trustChain?: TrustChainReport,
): Promise<ConnectionReport> {
  const base = { key: c.key, project: c.project, name: c.name, timings };
  if (!error) {
    const outcomes = resources.map((r) => r.outcome);
    const outcome: Outcome = resources.find((r) => r.kind === 'application')?.outcome === 'created' ? 'created' : outcomes.every((o) => o === 'unchanged') ? 'unchanged' : 'updated';
    return { ...base, status: 'converged', outcome, resources, durationInMs: Math.round(performance.now() - t0), ...(trustChain ? { trustChain } : {}), leftovers: [] };
  }
  if (options.keepOnFailure || created.length === 0) {
    return { ...base, status: 'failed', resources, durationInMs: Math.round(performance.now() - t0), error, leftovers: [] };
  }
  const leftovers = await rollback(clients, created, options);
  const deleted = new Set(created.filter((x) => !leftovers.some((l) => l.id === x.id)).map((x) => x.id));
  return {
    ...base,
    status: 'rolled-back',
    resources: resources.map((r) => (deleted.has(r.id) && r.outcome === 'created' ? { ...r, outcome: 'deleted' as const } : r)),
    durationInMs: Math.round(performance.now() - t0),
    error,
    leftovers,
  };
}

const ROLLBACK_ORDER: Created['kind'][] = ['federatedCredential', 'serviceConnection', 'roleAssignment', 'application'];

/**
 * Removes what this run created for a failed connection, in reverse order of creation: credential,
 * connection, role assignments, then the app (which takes its service principal with it). A delete
 * that answers 404 right after a create is retried through replication; what still cannot be
 * removed is returned.
 */
export async function rollback(clients: WifClients, created: readonly Created[], options: Pick<ApplyOptions, 'abortSignal' | 'replication'>): Promise<Leftover[]> {
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const leftovers: Leftover[] = [];
  const isNotFound = (e: { kind: string }): boolean => e.kind === 'NotFound';
  for (const kind of ROLLBACK_ORDER) {
    const batch = created.filter((x) => x.kind === kind);
    await Promise.all(
      batch.map(async (x) => {
        const del = (): ResultAsync<unknown, WifError> => {
          switch (x.kind) {
            case 'federatedCredential':
              return deleteFederatedIdentityCredential(clients.graph, x.appObjectId, x.id, opts);
            case 'serviceConnection':
              return deleteServiceEndpoint(clients.devops, x.id, [x.projectId], {}, opts);
            case 'roleAssignment':
              return deleteRoleAssignment(clients.arm, x.scope, x.name, opts);
            case 'application':
              return deleteApplication(clients.graph, x.id, opts);
          }
        };
        const r = await retryThroughReplication(del, isNotFound, options.replication ?? { maxAttempts: 4 }, options.abortSignal);
        // A 404 that outlasts replication means it is gone: that is what rollback wants.
        if (r.isErr() && !isNotFound(r.error)) leftovers.push({ kind: x.kind, id: x.id, name: x.name, error: r.error as WifError });
      }),
    );
  }
  return leftovers;
}
