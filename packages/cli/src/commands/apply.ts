/** `wif apply`: converge every connection of the spec; on a terminal, show the plan and ask first. */
import type { ApplyOptions, ApplyReport, ConnectionReport, ResolvedSpec, ValidationError } from '@wif/core';
import type { Result, ResultAsync } from 'neverthrow';
import { intOption, type Invocation } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import type { Printer } from '../output';
import type { Runtime } from '../runtime';
import { confirmChanges } from './_confirm';
import { prepare } from './_prepare';

type Inv = Extract<Invocation, { options: unknown }>;

/** "3 created, 1 unchanged" for a connection's resources. */
function resourceSummary(c: ConnectionReport): string {
  const counts = new Map<string, number>();
  for (const r of c.resources) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

export function printApplyReport(printer: Printer, report: ApplyReport): void {
  if (printer.json) return;
  const { colors } = printer;
  const rows = report.connections.map((c) => [
    c.status === 'converged' ? colors.green('✓') : colors.red('✗'),
    `${c.project}/${c.name}`,
    c.status === 'converged' ? (c.outcome ?? '') : c.status,
    resourceSummary(c),
    `${(c.durationInMs / 1000).toFixed(1)}s`,
  ]);
  printer.table(['', 'connection', 'result', 'resources', 'time'], rows);
  // One cause, one message: connections that failed alike are printed once, with their count.
  printer.errors(report.connections.flatMap((c) => (c.error ? [{ label: `${c.project}/${c.name}`, error: c.error }] : [])));
  for (const c of report.connections) {
    for (const w of c.trustChain?.warnings ?? []) printer.note(`${colors.yellow('!')} ${c.name}: ${w}`);
    for (const l of c.leftovers)
      printer.note(`  ${colors.red('leftover')} ${l.kind} ${l.name} (${l.id}): remove it by hand — ${l.error.message}`);
  }
  const s = report.summary;
  printer.line(
    `Applied to ${report.organization} in ${(report.durationInMs / 1000).toFixed(1)}s: ${s.converged} converged (${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged)` +
      (s.failed + s.rolledBack > 0 ? `, ${colors.red(`${s.failed} failed, ${s.rolledBack} rolled back`)}` : '') +
      '.',
  );
}

/** Runs apply or sync under progress lines, one per connection. */
export async function converge<R extends ApplyReport>(
  rt: Runtime,
  spec: ResolvedSpec,
  work: (options: ApplyOptions) => ResultAsync<R, ValidationError>,
): Promise<Result<R, ValidationError>> {
  const progress = rt.progress();
  for (const c of spec.connections) progress.start(c.key, `${c.project}/${c.name}`);
  const result = await work({
    ...(rt.abortSignal ? { abortSignal: rt.abortSignal } : {}),
    onConnection: (c) =>
      progress.finish(
        c.key,
        c.status === 'converged',
        c.status === 'converged' ? (c.outcome ?? 'converged') : `${c.status}: ${c.error?.kind ?? ''}`,
      ),
  });
  progress.stop();
  return result;
}

/** apply's options from the command line. */
export function applyOptions(options: Inv['options'], concurrency: number | undefined): ApplyOptions {
  return {
    ...(concurrency ? { concurrency } : {}),
    ...(options['keep-on-failure'] === true ? { keepOnFailure: true } : {}),
    ...(options['skip-verify'] === true ? { skipVerify: true } : {}),
  };
}

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const concurrency = intOption(inv.options, 'concurrency', { min: 1, max: 64 }, 'apply');
  if (concurrency.isErr()) return rt.fail(concurrency.error);
  const prepared = await prepare(rt, inv.options);
  if (prepared.isErr()) return rt.fail(prepared.error);
  const { spec, clients } = prepared.value;
  const stop = await confirmChanges(rt, inv.options['yes'] === true, clients, spec, 'apply');
  if (stop !== undefined) return stop;

  const applied = await converge(rt, spec, (progress) =>
    rt.core.apply(clients, spec, { ...applyOptions(inv.options, concurrency.value), ...progress }),
  );
  if (applied.isErr()) return rt.fail(applied.error);
  const report = applied.value;
  rt.printer.data(report);
  printApplyReport(rt.printer, report);
  return report.ok ? EXIT.ok : EXIT.failure;
}
