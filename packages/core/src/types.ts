import type { OperationOptions } from '@wif/http';

/** What a step did: `created` something new, `updated` something that drifted, or left it `unchanged`. */
export type Outcome = 'created' | 'updated' | 'unchanged';

/** The result of a step that converges a resource to the desired state. */
export interface Converged<T> {
  readonly value: T;
  readonly outcome: Outcome;
}

/** Options every step takes: `OperationOptions` of `@wif/http` (an abort signal), passed through whole. */
export type StepOptions = OperationOptions;

/** Combines outcomes of parts into the outcome of the whole. */
export function combineOutcomes(...outcomes: Outcome[]): Outcome {
  if (outcomes[0] === 'created') return 'created';
  return outcomes.some((o) => o !== 'unchanged') ? 'updated' : 'unchanged';
}

/** Bounded backoff for replication delays. */
export interface ReplicationRetryOptions {
  /** Attempts in all, the first included. Default 8. */
  readonly maxAttempts?: number;
  /** First wait; doubles each time. Default 1 000 ms. */
  readonly delayInMs?: number;
  /** Ceiling of one wait. Default 10 000 ms (the whole budget stays under a minute). */
  readonly maxDelayInMs?: number;
}
