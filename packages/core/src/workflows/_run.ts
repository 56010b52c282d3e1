/** The record of one connection's run, and the option helpers every branch of the engine shares. @internal */
import { type OperationOptions, settled } from '@wif/http';
import type { ResultAsync } from 'neverthrow';
import type { Outcome } from '../types';
import type { ApplyOptions } from './types';
import type { CreatedResource } from './_rollback';
import type { AppliedResource, DriftKind, StepTiming } from './types';
import { monotonicMs } from '../_internal/monotonic';

/** Options of the engine: apply's, plus what `sync` adds. */
export interface EngineOptions extends ApplyOptions {
  /**
   * Look for what the spec does not name: the principal's other role assignments, and credentials
   * wif made for other connections on the app. Reported, or deleted with `prune`.
   */
  readonly inspectExtras?: boolean;
  /** Delete what `inspectExtras` finds (sync's `prune`). */
  readonly pruneExtras?: boolean;
}

/** Per-request options. */
export type Opts = OperationOptions;
/** The engine's options as request options: passed whole, the transport reads only the abort signal. */
export const abortOnly = (o: EngineOptions): Opts => o;
/** The engine's options as step options (abort signal and replication backoff): passed whole. */
export const stepOptions = (o: EngineOptions): EngineOptions => o;
/** The drift a step's outcome reveals: `created` → missing, `updated` → altered. */
export const driftOf = (outcome: Outcome): { drift?: DriftKind } =>
  outcome === 'created' ? { drift: 'missing' } : outcome === 'updated' ? { drift: 'altered' } : {};

/** One connection's run: timings, resources, and what it created (for rollback). */
export class Run {
  readonly t0 = monotonicMs();
  readonly timings: StepTiming[] = [];
  readonly resources: AppliedResource[] = [];
  readonly created: CreatedResource[] = [];

  timed<T, E>(step: string, work: () => ResultAsync<T, E>): ResultAsync<T, E> {
    const start = monotonicMs();
    const done = (failed: boolean): void => {
      this.timings.push({
        step: failed ? `${step} (failed)` : step,
        startedAtInMs: Math.round(start - this.t0),
        durationInMs: Math.round(monotonicMs() - start),
      });
    };
    // One `then` for both outcomes (not `map` + `mapErr`: docs/decisions/029-cheap-result-chains.md).
    return settled(work(), (r) => {
      done(r.isErr());
      return r;
    });
  }

  record(resource: AppliedResource, created?: CreatedResource): void {
    this.resources.push(resource);
    if (resource.outcome === 'created' && created) this.created.push(created);
  }
}
