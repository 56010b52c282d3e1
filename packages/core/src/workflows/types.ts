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

/** A resource as apply left it. */
export interface AppliedResource {
  readonly kind: ResourceKind;
  readonly name: string;
  readonly id: string;
  readonly outcome: Outcome | 'deleted';
}

/** How long one step took, for the report. */
export interface StepTiming {
  readonly step: string;
  readonly startedAtInMs: number;
  readonly durationInMs: number;
}

/** A resource that rollback could not remove: it must be removed by hand. */
export interface Leftover {
  readonly kind: ResourceKind;
  readonly id: string;
  readonly name: string;
  readonly error: WifError;
}

export type { Outcome, TrustChainReport };
