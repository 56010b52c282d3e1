/**
 * `apply`: converges every connection of a spec, in parallel under a bounded concurrency, each one
 * along its real dependency graph:
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
import { runEngine } from './_engine';
import type { Plan } from './plan';
import type { AppliedResource, Leftover, StepTiming } from './types';

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
}

/** `converged`; `failed` (and kept, or nothing to undo); `rolled-back` (what this run created was removed). */
export type ConnectionStatus = 'converged' | 'failed' | 'rolled-back';

/** What a run did for one connection. */
export interface ConnectionReport {
  readonly key: string;
  readonly project: string;
  readonly name: string;
  readonly status: ConnectionStatus;
  /** Overall outcome when converged: `created` (new app), `updated` (anything changed) or `unchanged`. */
  readonly outcome?: Outcome;
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
  readonly summary: {
    readonly converged: number;
    readonly failed: number;
    readonly rolledBack: number;
    readonly created: number;
    readonly updated: number;
    readonly unchanged: number;
  };
  /** True when every connection converged. */
  readonly ok: boolean;
}

/**
 * Converges every connection of a resolved spec (or of a {@link Plan}: its spec is applied, with
 * fresh reads). Fails as a whole only for an invalid spec (`Validation`, nothing sent); a
 * connection's failure is in its report (`ok: false`), with its error and any leftovers.
 *
 * Calls, per connection: Graph `GET`/`PATCH applications(uniqueName=…)`, `GET`/`POST
 * servicePrincipals`, `GET`/`POST`/`PATCH`/`DELETE …/federatedIdentityCredentials`; ARM `GET`/`PUT
 * roleAssignments/{deterministic name}`; Azure DevOps `GET projects/{p}`, `GET`/`POST`/`PUT
 * serviceendpoint/endpoints`, `PATCH` (share), `GET`/`PATCH pipelinePermissions`; and the reads of
 * `verifySubject`. Nothing is read that the run already knows (a new app has no service principal
 * and no credential; a new connection has no pipeline permissions).
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
  if (!('summary' in spec)) return runEngine(clients, spec, options);
  // A plan: a connection whose plan carries an error (a refusal such as `PermissionMissing`, or a
  // read that failed) gets no write; the others are applied with fresh reads.
  const refused = new Map(spec.connections.flatMap((c) => (c.error ? [[c.key, c.error] as const] : [])));
  return runEngine(clients, spec.spec, { ...options, refused });
}
