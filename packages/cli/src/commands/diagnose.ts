/**
 * `wif diagnose "<error text>"`: what went wrong and how to fix it. From the text alone it needs no
 * credentials; with `--connection` (and `--project`, or a spec that names the connection) it also
 * reads live state to confirm the cause.
 */
import type { Diagnosis } from '@wif/core/diagnose';
import { type Invocation, stringOption } from '../args';
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

  const result = await core.diagnose(
    clients,
    {
      text,
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
