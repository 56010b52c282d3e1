import type { WifError } from '../errors';
import type { Outcome } from '../types';
import type { TrustChainReport } from '../steps/verifySubject';

/** The resources one connection is made of, in the order they are created. */
export type ResourceKind =
  | 'application'
  | 'servicePrincipal'
  | 'roleAssignment'
  | 'serviceConnection'
  | 'federatedCredential'
  | 'projectShare'
  | 'pipelinePermission';

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

export type { Outcome, TrustChainReport };
