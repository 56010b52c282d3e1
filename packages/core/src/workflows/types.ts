import type { WifError } from '../errors';
import type { ReplicationRetryOptions } from '../_internal/replication';
import type { ResolvedSpec } from '../spec/load';
import type { Outcome } from '../types';
import type { TrustChainReport } from '../steps/verifySubject';

/** The resources one connection is made of, in the order they are created. */
export type ResourceKind =
  | 'managedIdentity'
  | 'application'
  /** A client secret on an app wif made, named by its key id: reported, and removed only by sync with prune. */
  | 'appSecret'
  | 'servicePrincipal'
  | 'roleAssignment'
  | 'serviceConnection'
  | 'federatedCredential'
  | 'identityCredential'
  | 'projectShare'
  | 'pipelinePermission'
  /** A check on the connection (approvals, branch control, business hours, exclusive lock), named by its kind. */
  | 'check'
  /** A security role on the connection, named by the identity that holds it (or `inheritance`). */
  | 'securityRole';

/** What a plan says will happen to one resource. */
export type PlanAction = 'create' | 'update' | 'unchanged' | 'delete';

/** One field that differs between what exists and what the spec wants. */
export interface FieldChange {
  readonly field: string;
  readonly from: string | null;
  readonly to: string | null;
}

/** One resource of a plan: what apply would do to it, and which fields differ. */
export interface PlannedResource {
  readonly kind: ResourceKind;
  readonly action: PlanAction;
  /** A human name: the app's display name, `Contributor @ /subscriptions/…`, the connection name. */
  readonly name: string;
  /** The id, when the resource exists. */
  readonly id?: string;
  readonly changes: readonly FieldChange[];
  readonly note?: string;
}

/**
 * How a resource differed from the spec before this run: `missing`, `altered` (fields differ),
 * `renamed` (a connection found through its app under another name), `issuerChanged` (the
 * connection now presents another issuer), `stale` (a credential for an issuer or subject the
 * connection no longer presents), `extra` (a role assignment the spec does not name).
 */
export type DriftKind = 'missing' | 'altered' | 'renamed' | 'issuerChanged' | 'stale' | 'extra';

/**
 * What a run did to a resource: the step {@link Outcome}, `deleted` (a stale credential, a pruned
 * assignment, or rolled back), or `reported` (found and left alone: an extra role assignment
 * without `prune`, a stale credential while the new one is not verified).
 */
export type AppliedOutcome = Outcome | 'deleted' | 'reported';

/** A resource as a run left it. */
export interface AppliedResource {
  readonly kind: ResourceKind;
  readonly name: string;
  readonly id: string;
  readonly outcome: AppliedOutcome;
  /** Why it was not `unchanged`. */
  readonly drift?: DriftKind;
  /** The fields that differed, when known. */
  readonly changes?: readonly FieldChange[];
}

/** How long one step took, for the report. */
export interface StepTiming {
  readonly step: string;
  /** Milliseconds after the connection's work started. */
  readonly startedAtInMs: number;
  readonly durationInMs: number;
}

/** A resource that rollback could not remove: it must be removed by hand. */
export interface Leftover {
  readonly kind: ResourceKind;
  readonly id: string;
  readonly name: string;
  readonly error: WifError;
  /** The command that removes it by hand. */
  readonly command: string;
}

/** What `--prune` did to one orphan. */
export interface OrphanReport {
  readonly project: string;
  readonly name: string;
  readonly connectionId: string;
  /** `deleted` (every part gone), `kept` (not managed, or no `--prune`), `prune-incomplete` (see leftovers). */
  readonly status: 'deleted' | 'kept' | 'prune-incomplete';
  readonly resources: readonly AppliedResource[];
  readonly leftovers: readonly Leftover[];
}

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

export type { Outcome, TrustChainReport };
