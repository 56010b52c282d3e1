import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fileJournal,
  JOURNAL_SCHEMA_VERSION,
  type JournalStore,
  listMigrations,
  memoryJournal,
  type MigrationRecord,
  NO_PROGRESS,
  readJournal,
  saveMigration,
} from './journal';
import { describeMigration, migrationStatus } from './status';

const record = (id: string, patch: Partial<MigrationRecord> = {}): MigrationRecord => ({
  id,
  organization: 'contoso',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  project: { id: 'p1', name: 'platform' },
  newName: 'sc-prod-wif',
  appDisplayName: 'ado-sc-prod-wif',
  inventoryScopes: [],
  copyPipelinePermissions: true,
  startedAt: '2026-03-02T09:00:00.000Z',
  updatedAt: '2026-03-02T09:00:00.000Z',
  old: {
    connectionId: id,
    name: 'sc-prod',
    scheme: 'ServicePrincipal',
    creationMode: 'Manual',
    appId: 'a1',
    cloud: 'AzureCloud',
    target: { level: 'subscription', subscriptionId: 's1', subscriptionName: 'Prod' },
    projects: [{ id: 'p1', name: 'platform' }],
  },
  ...NO_PROGRESS,
  log: [],
  ...patch,
});

describe('fileJournal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wif-journal-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes the whole journal atomically (temp file + rename), readable by a new store, owner-only', async () => {
    const path = join(dir, 'migrations.json');
    expect(await fileJournal(path).read()).toBeUndefined();
    (await saveMigration(fileJournal(path), record('m1')))._unsafeUnwrap();
    (await saveMigration(fileJournal(path), record('m2')))._unsafeUnwrap();
    (await saveMigration(fileJournal(path), record('m1', { newName: 'renamed' })))._unsafeUnwrap();
    expect(await readdir(dir)).toEqual(['migrations.json']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(await readFile(path, 'utf8'));
    expect(doc.schemaVersion).toBe(JOURNAL_SCHEMA_VERSION);
    expect((await listMigrations(fileJournal(path)))._unsafeUnwrap().map((m) => [m.id, m.newName])).toEqual([
      ['m1', 'renamed'],
      ['m2', 'sc-prod-wif'],
    ]);
  });

  it('leaves the old journal whole when a write fails, and reports it', async () => {
    const path = join(dir, 'migrations.json');
    (await saveMigration(fileJournal(path), record('m1')))._unsafeUnwrap();
    const before = await readFile(path, 'utf8');
    const gone = fileJournal(join(dir, 'missing-dir', 'migrations.json'));
    expect((await saveMigration(gone, record('m1')))._unsafeUnwrapErr()).toMatchObject({ kind: 'Journal', reason: 'Write' });
    expect(await readFile(path, 'utf8')).toBe(before);
  });
});

describe('readJournal', () => {
  it.each([
    ['not JSON', '{ nope', 'Corrupt'],
    ['not a journal', '{"hello":1}', 'Corrupt'],
    ['a newer version', JSON.stringify({ schemaVersion: JOURNAL_SCHEMA_VERSION + 1, migrations: [] }), 'Version'],
  ])('refuses %s', async (_, text, reason) => {
    expect((await readJournal(memoryJournal(text)))._unsafeUnwrapErr()).toMatchObject({ kind: 'Journal', reason });
  });

  it('turns a store that throws into a Journal error, never an exception', async () => {
    const broken: JournalStore = { read: () => Promise.reject(new Error('EACCES')), write: () => Promise.resolve() };
    expect((await migrationStatus(broken))._unsafeUnwrapErr()).toMatchObject({
      kind: 'Journal',
      reason: 'Read',
      message: expect.stringContaining('EACCES'),
    });
  });

  it('keeps concurrent saves of different migrations', async () => {
    const journal = memoryJournal();
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => saveMigration(journal, record(id))));
    expect(
      (await listMigrations(journal))
        ._unsafeUnwrap()
        .map((m) => m.id)
        .sort(),
    ).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('describeMigration', () => {
  const live = '2026-03-02T09:00:00.000Z';
  it.each([
    ['in-progress', record('m'), 'inventory'],
    [
      'soaking',
      record('m', { liveAt: live, inventory: { servicePrincipalObjectId: 's', applicationObjectId: null, roles: [], skipped: [] } }),
      'registerApp',
    ],
    [
      'cleaning-up',
      record('m', {
        liveAt: live,
        cleanup: {
          startedAt: live,
          oldConnectionDeletedAt: live,
          oldRolesRevokedAt: null,
          oldAppDeletedAt: null,
          oldIdentityKept: false,
          finishedAt: null,
        },
      }),
      'revokeOldRoles',
    ],
  ] as const)('%s', (phase, r, nextStep) => {
    expect(describeMigration(r, { nowInMs: Date.parse(live) + 1000 })).toMatchObject({ phase, nextStep });
  });

  it('is ready once the soak is over', () => {
    const r = record('m', { liveAt: live });
    expect(describeMigration(r, { nowInMs: Date.parse(live) + 3_600_000, soakInMs: 3_600_000 })).toMatchObject({
      phase: 'ready',
      soakEndsAt: '2026-03-02T10:00:00.000Z',
    });
  });
});

// A journal file someone edited by hand, or wrote with a future wif, is refused as a whole.
it('refuses a journal file with a record missing a field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wif-journal-'));
  try {
    const path = join(dir, 'j.json');
    const partial: Partial<MigrationRecord> = record('m');
    delete partial.log;
    await writeFile(path, JSON.stringify({ schemaVersion: JOURNAL_SCHEMA_VERSION, migrations: [partial] }));
    expect((await readJournal(fileJournal(path)))._unsafeUnwrapErr()).toMatchObject({
      kind: 'Journal',
      reason: 'Corrupt',
      message: expect.stringContaining('migrations.0.log'),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
