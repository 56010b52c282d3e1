/**
 * Migrates one secret-based connection to workload identity federation: start (inventory, new app,
 * copied roles, new connection carrying the old one's approvals, checks and security roles, bound and
 * verified credential), report the pipelines to repoint and the ones still running with the old
 * connection, and — once the soak period is over, or with --force, and no pipeline still uses it —
 * clean up the old connection and identity.
 * The journal makes every step resumable: run it again after an interruption.
 *
 *   WIF_EMULATOR_URL=… pnpm exec tsx examples/migrate.ts shared sc-shared-deploy --force
 */
import { fileJournal, finishMigration, migrationStatus, migrationUsage, startMigration } from '@wif/core/migration';
import { connect, runIfMain } from './_clients';

export async function main(args = process.argv.slice(2)): Promise<number> {
  const [project, connectionName] = args;
  const force = args.includes('--force');
  if (!project || !connectionName) {
    console.error('usage: migrate.ts PROJECT CONNECTION [--force]');
    return 2;
  }
  const tenantId = process.env['AZURE_TENANT_ID'] ?? '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const { clients } = await connect(process.env['WIF_ORG'] ?? 'contoso');
  const journal = fileJournal(process.env['WIF_JOURNAL'] ?? 'wif-migrations.json');

  const started = await startMigration(clients, { project, connectionName, tenantId }, { journal });
  if (started.isErr()) return fail(started.error.message);
  const record = started.value;
  console.log(`migration ${record.id}: new connection ready`);

  const status = await migrationStatus(journal);
  if (status.isErr()) return fail(status.error.message);
  for (const s of status.value)
    console.log(`  ${s.oldConnection.name} → ${s.newConnection?.name ?? '(none yet)'}: ${s.phase}, next ${s.nextStep ?? 'nothing'}`);

  // The pipelines that ran with the old connection since the new one went live: still to repoint.
  const usage = await migrationUsage(clients, record.id, { journal });
  if (usage.isErr()) return fail(usage.error.message);
  for (const u of usage.value.uses) console.log(`  still on ${record.old.name}: ${u.pipeline} in ${u.project} (last ${u.at})`);

  const finished = await finishMigration(clients, record.id, { journal, force });
  if (finished.isErr()) {
    if (finished.error.kind === 'SoakNotOver' || finished.error.kind === 'OldConnectionInUse') {
      console.log(`soaking: ${finished.error.message}`);
      return 0;
    }
    return fail(finished.error.message);
  }
  console.log('old connection, its role assignments and its app removed');
  return 0;
}

function fail(message: string): number {
  console.error(message);
  return 1;
}

runIfMain(import.meta.url, main);
