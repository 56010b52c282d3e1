/**
 * `wif diagnose "<error text>"`: what went wrong and how to fix it. From the text alone it needs no
 * credentials; with `--connection` (and `--project`, or a spec that names the connection) it also
 * reads live state to confirm the cause. A migration journal (`--journal`, `WIF_JOURNAL`, or
 * wif-migrations.json here) is read when there is one: it knows which connections migrations deleted.
 */
import type { Diagnosis } from '@wif/core/diagnose';
import { existsSync, statSync } from 'node:fs';
import { type Invocation, stringOption } from '../args';
import { journalPath } from './_journal';
import { EXIT, type ExitCode } from '../exitCodes';
import type { Printer } from '../output';
import type { Runtime } from '../runtime';

type Inv = Extract<Invocation, { options: unknown }>;

/** Each diagnosis: cause, confidence and codes, summary, numbered fixes, evidence (to stdout, or `write`). */
export function printDiagnoses(
  printer: Printer,
  diagnoses: readonly Diagnosis[],
  write: (text?: string) => void = (text) => printer.line(text),
): void {
  if (printer.json) return;
  const { colors } = printer;
  diagnoses.forEach((d, i) => {
    if (i > 0) write('');
    write(`${colors.bold(d.cause)} ${colors.dim(`(${d.confidence}${d.codes.length ? `; ${d.codes.join(', ')}` : ''})`)}`);
    write(`  ${d.summary}`);
    if (d.fix.length) write(`  ${colors.green('Fix:')}`);
    d.fix.forEach((f, n) => write(`    ${n + 1}. ${f}`));
    if (d.evidence.length) write(`  ${colors.cyan('Evidence:')}`);
    for (const e of d.evidence) write(`    - ${e}`);
  });
}

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const { core, printer } = rt;
  const text = inv.text ?? '';
  const connectionName = stringOption(inv.options, 'connection');
  let project = stringOption(inv.options, 'project');
  const configPath = rt.configPath(stringOption(inv.options, 'config'));

  let clients: import('@wif/core').WifClients | undefined;
  let managedIdentity: { subscriptionId: string; resourceGroup: string; name: string } | undefined;
  let namedBy: import('@wif/core').ResolvedSpec | undefined;
  if (connectionName) {
    const spec = configPath ? await rt.loadSpec(configPath) : undefined;
    if (spec?.isErr()) return rt.fail(spec.error);
    const resolved = spec?.isOk() ? spec.value : undefined;
    const named = resolved?.connections.find(
      (c) =>
        c.name.toLowerCase() === connectionName.toLowerCase() &&
        (project === undefined || c.project.toLowerCase() === project.toLowerCase()),
    );
    project ??= named?.project;
    // The spec that names the connection: a connection renamed in the portal is found through it.
    if (named) namedBy = resolved;
    // On a managed identity (the spec says so), its credentials are read from ARM, not Graph.
    if (named?.managedIdentity) {
      const { subscriptionId, resourceGroup, name } = named.managedIdentity;
      managedIdentity = { subscriptionId, resourceGroup, name };
    }
    if (!project)
      return rt.fail({
        kind: 'Usage',
        message: `Which project is ${connectionName} in? Give --project (or a --config that names the connection).`,
      });
    const org = rt.organization(resolved);
    if (org.isErr()) return rt.fail(org.error);
    // The input checked before any request, the access check included.
    const valid = core.checkDiagnoseInput({ text, project, connectionName, ...(managedIdentity ? { managedIdentity } : {}) });
    if (valid.isErr()) return rt.fail(valid.error);
    // The connection's trust (Graph, or ARM for a managed identity) and, for a denial, its role assignments (ARM).
    const made = await rt.clients(org.value, { prefetch: ['graph', 'arm'] });
    if (made.isErr()) return rt.fail(made.error);
    clients = made.value;
  }

  // The migration journal, when there is one: a connection a migration deleted is named with its
  // replacement. A journal that cannot be read is noted and left out; the diagnosis goes on.
  let migrations: readonly import('@wif/core/migration').MigrationRecord[] = [];
  const path = journalPath(rt, inv.options);
  if (existsSync(path) && statSync(path).isFile()) {
    // The migration module only when there is a journal to read (runtime.ts loads it for migrate only).
    const { fileJournal, listMigrations } = await import('@wif/core/migration');
    const read = await listMigrations(fileJournal(path));
    if (read.isOk()) migrations = read.value;
    else printer.note(`The migration journal ${path} could not be read (${read.error.message}); diagnosing without it.`);
  }

  const result = await core.diagnose(
    clients,
    {
      text,
      ...(migrations.length > 0 ? { migrations } : {}),
      ...(project && connectionName ? { project, connectionName } : {}),
      ...(managedIdentity ? { managedIdentity } : {}),
      ...(namedBy ? { spec: namedBy } : {}),
    },
    rt.abortSignal ? { abortSignal: rt.abortSignal } : {},
  );
  if (result.isErr()) return rt.fail(result.error);
  const diagnoses = result.value;
  const recognised = diagnoses.some((d) => d.cause !== 'Unknown');
  printer.data({ ok: recognised, diagnoses });
  printDiagnoses(printer, diagnoses);
  return recognised ? EXIT.ok : EXIT.failure;
}
