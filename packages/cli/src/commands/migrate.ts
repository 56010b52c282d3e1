/**
 * `wif migrate start|status|finish|rollback`: moves a secret-based connection to a new connection
 * on workload identity federation, recorded step by step in a journal file so that a killed run
 * resumes and a migration can be rolled back until clean-up begins.
 *
 * start: new app, roles copied, new connection, credential bound and verified, pipelines listed.
 * status: where each journaled migration stands. finish: after the soak (or `--force`), deletes the
 * old connection (and its app and roles unless `--keep-old-identity`); asks first on a terminal.
 * rollback: removes what start created, unless pipelines already run with it (`--ignore-recent-use`);
 * the old connection never stopped working; asks first on a terminal.
 */
import { existsSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import type { ResolvedSpec } from '@wif/core';
import type {
  ConversionRecord,
  JournalStore,
  MigrationRecord,
  MigrationStatus,
  StartMigrationInput,
  UsageSince,
} from '@wif/core/migration';
import { err, ok, type Result } from 'neverthrow';
import { type Invocation, listOption, stringOption } from '../args';
import { canAsk, cannotAskMessage, confirm } from '../confirm';
import { emulatorFetch, fetchEmulatorHealth } from '../emulator/health';
import { EXIT, type ExitCode } from '../exitCodes';
import type { PrintableError, Printer } from '../output';
import type { Runtime } from '../runtime';
import { journalPath } from './_journal';
import { prepareOptional } from './_prepare';

type Inv = Extract<Invocation, { options: unknown }>;

function printStatuses(
  printer: Printer,
  statuses: readonly MigrationStatus[],
  conversions: readonly ConversionRecord[],
  path: string,
): void {
  if (printer.json) return;
  if (statuses.length === 0 && conversions.length === 0) {
    printer.line(
      existsSync(path)
        ? `No migrations in the journal ${path}.`
        : `No journal at ${path}: no migration was started from here (--journal FILE or WIF_JOURNAL name another).`,
    );
    return;
  }
  if (statuses.length > 0) {
    printer.table(
      ['connection', 'project', 'phase', 'done', 'next', 'new connection', 'soak ends'],
      statuses.map((s) => {
        // Rolled back: the new connection was deleted, and there is no soak to wait for.
        const rolledBack = s.phase === 'rolled-back';
        return [
          s.oldConnection.name,
          s.project,
          s.phase,
          s.lastStep ?? '-',
          s.nextStep ?? '-',
          s.newConnection ? `${s.newConnection.name}${rolledBack ? ' (deleted)' : ''}` : '-',
          rolledBack ? '-' : (s.soakEndsAt ?? '-'),
        ];
      }),
    );
    for (const s of statuses)
      if (s.lastError)
        printer.note(
          `${printer.colors.red('✗')} ${s.oldConnection.name}: ${s.lastError.step} failed (${s.lastError.kind}): ${s.lastError.message}`,
        );
  }
  if (conversions.length > 0) {
    if (statuses.length > 0) printer.line('');
    printer.line('Converted in place (same connection id):');
    printer.table(
      ['connection', 'project', 'conversion', 'state', 'issuer now', 'updated'],
      conversions.map((c) => [
        c.connection.name,
        c.project.name,
        c.kind === 'scheme' ? `${c.before.scheme} → WorkloadIdentityFederation` : 'to the Entra issuer',
        c.lastError ? 'failed' : !c.after ? 'started' : c.outcome === 'unchanged' ? 'already converted' : 'converted',
        c.after?.issuer ?? '-',
        c.updatedAt,
      ]),
    );
    for (const c of conversions)
      if (c.lastError) printer.note(`${printer.colors.red('✗')} ${c.connection.name}: ${c.lastError.kind}: ${c.lastError.message}`);
  }
}

/** `status --usage`: for each live migration (soaking or ready), the pipelines that ran with its old connection since go-live. */
/**
 * A live migration's usage: its old connection's since go-live, and its new connection's
 * (`newConnection`; `null` when Azure DevOps no longer has the new connection).
 */
type Usage = UsageSince & { readonly newConnection: UsageSince | null };

/** How many live migrations `status --usage` reads at once (each is two reads per project of its connections). */
const USAGE_CONCURRENCY = 8;

async function usageOf(
  rt: Runtime,
  inv: Inv,
  shown: readonly MigrationStatus[],
  base: { journal: JournalStore; abortSignal?: AbortSignal },
): Promise<Result<Record<string, Usage>, PrintableError>> {
  const live = shown.filter((s) => s.phase === 'soaking' || s.phase === 'ready');
  if (live.length === 0) return ok({});
  const prepared = await prepareOptional(rt, inv.options, {});
  if (prepared.isErr()) return err(prepared.error);
  // Up to USAGE_CONCURRENCY migrations at a time (a journal of 43 live ones read one by one took 43
  // round trips of both reads), printed in the journal's order.
  const usageOfOne = (s: MigrationStatus) =>
    Promise.all([
      rt.core.migrationUsage(prepared.value.clients, s.id, base),
      rt.core.migrationUsage(prepared.value.clients, s.id, { ...base, connection: 'new' }),
    ]);
  const read: Awaited<ReturnType<typeof usageOfOne>>[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < live.length; i = next++) read[i] = await usageOfOne(live[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(USAGE_CONCURRENCY, live.length) }, worker));
  const out: Record<string, Usage> = {};
  for (const [i, [still, switched]] of read.entries()) {
    if (still.isErr()) return err(still.error);
    if (switched.isErr() && switched.error.kind !== 'NotFound') return err(switched.error);
    out[live[i]!.id] = { ...still.value, newConnection: switched.isOk() ? switched.value : null };
  }
  return ok(out);
}

function printUsage(printer: Printer, shown: readonly MigrationStatus[], usage: Readonly<Record<string, Usage>>): void {
  if (printer.json) return;
  const runs = (u: UsageSince): string[][] => u.uses.map((x) => [x.pipeline, x.project, x.run || '-', x.at, x.result ?? '-']);
  const header = ['pipeline', 'project', 'last run', 'at', 'result'];
  const partly = (u: UsageSince): string => (u.complete ? '' : ' (in the 500 most recent runs per project read)');
  for (const s of shown) {
    const u = usage[s.id];
    if (!u) continue;
    const target = s.newConnection?.name ?? 'the new connection';
    printer.line('');
    if (u.uses.length === 0) printer.line(`${s.oldConnection.name}: no pipeline has run with it since ${target} went live${partly(u)}.`);
    else {
      printer.line(`${s.oldConnection.name}: still used since ${target} went live; point these pipelines at ${target}:`);
      printer.table(header, runs(u));
    }
    const n = u.newConnection;
    printer.line('');
    if (n === null) printer.line(`${target}: Azure DevOps no longer has it (deleted outside wif?): its pipelines fail until it is back.`);
    else if (n.uses.length === 0) printer.line(`${target}: no pipeline has run with it yet${partly(n)}.`);
    else {
      printer.line(`${target}: already used by these pipelines (a rollback would break them):`);
      printer.table(header, runs(n));
    }
  }
}

/** What finish or rollback deleted, from the record they return. */
function printDeleted(rt: Runtime, record: MigrationRecord, action: 'finish' | 'rollback'): void {
  const { printer } = rt;
  if (printer.json) return;
  const lines: string[] = [];
  if (action === 'finish' && record.cleanup) {
    const c = record.cleanup;
    if (c.oldConnectionDeletedAt) lines.push(`old connection ${record.old.name} (${record.old.connectionId})`);
    if (c.oldRolesRevokedAt)
      for (const r of record.inventory?.roles ?? []) lines.push(`role assignment ${r.roleName} @ ${r.scope} of the old identity`);
    if (c.oldAppDeletedAt) lines.push(`old app registration (appId ${record.old.appId})`);
    if (c.oldIdentityKept) printer.line(`Kept on purpose: the old app (appId ${record.old.appId}) and its role assignments.`);
  }
  if (action === 'rollback' && record.rolledBackAt) {
    const checks = record.governance?.checks ?? [];
    if (record.connection && checks.length > 0)
      lines.push(`the checks copied onto ${record.connection.name}: ${checks.map((c) => c.type).join(', ')}`);
    if (record.connection) lines.push(`new connection ${record.connection.name} (${record.connection.id})`);
    for (const r of record.roles ?? []) lines.push(`role assignment ${r.roleName} @ ${r.scope} of the new identity`);
    if (record.app) lines.push(`new app registration ${record.app.displayName} (appId ${record.app.appId})`);
    lines.push(`the old connection ${record.old.name} is untouched and keeps working`);
  }
  if (lines.length === 0) return;
  printer.line(action === 'finish' ? 'Deleted:' : 'Rolled back (deleted):');
  for (const l of lines) printer.line(`  - ${l}`);
  // A pipeline that did not run during the soak still names the old connection: it fails on its next run.
  const gone = action === 'finish' ? record.old.name : record.connection?.name;
  const instead = action === 'finish' ? (record.connection?.name ?? record.newName) : record.old.name;
  if (gone)
    printer.line(
      `A pipeline that still names ${gone} now fails with "could not be found": point it at ${instead}. \`wif diagnose "<its error>"\` next to this journal says so too.`,
    );
}

/** `wif migrate convert --scheme|--issuer`: plan, confirm, convert, journal. */
async function convert(rt: Runtime, inv: Inv, journal: JournalStore, path: string): Promise<ExitCode> {
  const { core, printer } = rt;
  const scheme = inv.options['scheme'] === true;
  const issuer = inv.options['issuer'] === true;
  if (scheme === issuer)
    return rt.fail({
      kind: 'Usage',
      message: 'migrate convert needs exactly one of --scheme (secret → federation) or --issuer (Azure DevOps → Entra issuer).',
    });
  const connectionName = stringOption(inv.options, 'connection');
  const project = stringOption(inv.options, 'project');
  if (!connectionName || !project)
    return rt.fail({ kind: 'Usage', message: 'migrate convert needs --connection NAME and --project PROJECT.' });
  const input = { kind: scheme ? ('scheme' as const) : ('issuer' as const), project, connectionName };
  // Checked before any request, the access check included.
  const valid = core.checkConversionInput(input);
  if (valid.isErr()) return rt.fail(valid.error);
  // Both conversions read the app's federated credentials in Graph (--issuer rebinds one, --scheme verifies).
  const prepared = await prepareOptional(rt, inv.options, { prefetch: ['graph'] });
  if (prepared.isErr()) return rt.fail(prepared.error);
  const { clients } = prepared.value;
  const signal = rt.abortSignal ? { abortSignal: rt.abortSignal } : {};
  const plan = await core.planConversion(clients, input, signal);
  if (plan.isErr()) return rt.fail(plan.error);
  if (!printer.json) {
    printer.table(
      ['connection', 'project', 'scheme', 'mode', 'issuer'],
      [[plan.value.connection.name, project, plan.value.scheme, plan.value.creationMode ?? '-', plan.value.issuer ?? '-']],
    );
    printer.line(`Plan: ${plan.value.summary}.`);
  }
  if (plan.value.changes && inv.options['yes'] !== true) {
    const answer = await confirm(rt.io, `Convert ${plan.value.connection.name} in place?`);
    if (answer === 'cannot-ask')
      return rt.fail({ kind: 'Usage', message: cannotAskMessage(rt.io, `migrate convert changes ${plan.value.connection.name}`) });
    if (answer === 'no') {
      printer.note('Nothing changed.');
      return EXIT.failure;
    }
  }
  const done = await core.convertInPlace(clients, input, { journal, ...signal });
  if (done.isErr()) {
    printer.note(`Recorded in ${path}.`);
    return rt.fail(done.error);
  }
  const { result, record } = done.value;
  printer.data({ ok: true, plan: plan.value, outcome: result.outcome, trustChain: result.value, conversion: record });
  if (!printer.json) {
    printer.line(
      `${printer.colors.green('✓')} ${record.connection.name}: ${result.outcome}; issuer ${result.value.issuer}, subject ${result.value.subject}.`,
    );
    for (const w of result.value.warnings) printer.note(`${printer.colors.yellow('!')} ${w}`);
    printer.line(
      `Recorded in ${path}. Check it any time: wif verify --connection ${record.connection.name} (with the spec), or wif audit.`,
    );
  }
  return EXIT.ok;
}

function printRecord(rt: Runtime, record: MigrationRecord): void {
  const { printer } = rt;
  if (printer.json) return;
  const status = rt.core.describeMigration(record, { nowInMs: Date.now() });
  const to = record.connection ? `${record.connection.name} (${record.connection.id})` : record.newName;
  printer.line(`${printer.colors.bold(record.old.name)} → ${to}: ${status.phase}`);
  if (record.app)
    printer.line(
      record.identity
        ? `  managed identity: ${record.app.displayName} in ${record.identity.resourceGroup} (clientId ${record.app.appId})`
        : `  new app: ${record.app.displayName} (appId ${record.app.appId})`,
    );
  for (const r of record.roles ?? []) printer.line(`  role:    ${r.roleName} @ ${r.scope}`);
  const copied = record.governance;
  if (copied) {
    const checks = copied.checks.map((c) => `${c.type}${c.disabled ? ' (disabled)' : ''}`);
    printer.line(`  checks:  ${checks.length ? checks.join(', ') : 'none on the old connection'}`);
    for (const r of copied.roles) printer.line(`  access:  ${r.name} is ${r.role} in ${r.project.name}`);
  }
  for (const p of record.pipelines ?? []) {
    printer.line(
      `  pipelines in ${p.project.name}: ${p.allPipelines ? 'all pipelines' : p.pipelineIds.length ? p.pipelineIds.join(', ') : 'none authorised'}`,
    );
  }
  // What a person must look at: privileged roles copied, guards that could not be copied as they were.
  const notes = new Set(
    record.log.filter((l) => l.event === 'note' && (l.step === 'copyRoles' || l.step === 'governance')).map((l) => l.message),
  );
  for (const n of notes) printer.note(`${printer.colors.yellow('!')} ${n}`);
  for (const s of record.inventory?.skipped ?? [])
    printer.note(`${printer.colors.yellow('!')} role not copied: ${s.roleDefinitionId} @ ${s.scope}: ${s.reason}`);
  if (status.phase === 'soaking' || status.phase === 'ready') {
    const authorised = (record.pipelines ?? []).some((p) => p.allPipelines || p.pipelineIds.length > 0);
    const soak = `after the soak (${status.soakEndsAt ?? 'one week'}): wif migrate finish --id ${record.id} (wif migrate status --usage lists the pipelines still running with the old connection)`;
    printer.line(
      authorised
        ? `Next: point those pipelines at ${record.connection?.name ?? record.newName}; ${soak}`
        : `Next: point the pipelines that use the old connection at ${record.connection?.name ?? record.newName} (none was authorised on it, so Azure DevOps asks to permit the new one on each pipeline's first run). Then, ${soak}`,
    );
  }
}

/** The migration id: `--id`, or the journaled migration of `--connection` (and `--project`). */
async function migrationId(rt: Runtime, journal: JournalStore, options: Inv['options']): Promise<Result<string, PrintableError>> {
  const id = stringOption(options, 'id');
  const name = stringOption(options, 'connection')?.toLowerCase();
  if (!id && !name) return err({ kind: 'Usage', message: 'Which migration? Give --connection NAME (and --project) or --id ID.' });
  const statuses = await rt.core.migrationStatus(journal);
  if (statuses.isErr()) return err(statuses.error);
  if (id) {
    // The journal says whether it has it: nothing is sent for a migration it does not know.
    const known = statuses.value.find((s) => s.id.toLowerCase() === id.toLowerCase());
    return known
      ? ok(known.id)
      : err({
          kind: 'MigrationNotFound',
          message: `No migration ${id} in the journal: wif migrate status lists them, wif migrate start starts one.`,
        });
  }
  const project = stringOption(options, 'project')?.toLowerCase();
  const hits = statuses.value.filter(
    (s) => s.oldConnection.name.toLowerCase() === name && (!project || s.project.toLowerCase() === project),
  );
  if (hits.length === 1) return ok(hits[0]!.id);
  if (hits.length === 0)
    return err({
      kind: 'MigrationNotFound',
      message: `No migration of ${name}${project ? ` in ${project}` : ''} in the journal: start one with wif migrate start.`,
    });
  return err({ kind: 'Usage', message: `Several migrations of ${name}: give --project or --id (${hits.map((h) => h.id).join(', ')}).` });
}

/**
 * `--identity managed` with `--identity-subscription`, `--identity-resource-group`, `--location`
 * (and `--identity-name`): the managed identity a new connection runs on; `undefined` for an app.
 */
function identityOption(
  options: Inv['options'],
): Result<{ subscriptionId: string; resourceGroup: string; name?: string; location: string } | undefined, PrintableError> {
  const kind = stringOption(options, 'identity') ?? 'application';
  const flags = ['identity-subscription', 'identity-resource-group', 'identity-name', 'location'] as const;
  if (kind === 'application') {
    const stray = flags.filter((f) => stringOption(options, f) !== undefined);
    return stray.length
      ? err({ kind: 'Usage', message: `${stray.map((f) => `--${f}`).join(', ')} only go with --identity managed.` })
      : ok(undefined);
  }
  if (kind !== 'managed') return err({ kind: 'Usage', message: `--identity is application or managed, not ${kind}.` });
  const subscriptionId = stringOption(options, 'identity-subscription');
  const resourceGroup = stringOption(options, 'identity-resource-group');
  const location = stringOption(options, 'location');
  const name = stringOption(options, 'identity-name');
  if (!subscriptionId || !resourceGroup || !location)
    return err({
      kind: 'Usage',
      message: '--identity managed needs --identity-subscription GUID, --identity-resource-group RG and --location REGION.',
    });
  return ok({ subscriptionId, resourceGroup, location, ...(name ? { name } : {}) });
}

/** The tenant for a new migration: `--tenant`, the spec, `AZURE_TENANT_ID`, or the emulator's. */
/** The input of `migrate start`, from its options (and the spec's tenant). */
async function startInputOf(
  rt: Runtime,
  options: Inv['options'],
  specTenant: string | undefined,
): Promise<Result<StartMigrationInput, PrintableError>> {
  const connectionName = stringOption(options, 'connection');
  const project = stringOption(options, 'project');
  if (!connectionName || !project) return err({ kind: 'Usage', message: 'migrate start needs --connection NAME and --project PROJECT.' });
  const identity = identityOption(options);
  if (identity.isErr()) return err(identity.error);
  const tenantId = await tenantFor(rt, options, specTenant);
  if (tenantId.isErr()) return err(tenantId.error);
  const newName = stringOption(options, 'new-name');
  const inventoryScopes = listOption(options, 'inventory-scope');
  return ok({
    project,
    connectionName,
    tenantId: tenantId.value,
    ...(newName ? { newName } : {}),
    ...(inventoryScopes.length > 0 ? { inventoryScopes } : {}),
    ...(identity.value ? { identity: identity.value } : {}),
  });
}

async function tenantFor(rt: Runtime, options: Inv['options'], specTenant: string | undefined): Promise<Result<string, PrintableError>> {
  const given = stringOption(options, 'tenant') ?? specTenant ?? (rt.io.env['AZURE_TENANT_ID'] || undefined);
  if (given) return ok(given);
  if (rt.global.emulator) return (await fetchEmulatorHealth(rt.global.emulator, emulatorFetch(rt))).map((h) => h.tenantId);
  return err({
    kind: 'Usage',
    message: "Which tenant is the connection's identity in? Give --tenant GUID (or --config, or set AZURE_TENANT_ID).",
  });
}

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const { core, printer } = rt;
  const path = journalPath(rt, inv.options);
  // A FIFO or a device would hang or flood the read: refused before anything is read or sent.
  const kind = await lstat(path).catch(() => undefined);
  if (kind && !kind.isFile() && !kind.isSymbolicLink())
    return rt.fail({ kind: 'Usage', message: `The journal ${path} is not a regular file (a FIFO, device or directory is refused).` });
  const journal = core.fileJournal(path);
  if (inv.action === 'convert') return convert(rt, inv, journal, path);
  const base = { journal, ...(rt.abortSignal ? { abortSignal: rt.abortSignal } : {}) };

  if (inv.action === 'status') {
    const statuses = await core.migrationStatus(journal);
    if (statuses.isErr()) return rt.fail(statuses.error);
    const conversions = await core.listConversions(journal);
    if (conversions.isErr()) return rt.fail(conversions.error);
    const name = stringOption(inv.options, 'connection')?.toLowerCase();
    const id = stringOption(inv.options, 'id');
    const shown = statuses.value.filter((s) => (!name || s.oldConnection.name.toLowerCase() === name) && (!id || s.id === id));
    // A conversion keeps the connection's id: --id names a migration, so it shows none.
    const converted = id ? [] : conversions.value.filter((c) => !name || c.connection.name.toLowerCase() === name);
    const usage = inv.options['usage'] === true ? await usageOf(rt, inv, shown, base) : ok(undefined);
    if (usage.isErr()) return rt.fail(usage.error);
    printer.data({ ok: true, journal: path, migrations: shown, conversions: converted, ...(usage.value ? { usage: usage.value } : {}) });
    printStatuses(printer, shown, converted, path);
    if (usage.value) printUsage(printer, shown, usage.value);
    return EXIT.ok;
  }

  // start, finish and rollback read or change identities (Graph, or ARM for a managed identity) and
  // role assignments (ARM); finish first verifies the new chain, even when it keeps the old identity.
  // start's input is checked whole before any request (the access check included): a bad scope,
  // GUID or name sends nothing.
  let startInput: StartMigrationInput | undefined;
  const checkStart = async (spec: ResolvedSpec | undefined): Promise<Result<unknown, PrintableError>> => {
    const built = await startInputOf(rt, inv.options, spec?.tenantId);
    if (built.isErr()) return built;
    startInput = built.value;
    return core.checkStartMigrationInput(built.value);
  };
  // finish and rollback name a migration of the journal: found (or not) before any request.
  const id = inv.action === 'start' ? ok('') : await migrationId(rt, journal, inv.options);
  if (id.isErr()) return rt.fail(id.error);
  // They delete: without a terminal to ask on, --yes is needed, and its absence is refused before any request.
  if ((inv.action === 'finish' || inv.action === 'rollback') && inv.options['yes'] !== true && !canAsk(rt.io)) {
    const what = inv.action === 'finish' ? 'migrate finish deletes the old connection' : 'migrate rollback deletes the new connection';
    return rt.fail({ kind: 'Usage', message: cannotAskMessage(rt.io, what) });
  }
  const prepared = await prepareOptional(rt, inv.options, { prefetch: ['graph', 'arm'] }, inv.action === 'start' ? checkStart : undefined);
  if (prepared.isErr()) return rt.fail(prepared.error);
  const { clients } = prepared.value;

  // finish and rollback ask once every check has passed, just before their first deletion, with what
  // they are about to delete (a refusal is not preceded by a question).
  let declined = false;
  const asked =
    inv.options['yes'] === true
      ? {}
      : {
          confirm: async (question: string): Promise<boolean> => {
            const yes = (await confirm(rt.io, question)) === 'yes';
            declined = !yes;
            return yes;
          },
        };
  let result;
  if (inv.action === 'start') {
    result = await core.startMigration(clients, startInput!, base);
  } else {
    if (inv.action === 'finish') {
      result = await core.finishMigration(clients, id.value, {
        ...base,
        ...asked,
        ...(inv.options['force'] === true ? { force: true } : {}),
        ...(inv.options['keep-old-identity'] === true ? { keepOldIdentity: true } : {}),
        ...(inv.options['ignore-recent-use'] === true ? { ignoreRecentUse: true } : {}),
      });
    } else {
      result = await core.rollbackMigration(clients, id.value, {
        ...base,
        ...asked,
        ...(inv.options['ignore-recent-use'] === true ? { ignoreRecentUse: true } : {}),
      });
    }
  }
  if (result.isErr() && declined) {
    printer.note('Nothing changed.');
    return EXIT.failure;
  }
  if (result.isErr()) return rt.fail(result.error);
  printer.data({ ok: true, migration: result.value, status: core.describeMigration(result.value, { nowInMs: Date.now() }) });
  printRecord(rt, result.value);
  if (inv.action === 'finish' || inv.action === 'rollback') printDeleted(rt, result.value, inv.action);
  return EXIT.ok;
}
