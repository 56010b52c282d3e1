/** Where each migration of a journal stands. */
import type { ResultAsync } from 'neverthrow';
import type { JournalError } from './errors';
import { soakEndsAtMs } from './finish';
import { listMigrations, type JournalStore, type MigrationRecord, type MigrationStep } from './journal';

/**
 * `in-progress`: steps 1–6 not all done (resume it); `soaking`: live, waiting for the soak to end;
 * `ready`: soaked, finish it; `cleaning-up`: clean-up began (finish it again); `finished`;
 * `rolled-back`.
 */
export type MigrationPhase = 'in-progress' | 'soaking' | 'ready' | 'cleaning-up' | 'finished' | 'rolled-back';

export interface MigrationStatus {
  readonly id: string;
  readonly project: string;
  readonly oldConnection: { readonly id: string; readonly name: string };
  /** The new connection, once created. */
  readonly newConnection: { readonly id: string; readonly name: string } | null;
  readonly phase: MigrationPhase;
  /** The last step that completed. */
  readonly lastStep: MigrationStep | null;
  /** What the next run will do (`null` when finished or rolled back). */
  readonly nextStep: MigrationStep | null;
  readonly liveAt: string | null;
  readonly soakEndsAt: string | null;
  /** Pipelines authorised on the old connection (to point at the new one), and projects open to all pipelines. */
  readonly pipelines: { readonly count: number; readonly openToAllIn: readonly string[] } | null;
  /** The last failure, if the last run failed. */
  readonly lastError: MigrationRecord['lastError'];
  readonly updatedAt: string;
}

const RESULTS: readonly [MigrationStep, (r: MigrationRecord) => boolean][] = [
  ['inventory', (r) => r.inventory !== null],
  ['registerApp', (r) => r.app !== null],
  ['copyRoles', (r) => r.roles !== null],
  ['createConnection', (r) => r.connection !== null],
  ['governance', (r) => r.governance != null],
  ['bindCredential', (r) => r.credential !== null],
  ['verify', (r) => r.verifiedAt !== null],
  ['pipelines', (r) => r.pipelines !== null],
  ['live', (r) => r.liveAt !== null],
  ['deleteOldConnection', (r) => r.cleanup?.oldConnectionDeletedAt != null],
  ['revokeOldRoles', (r) => r.cleanup?.oldRolesRevokedAt != null || r.cleanup?.oldIdentityKept === true],
  ['deleteOldApp', (r) => r.cleanup?.oldAppDeletedAt != null || r.cleanup?.oldIdentityKept === true],
];

const CLEANUP_FROM = RESULTS.findIndex(([step]) => step === 'deleteOldConnection');

/**
 * Describes one journaled migration at time `nowInMs` (pure).
 *
 * @example
 * describeMigration(record, { nowInMs: Date.now() }).phase // 'soaking'
 */
export function describeMigration(
  record: MigrationRecord,
  options: { readonly nowInMs: number; readonly soakInMs?: number },
): MigrationStatus {
  const soakEnds = record.liveAt ? soakEndsAtMs(record.liveAt, options.soakInMs) : null;
  const done = RESULTS.filter(([, has]) => has(record)).map(([step]) => step);
  // Before clean-up the next step is among steps 1–6; once it has begun, among the clean-up steps.
  const pending = RESULTS.slice(record.cleanup ? CLEANUP_FROM : 0).find(([, has]) => !has(record))?.[0] ?? null;
  let phase: MigrationPhase;
  if (record.rolledBackAt) phase = 'rolled-back';
  else if (record.cleanup?.finishedAt) phase = 'finished';
  else if (record.cleanup) phase = 'cleaning-up';
  else if (!record.liveAt) phase = 'in-progress';
  else phase = soakEnds !== null && options.nowInMs >= soakEnds ? 'ready' : 'soaking';
  return {
    id: record.id,
    project: record.project.name,
    oldConnection: { id: record.old.connectionId, name: record.old.name },
    newConnection: record.connection ? { id: record.connection.id, name: record.connection.name } : null,
    phase,
    lastStep: record.rolledBackAt ? 'rollback' : (done.at(-1) ?? null),
    nextStep: phase === 'finished' || phase === 'rolled-back' ? null : pending,
    liveAt: record.liveAt,
    soakEndsAt: soakEnds === null ? null : new Date(soakEnds).toISOString(),
    pipelines: record.pipelines
      ? {
          count: record.pipelines.reduce((n, p) => n + p.pipelineIds.length, 0),
          openToAllIn: record.pipelines.filter((p) => p.allPipelines).map((p) => p.project.name),
        }
      : null,
    lastError: record.lastError,
    updatedAt: record.updatedAt,
  };
}

/**
 * Shows where each migration of the journal stands: phase, last and next step, soak end, pipelines
 * to point at the new connection, last error. Reads the journal only: no request; safe to re-run.
 * Errors: `Journal`.
 *
 * @example
 * const all = await migrationStatus(fileJournal('migrations.json'));
 * if (all.isOk()) for (const m of all.value) console.log(m.oldConnection.name, m.phase, m.nextStep);
 */
export function migrationStatus(
  journal: JournalStore,
  options: { readonly clock?: () => number; readonly soakInMs?: number } = {},
): ResultAsync<readonly MigrationStatus[], JournalError> {
  const nowInMs = (options.clock ?? Date.now)();
  return listMigrations(journal).map((records) =>
    records.map((r) => describeMigration(r, { nowInMs, ...(options.soakInMs !== undefined ? { soakInMs: options.soakInMs } : {}) })),
  );
}
