/**
 * The migration journal: one JSON document holding every migration of an organization, each with
 * what it found, what it created (with ids) and a log of its steps. A step is logged `started` before
 * it runs and `done` with its result after, so a run killed anywhere resumes at the first step
 * without a result; the steps converge, so re-running a started step creates nothing twice.
 *
 * The store only reads and writes text; parsing, validation and versioning happen here, once.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { redact } from '@wif/http';
import { err, errAsync, okAsync, ResultAsync } from 'neverthrow';
import * as z from 'zod';
import { withLock } from '../_internal/lock';
import type { JournalError } from './errors';

/** The version of the journal document; a journal with a higher version is refused, never rewritten. */
export const JOURNAL_SCHEMA_VERSION = 1;

/** Where the journal lives. Writes must be atomic: a reader sees the old text or the new, never a mix. */
export interface JournalStore {
  /** The journal text, or `undefined` when there is none yet. */
  read(): Promise<string | undefined>;
  /** Replaces the journal text. */
  write(text: string): Promise<void>;
  /**
   * Takes a lock that other processes respect, for one read-modify-write; resolves to its release.
   * Rejects with a {@link JournalLockedError} when another live process keeps it. Optional: a store
   * only one process can reach (memory) needs none.
   */
  lock?(): Promise<() => Promise<void>>;
}

/** Thrown by a {@link JournalStore.lock} that cannot be taken; becomes a `Journal` error of reason `Locked`. */
export class JournalLockedError extends Error {
  override readonly name = 'JournalLockedError';
}

/** A journal kept in memory (tests, dry runs); `text` is what was last written. */
export interface MemoryJournal extends JournalStore {
  readonly text: string | undefined;
}

/**
 * A journal in memory, optionally starting from a journal's text (to resume in a "fresh process").
 *
 * @example
 * const journal = memoryJournal();
 * await startMigration(clients, input, { journal });
 */
export function memoryJournal(initial?: string): MemoryJournal {
  let text = initial;
  return {
    get text() {
      return text;
    },
    read: async () => text,
    write: async (next) => {
      text = next;
    },
  };
}

/** How a {@link fileJournal} waits for another process's lock. */
export interface FileJournalOptions {
  /** How long to wait for a lock another live process holds. Default 30 000 ms. */
  readonly lockTimeoutInMs?: number;
}

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

const sleepInMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Reads a small file without ever blocking on a FIFO; `undefined` when absent. */
async function readRegular(path: string, what: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    if (!(await handle.stat()).isFile()) throw new Error(`${what} ${path} is not a regular file (a FIFO, device or directory is refused).`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * A journal in a JSON file. Each write goes to a temporary file beside it (mode 0600), is flushed
 * to disk, then renamed over the journal, and the directory is flushed too: a crash leaves the old
 * journal or the new one, never half of one, and the rename survives a power cut.
 *
 * Several processes may share one journal: every read-modify-write holds `PATH.lock`, created with
 * `O_EXCL` and holding the owner's pid, host and start time. A lock whose owner is a dead process on
 * this host is stale and taken over; a live owner is waited for (`lockTimeoutInMs`), then the error
 * names it. A path that is not a regular file (a FIFO, a device) is refused.
 *
 * @example
 * const journal = fileJournal('migrations.json');
 */
export function fileJournal(path: string, options: FileJournalOptions = {}): JournalStore {
  const lockPath = `${path}.lock`;
  const timeoutInMs = options.lockTimeoutInMs ?? 30_000;

  const tryLock = async (): Promise<boolean> => {
    const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    try {
      const handle = await open(lockPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        await handle.writeFile(JSON.stringify(owner), 'utf8');
      } finally {
        await handle.close();
      }
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') return false;
      throw error;
    }
  };

  /** The current owner, or `'stale'` when its owner is gone (then the lock file was removed). */
  const inspect = async (): Promise<LockOwner | 'stale' | undefined> => {
    const text = await readRegular(lockPath, 'The journal lock');
    if (text === undefined) return undefined;
    let owner: Partial<LockOwner> | undefined;
    try {
      owner = JSON.parse(text) as Partial<LockOwner>;
    } catch {
      owner = undefined;
    }
    const ageInMs = Date.now() - (await stat(lockPath).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    const complete = owner && typeof owner.pid === 'number' && typeof owner.host === 'string';
    // A lock file its owner never finished writing: stale once it is old enough that the write is not under way.
    const deadHere = complete && owner!.host === hostname() && !processAlive(owner!.pid!);
    if (deadHere || (!complete && ageInMs > 10_000)) {
      // Two processes may both find the same stale lock; the rename makes only one remove it.
      const aside = `${lockPath}.${randomUUID()}.stale`;
      await rename(lockPath, aside).catch(() => undefined);
      await rm(aside, { force: true });
      return 'stale';
    }
    return complete ? (owner as LockOwner) : undefined;
  };

  return {
    read: () => readRegular(path, 'The migration journal'),
    write: async (text) => {
      const temporary = `${path}.${randomUUID()}.tmp`;
      try {
        const handle = await open(temporary, 'w', 0o600);
        try {
          await handle.writeFile(text, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      // Flush the directory entry of the rename (not possible on every platform: best effort there).
      const directory = await open(dirname(path), 'r').catch(() => undefined);
      if (directory)
        await directory
          .sync()
          .catch(() => undefined)
          .finally(() => directory.close());
    },
    lock: async () => {
      const deadline = Date.now() + timeoutInMs;
      let owner: LockOwner | undefined;
      for (let attempt = 0; ; attempt++) {
        if (await tryLock()) {
          return async () => {
            await rm(lockPath, { force: true });
          };
        }
        const seen = await inspect();
        if (seen === 'stale') continue;
        owner = seen ?? owner;
        if (Date.now() >= deadline) break;
        await sleepInMs(Math.min(200, 10 + attempt * 5) + Math.floor(Math.random() * 10));
      }
      const who = owner ? `process ${owner.pid} on ${owner.host} (since ${owner.startedAt})` : 'another process';
      throw new JournalLockedError(
        `The migration journal ${path} is locked by ${who}: wait for it to finish. If that process is gone, delete ${lockPath}.`,
      );
    },
  };
}

/** The steps of a migration, in order; `rollback` undoes the first part. */
export const MIGRATION_STEPS = [
  'inventory',
  'registerApp',
  'copyRoles',
  'createConnection',
  'governance',
  'bindCredential',
  'verify',
  'pipelines',
  'live',
  'deleteOldConnection',
  'revokeOldRoles',
  'deleteOldApp',
  'rollback',
] as const;

export type MigrationStep = (typeof MIGRATION_STEPS)[number];

const ref = z.object({ id: z.string(), name: z.string() });
const at = z.string().nullable();

const recordSchema = z.object({
  /** The old connection's id: one migration per connection. */
  id: z.string(),
  organization: z.string(),
  tenantId: z.string(),
  project: ref,
  newName: z.string(),
  appDisplayName: z.string(),
  /** Scopes listed for the old principal's role assignments, besides the connection's own. */
  inventoryScopes: z.array(z.string()),
  /**
   * The user-assigned managed identity the new connection runs on (`wif migrate --identity managed`);
   * absent: a new app registration. For an identity, `app` holds its client id (`appId`), resource id
   * (`applicationObjectId`) and principal id (`servicePrincipalObjectId`).
   */
  identity: z.object({ subscriptionId: z.string(), resourceGroup: z.string(), name: z.string(), location: z.string() }).optional(),
  copyPipelinePermissions: z.boolean(),
  startedAt: z.string(),
  updatedAt: z.string(),
  old: z.object({
    connectionId: z.string(),
    name: z.string(),
    scheme: z.string(),
    creationMode: z.string().nullable(),
    appId: z.string(),
    cloud: z.enum(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud']),
    target: z.discriminatedUnion('level', [
      z.object({ level: z.literal('subscription'), subscriptionId: z.string(), subscriptionName: z.string() }),
      z.object({
        level: z.literal('resourceGroup'),
        subscriptionId: z.string(),
        subscriptionName: z.string(),
        resourceGroupName: z.string(),
      }),
      z.object({ level: z.literal('managementGroup'), managementGroupId: z.string(), managementGroupName: z.string() }),
    ]),
    projects: z.array(ref),
  }),
  inventory: z
    .object({
      servicePrincipalObjectId: z.string(),
      /** `null` when the app registration is not in this tenant (it is then never deleted). */
      applicationObjectId: z.string().nullable(),
      roles: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          scope: z.string(),
          roleDefinitionId: z.string(),
          roleName: z.string(),
          privileged: z.boolean(),
        }),
      ),
      /** Direct assignments not copied (with a condition, or at the tenant root): copy them by hand. */
      skipped: z.array(z.object({ id: z.string(), scope: z.string(), roleDefinitionId: z.string(), reason: z.string() })),
    })
    .nullable(),
  app: z
    .object({
      appId: z.string(),
      applicationObjectId: z.string(),
      servicePrincipalObjectId: z.string(),
      uniqueName: z.string(),
      displayName: z.string(),
    })
    .nullable(),
  roles: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        scope: z.string(),
        roleDefinitionId: z.string(),
        roleName: z.string(),
        allowPrivileged: z.boolean(),
      }),
    )
    .nullable(),
  connection: z.object({ id: z.string(), name: z.string(), issuer: z.string(), subject: z.string(), projects: z.array(ref) }).nullable(),
  /**
   * The old connection's approvals and checks and its assigned security roles, copied onto the new
   * one before it can authenticate. Absent in journals written before wif copied them: the next
   * `start` (resume) or `finish` copies them then.
   */
  governance: z
    .object({
      /** Each check of the old connection (`from`) and its copy on the new one (`id`); `type` names the kind. */
      checks: z.array(z.object({ from: z.number(), id: z.number(), type: z.string(), disabled: z.boolean() })),
      /** The identities given a role on the new connection, per project, as they held it on the old one. */
      roles: z.array(z.object({ project: ref, identityId: z.string(), name: z.string(), role: z.string() })),
    })
    .nullable()
    .optional(),
  credential: z.object({ id: z.string(), name: z.string() }).nullable(),
  verifiedAt: at,
  /** Pipelines authorised on the old connection, per project: point them at the new one. */
  pipelines: z.array(z.object({ project: ref, allPipelines: z.boolean(), pipelineIds: z.array(z.number()) })).nullable(),
  /** When the new connection went live: the soak period counts from here. */
  liveAt: at,
  cleanup: z
    .object({
      startedAt: z.string(),
      oldConnectionDeletedAt: at,
      oldRolesRevokedAt: at,
      oldAppDeletedAt: at,
      /** The old app and its roles were kept on purpose (`keepOldIdentity`). */
      oldIdentityKept: z.boolean(),
      finishedAt: at,
    })
    .nullable(),
  rolledBackAt: at,
  lastError: z.object({ step: z.enum(MIGRATION_STEPS), kind: z.string(), message: z.string() }).nullable(),
  log: z.array(
    z.object({ at: z.string(), step: z.enum(MIGRATION_STEPS), event: z.enum(['started', 'done', 'failed', 'note']), message: z.string() }),
  ),
});

/** One in-place conversion (`wif migrate convert`): the connection keeps its id; no way back here. */
const conversionSchema = z.object({
  /** `{kind}:{connection id}`: one record per connection and kind of conversion. */
  id: z.string(),
  kind: z.enum(['scheme', 'issuer']),
  organization: z.string(),
  project: ref,
  connection: ref,
  startedAt: z.string(),
  updatedAt: z.string(),
  /** What the connection had before: its scheme and, for a federated one, its issuer. */
  before: z.object({ scheme: z.string(), issuer: z.string().nullable() }),
  /** Issuer and subject after the conversion, as read back. */
  after: z.object({ issuer: z.string(), subject: z.string() }).nullable(),
  outcome: z.enum(['created', 'updated', 'unchanged']).nullable(),
  lastError: z.object({ kind: z.string(), message: z.string() }).nullable(),
});

const documentSchema = z.object({
  schemaVersion: z.literal(JOURNAL_SCHEMA_VERSION),
  migrations: z.array(recordSchema),
  /** Absent in journals written before in-place conversions were recorded. */
  conversions: z.array(conversionSchema).optional(),
});

/** One in-place conversion as the journal records it. */
export type ConversionRecord = z.output<typeof conversionSchema>;

/** One migration as the journal records it. */
export type MigrationRecord = z.output<typeof recordSchema>;
/**
 * The progress of a migration that has done nothing yet: every step's result still `null`. The one
 * place that lists them, so that a field added to the record starts empty everywhere. @internal
 */
export const NO_PROGRESS = {
  inventory: null,
  app: null,
  roles: null,
  connection: null,
  governance: null,
  credential: null,
  verifiedAt: null,
  pipelines: null,
  liveAt: null,
  cleanup: null,
  rolledBackAt: null,
  lastError: null,
} as const satisfies Partial<MigrationRecord>;
/** One line of a migration's log. */
export type MigrationLogEntry = MigrationRecord['log'][number];
type JournalDocument = z.output<typeof documentSchema>;

const journalError = (reason: JournalError['reason'], message: string): JournalError => ({
  kind: 'Journal',
  reason,
  message: redact(message),
});
const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Reads and validates the whole journal (an absent one is empty). @internal */
export function readJournal(store: JournalStore): ResultAsync<JournalDocument, JournalError> {
  return ResultAsync.fromPromise(store.read(), (e) => journalError('Read', `Could not read the migration journal: ${describe(e)}`)).andThen(
    (text) => {
      if (text === undefined || text.trim() === '')
        return okAsync<JournalDocument, JournalError>({ schemaVersion: JOURNAL_SCHEMA_VERSION, migrations: [] });
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return errAsync(journalError('Corrupt', 'The migration journal is not JSON; restore it from a backup or start a new journal.'));
      }
      const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
      if (typeof version === 'number' && version > JOURNAL_SCHEMA_VERSION) {
        return errAsync(
          journalError(
            'Version',
            `The migration journal has schema version ${version}; this wif reads version ${JOURNAL_SCHEMA_VERSION}. Upgrade wif.`,
          ),
        );
      }
      const parsed = documentSchema.safeParse(json);
      if (!parsed.success) {
        const where = parsed.error.issues[0]?.path.join('.') ?? '';
        return errAsync(journalError('Corrupt', `The migration journal is not a wif journal (first problem at "${where}").`));
      }
      return okAsync(parsed.data);
    },
  );
}

const storeKeys = new WeakMap<JournalStore, string>();
const lockKey = (store: JournalStore): string => {
  let key = storeKeys.get(store);
  if (!key) storeKeys.set(store, (key = `journal:${randomUUID()}`));
  return key;
};

/**
 * Rewrites the journal with `change` applied: read it, change it, write it all back, under a
 * per-store lock (in-process writers queue on it) and the store's own lock (other processes).
 */
function rewriteJournal<T>(
  store: JournalStore,
  change: (doc: JournalDocument) => JournalDocument,
  result: T,
): ResultAsync<T, JournalError> {
  return new ResultAsync(
    withLock(lockKey(store), async () => {
      let release: (() => Promise<void>) | undefined;
      if (store.lock) {
        try {
          release = await store.lock();
        } catch (e) {
          return err<T, JournalError>(
            journalError(
              e instanceof JournalLockedError ? 'Locked' : 'Write',
              e instanceof JournalLockedError ? e.message : `Could not lock the migration journal: ${describe(e)}`,
            ),
          );
        }
      }
      try {
        return await readJournal(store).andThen((doc) => {
          const next = change(doc);
          const text = `${JSON.stringify({ schemaVersion: JOURNAL_SCHEMA_VERSION, migrations: next.migrations, ...(next.conversions ? { conversions: next.conversions } : {}) }, null, 2)}\n`;
          return ResultAsync.fromPromise(store.write(text), (e) =>
            journalError('Write', `Could not write the migration journal: ${describe(e)}`),
          ).map(() => result);
        });
      } finally {
        await release?.();
      }
    }),
  );
}

/**
 * Replaces (or adds) one migration: read the journal, swap the record, write it all back, under a
 * per-store lock so that concurrent migrations in one process do not lose each other's writes, and
 * the store's own lock against other processes.
 * @internal
 */
export function saveMigration(store: JournalStore, record: MigrationRecord): ResultAsync<MigrationRecord, JournalError> {
  return rewriteJournal(
    store,
    (doc) => {
      const known = doc.migrations.some((m) => m.id === record.id);
      return { ...doc, migrations: known ? doc.migrations.map((m) => (m.id === record.id ? record : m)) : [...doc.migrations, record] };
    },
    record,
  );
}

/** Replaces (or adds) one in-place conversion, under the same locks as {@link saveMigration}. @internal */
export function saveConversion(store: JournalStore, record: ConversionRecord): ResultAsync<ConversionRecord, JournalError> {
  return rewriteJournal(
    store,
    (doc) => {
      const list = doc.conversions ?? [];
      return {
        ...doc,
        conversions: list.some((c) => c.id === record.id) ? list.map((c) => (c.id === record.id ? record : c)) : [...list, record],
      };
    },
    record,
  );
}

/**
 * Every in-place conversion the journal records (`wif migrate convert`, `convertInPlace`): one
 * record per connection and kind, with what the connection had before and the issuer and subject
 * it presented after, or the last error. Read-only.
 *
 * @example
 * const conversions = (await listConversions(fileJournal('wif-migrations.json')))._unsafeUnwrap();
 */
export function listConversions(store: JournalStore): ResultAsync<readonly ConversionRecord[], JournalError> {
  return readJournal(store).map((doc) => doc.conversions ?? []);
}

/** One migration by id, or `undefined`. @internal */
export function findMigration(store: JournalStore, id: string): ResultAsync<MigrationRecord | undefined, JournalError> {
  return readJournal(store).map((doc) => doc.migrations.find((m) => m.id === id.toLowerCase()));
}

/** Every migration of the journal, in the order they were first written. @internal */
export function listMigrations(store: JournalStore): ResultAsync<readonly MigrationRecord[], JournalError> {
  return readJournal(store).map((doc) => doc.migrations);
}
