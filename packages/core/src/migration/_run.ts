/**
 * The journaled step runner shared by start/resume, finish and rollback: log `started`, do the
 * work, then save its result with `done` (or `failed` with the error) in one journal write.
 */
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { AbortedError } from '@wif/http';
import type { ReplicationRetryOptions } from '../_internal/replication';
import type { WifClients } from '../workflows/clients';
import type { MigrationError } from './errors';
import { type JournalStore, type MigrationRecord, type MigrationStep, saveMigration } from './journal';

/** Options of every migration function. */
export interface MigrationOptions {
  /** Where the journal lives: `memoryJournal()` in tests, `fileJournal(path)` in the CLI. */
  readonly journal: JournalStore;
  /** Time source (epoch ms) for the journal and the soak period. Default `Date.now`. */
  readonly clock?: () => number;
  /** Backoff while Entra replicates a new service principal. */
  readonly replication?: ReplicationRetryOptions;
  readonly abortSignal?: AbortSignal;
  /**
   * Asked once, with what is about to be deleted, after every check has passed and before the first
   * deletion (`finishMigration`, `rollbackMigration`); `false` stops with an `Aborted` error and
   * nothing deleted. The CLI asks on the terminal here. Default: no question.
   */
  readonly confirm?: (question: string) => boolean | Promise<boolean>;
}

/** What one step produced: the fields it fills in, a line for the log, and any notes worth keeping. */
export interface StepOutcome {
  readonly patch: Partial<MigrationRecord>;
  readonly message: string;
  readonly notes?: readonly string[];
}

/** A migration being advanced: the clients, the options and the record as last saved. @internal */
export interface Run {
  readonly clients: WifClients;
  readonly options: MigrationOptions;
  record: MigrationRecord;
}

/** The time now, as the journal writes it. @internal */
export function nowIso(run: { readonly options: MigrationOptions }): string {
  return new Date((run.options.clock ?? Date.now)()).toISOString();
}

/** Step options for the steps of `@wif/core`. @internal */
export function stepOptions(options: MigrationOptions): { abortSignal?: AbortSignal; replication?: ReplicationRetryOptions } {
  return {
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    ...(options.replication ? { replication: options.replication } : {}),
  };
}

/** The record with log lines appended (and `updatedAt` set). @internal */
export function withLog(
  run: Run,
  record: MigrationRecord,
  step: MigrationStep,
  event: MigrationRecord['log'][number]['event'],
  messages: readonly string[],
): MigrationRecord {
  const at = nowIso(run);
  return { ...record, updatedAt: at, log: [...record.log, ...messages.map((message) => ({ at, step, event, message }))] };
}

/** Saves a record and makes it the run's current one. @internal */
export function save(run: Run, record: MigrationRecord): ResultAsync<MigrationRecord, MigrationError> {
  return saveMigration(run.options.journal, record).map((saved) => (run.record = saved));
}

/**
 * Runs one journaled step. A failure is recorded (`lastError`, a `failed` log line) and returned as
 * is; if the journal cannot even record the failure, the step's own error is still what returns.
 * @internal
 */
export function runStep(
  run: Run,
  step: MigrationStep,
  work: () => ResultAsync<StepOutcome, MigrationError>,
): ResultAsync<MigrationRecord, MigrationError> {
  return save(run, withLog(run, run.record, step, 'started', [`${step} started`]))
    .andThen(() => work())
    .orElse((error) =>
      ResultAsync.fromSafePromise(
        save(
          run,
          withLog(run, { ...run.record, lastError: { step, kind: error.kind, message: error.message } }, step, 'failed', [error.message]),
        ).then(() => undefined),
      ).andThen(() => errAsync<StepOutcome, MigrationError>(error)),
    )
    .andThen((outcome) => {
      const done = withLog(run, { ...run.record, ...outcome.patch, lastError: null }, step, 'done', [outcome.message]);
      return save(run, outcome.notes?.length ? withLog(run, done, step, 'note', outcome.notes) : done);
    });
}

/** `Ok(undefined)` for a `NotFound` (already gone), the error otherwise. @internal */
export function goneIsFine<E extends { kind: string }>(result: ResultAsync<unknown, E>): ResultAsync<void, E> {
  return result.map(() => undefined).orElse((e) => (e.kind === 'NotFound' ? okAsync(undefined) : errAsync(e)));
}

/** Asks `options.confirm` (when given): `Aborted`, nothing deleted, when the answer is no. @internal */
export function confirmed(options: MigrationOptions, question: string): ResultAsync<undefined, AbortedError> {
  if (!options.confirm) return okAsync(undefined);
  const ask = options.confirm;
  const aborted = (message: string): AbortedError => ({ kind: 'Aborted', message });
  return ResultAsync.fromPromise(
    Promise.resolve().then(() => ask(question)),
    () => aborted('The confirmation failed: nothing was deleted.'),
  ).andThen((yes) => (yes ? okAsync(undefined) : errAsync(aborted('Not confirmed: nothing was deleted.'))));
}
