/** The record of one connection's run, and the option helpers every branch of the engine shares. @internal */
import type { ResultAsync } from 'neverthrow';
import type { WifError } from '../errors';
import type { DesiredConnection, ResolvedSpec } from '../spec/load';
import type { Outcome } from '../types';
import type { ApplyOptions } from './apply';
import type { CreatedResource } from './_rollback';
import type { AppliedResource, DriftKind, StepTiming } from './types';

/** Options of the engine: apply's, plus what `sync` adds. */
export interface EngineOptions extends ApplyOptions {
  /** Connections (by key) that get no write at all: their plan carries this error (e.g. `PermissionMissing`). */
  readonly refused?: ReadonlyMap<string, WifError>;
  /**
   * Look for what the spec does not name: the principal's other role assignments, and credentials
   * wif made for other connections on the app. Reported, or deleted with `prune`.
   */
  readonly inspectExtras?: boolean;
  readonly prune?: boolean;
}

/** Per-request options: only the abort signal. */
export type Opts = { abortSignal?: AbortSignal };
/** The abort signal of `o`, as request options. */
export const abortOnly = (o: EngineOptions): Opts => (o.abortSignal ? { abortSignal: o.abortSignal } : {});
/** The options a step takes: abort signal and replication backoff. */
export const stepOptions = (o: EngineOptions): Opts & Pick<EngineOptions, 'replication'> => ({
  ...abortOnly(o),
  ...(o.replication ? { replication: o.replication } : {}),
});
/** The drift a step's outcome reveals: `created` → missing, `updated` → altered. */
export const driftOf = (outcome: Outcome): { drift?: DriftKind } =>
  outcome === 'created' ? { drift: 'missing' } : outcome === 'updated' ? { drift: 'altered' } : {};

/** The app's desired state: its names, and notes saying which connection it serves. @internal */
export function desiredApp(spec: ResolvedSpec, c: DesiredConnection): { displayName: string; uniqueName: string; notes: string } {
  return { ...c.app, notes: `Azure DevOps service connection ${spec.organization}/${c.project}/${c.name} (managed by wif).` };
}

/** One connection's run: timings, resources, and what it created (for rollback). */
export class Run {
  readonly t0 = performance.now();
  readonly timings: StepTiming[] = [];
  readonly resources: AppliedResource[] = [];
  readonly created: CreatedResource[] = [];

  timed<T, E>(step: string, work: () => ResultAsync<T, E>): ResultAsync<T, E> {
    const start = performance.now();
    const done = (failed: boolean): void => {
      this.timings.push({
        step: failed ? `${step} (failed)` : step,
        startedAtInMs: Math.round(start - this.t0),
        durationInMs: Math.round(performance.now() - start),
      });
    };
    return work()
      .map((v) => {
        done(false);
        return v;
      })
      .mapErr((e) => {
        done(true);
        return e;
      });
  }

  record(resource: AppliedResource, created?: CreatedResource): void {
    this.resources.push(resource);
    if (resource.outcome === 'created' && created) this.created.push(created);
  }
}
