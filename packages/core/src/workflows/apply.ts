/**
 * `apply`: `plan`, then execute the plan. A connection whose plan carries a refusal gets no write
 * (with `atomic`, nothing is written at all); the others converge, in parallel under a bounded
 * concurrency, each one along its real dependency graph:
 *
 * ```
 * app ──► service principal ──► role assignments (all at once)
 *   └──► connection (its lookup starts with the app) ──► credential ──► verify ──► old credentials removed
 *                                                    ├──► project shares
 *                                                    └──► pipeline permissions
 * ```
 * so a connection's wall time is close to its critical path. A connection that fails is rolled back
 * (what this run created for it, in reverse order) unless the caller keeps it; the others go on.
 */
import type { ValidationError } from '@wif/http';
import type { ResultAsync } from 'neverthrow';
import type { WifError } from '../errors';
import type { ReplicationRetryOptions } from '../_internal/replication';
import type { TrustChainReport } from '../steps/verifySubject';
import type { Outcome } from '../types';
import type { ResolvedSpec } from '../spec/load';
import type { WifClients } from './clients';
import { executePlan } from './_execute';
import type { OrphanReport } from './_prune';
import type { EngineOptions } from './_run';
import { plan, type Plan } from './plan';
import type { AppliedResource, Leftover, PlannedResource, StepTiming } from './types';

export type { OrphanReport };

/** Options of {@link apply} (and of `sync`). */
export interface ApplyOptions {
  /** Connections converged at once. Default 32 (`DEFAULT_APPLY_CONCURRENCY`). */
  readonly concurrency?: number;
  /** Keep what a failed connection created instead of rolling it back. Default false. */
  readonly keepOnFailure?: boolean;
  /**
   * Skip the trust-chain verification after binding. Default false. Without it, a credential the
   * connection no longer presents is kept (reported), since nothing proved the new one.
   */
  readonly skipVerify?: boolean;
  /** Backoff while Entra replicates a new app or service principal. */
  readonly replication?: ReplicationRetryOptions;
  readonly abortSignal?: AbortSignal;
  /** Called as each connection finishes (progress lines). */
  readonly onConnection?: (report: ConnectionReport) => void;
  /** Write nothing at all when any connection's plan carries a refusal or cannot be read. Default false. */
  readonly atomic?: boolean;
  /** Delete the managed connections the spec no longer names (the plan's `orphans`), all seven parts. Default false. */
  readonly prune?: boolean;
  /** The spec as it is now: a {@link Plan} made from another spec is refused whole (`StalePlan`). */
  readonly spec?: ResolvedSpec;
}

/**
 * `converged`; `failed` (and kept, or nothing to undo); `rolled-back` (what this run created was
 * removed); `rollback-incomplete` (some of it could not be: see `leftovers`); `refused` (its plan
 * carries a refusal, or went stale: nothing was written); `skipped` (`atomic`, and another
 * connection was refused: nothing was written).
 */
export type ConnectionStatus = 'converged' | 'failed' | 'rolled-back' | 'rollback-incomplete' | 'refused' | 'skipped';

/** What a run did for one connection. */
export interface ConnectionReport {
  readonly key: string;
  readonly project: string;
  readonly name: string;
  readonly status: ConnectionStatus;
  /** Overall outcome when converged: `created` (new app), `updated` (anything changed) or `unchanged`. */
  readonly outcome?: Outcome;
  /** What the plan said would happen, resource by resource (the plan's vocabulary). */
  readonly planned?: readonly PlannedResource[];
  /** Every resource with its id and outcome, in dependency order. */
  readonly resources: readonly AppliedResource[];
  readonly timings: readonly StepTiming[];
  readonly durationInMs: number;
  /** The verified trust chain (unless skipped or failed). */
  readonly trustChain?: TrustChainReport;
  /** The first error, when the connection failed. */
  readonly error?: WifError;
  /** What rollback could not remove, with ids: remove it by hand. */
  readonly leftovers: readonly Leftover[];
}

/** What {@link apply} did: one report per connection, and a summary. */
export interface ApplyReport {
  readonly organization: string;
  readonly durationInMs: number;
  readonly connections: readonly ConnectionReport[];
  /** The plan's orphans: deleted with `prune`, else kept. */
  readonly orphans: readonly OrphanReport[];
  readonly summary: {
    readonly converged: number;
    readonly failed: number;
    readonly rolledBack: number;
    readonly rollbackIncomplete: number;
    readonly refused: number;
    readonly skipped: number;
    /** Orphans deleted completely. */
    readonly pruned: number;
    readonly created: number;
    readonly updated: number;
    readonly unchanged: number;
  };
  /** True when every connection converged. */
  readonly ok: boolean;
}

/**
 * Plans a resolved spec and executes the plan; or executes a {@link Plan} (saved with `wif plan
 * --out`, or shown for confirmation), re-checking before each connection's first write that what
 * it observed still holds (else that connection is `refused` with `StalePlan`). A connection whose
 * plan carries a refusal (`ConnectionConflict`, `RoleNotFound`, `PrivilegedRoleRefused`,
 * `CredentialLimit`, …) gets no write request; with `atomic`, no connection does. Fails as a whole
 * only for an invalid spec (`Validation`, nothing sent); a connection's failure is in its report
 * (`ok: false`), with its error and any leftovers.
 *
 * Calls, per connection: the reads of `plan`, then Graph `PATCH applications(uniqueName=…)`, `POST
 * servicePrincipals`, `POST`/`PATCH`/`DELETE …/federatedIdentityCredentials`; ARM `PUT
 * roleAssignments/{deterministic name}`; Azure DevOps `POST`/`PUT serviceendpoint/endpoints`,
 * `PATCH` (share), `PATCH pipelinePermissions`; and the reads of `verifySubject`. With `prune`, the
 * `DELETE`s of each orphan's parts.
 *
 * Permission: Graph `Application.ReadWrite.OwnedBy` (or `.All`); `roleAssignments/write` at every
 * scope; Endpoint Administrator in the projects (and Creator where shared); pipeline-resources
 * manage for `pipelines`.
 * Safe to re-run: a second apply reports `unchanged` everywhere and sends no write; two applies
 * racing on one spec leave one of each resource.
 *
 * @example
 * const spec = loadSpec(readFileSync('wif.yaml', 'utf8'))._unsafeUnwrap();
 * const report = await apply(createClients({ credential, organization: spec.organization }), spec);
 */
export function apply(
  clients: WifClients,
  spec: ResolvedSpec | Plan,
  options: ApplyOptions = {},
): ResultAsync<ApplyReport, ValidationError> {
  return planThenExecute(clients, spec, options);
}

/** `apply` and `sync`: plan (unless a plan is given), then execute. @internal */
export function planThenExecute(
  clients: WifClients,
  spec: ResolvedSpec | Plan,
  options: EngineOptions,
): ResultAsync<ApplyReport, ValidationError> {
  if ('summary' in spec) return executePlan(clients, spec, { ...options, recheck: true });
  return plan(clients, spec, {
    orphans: options.prune === true,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.replication ? { replication: options.replication } : {}),
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
  }).andThen((p) => executePlan(clients, p, { ...options, recheck: false }));
}
