/** `wif apply`: converge every connection of the spec; on a terminal, show the plan and ask first. */
import type { ApplyOptions, ApplyReport, ConnectionReport, Plan, ResolvedSpec, ValidationError, WifClients } from '@wif/core';
import { err, type Result, type ResultAsync } from 'neverthrow';
import { intOption, type Invocation, stringOption } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import type { PrintableError, Printer } from '../output';
import type { Runtime } from '../runtime';
import { confirmPlan, needsYes } from './_confirm';
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
    c.status === 'converged' ? colors.green('✓') : c.status === 'skipped' ? colors.dim('-') : colors.red('✗'),
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
      printer.note(`  ${colors.red('leftover')} ${l.kind} ${l.name} (${l.id}): remove it by hand — ${l.error.message}\n    ${l.command}`);
  }
  for (const o of report.orphans) {
    printer.note(
      `${o.status === 'deleted' ? colors.green('pruned') : o.status === 'kept' ? colors.dim('kept') : colors.red(o.status)} orphan ${o.project}/${o.name}`,
    );
    for (const l of o.leftovers)
      printer.note(`  ${colors.red('leftover')} ${l.kind} ${l.name} (${l.id}): remove it by hand — ${l.error.message}\n    ${l.command}`);
  }
  const s = report.summary;
  printer.line(
    `Applied to ${report.organization} in ${(report.durationInMs / 1000).toFixed(1)}s: ${s.converged} converged (${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged)` +
      (s.failed + s.rolledBack + s.rollbackIncomplete > 0
        ? `, ${colors.red(`${s.failed} failed, ${s.rolledBack} rolled back, ${s.rollbackIncomplete} rollback incomplete`)}`
        : '') +
      (s.refused > 0 ? `, ${colors.red(`${s.refused} refused (nothing written)`)}` : '') +
      (s.skipped > 0 ? `, ${s.skipped} skipped (--atomic)` : '') +
      (s.pruned > 0 ? `, ${s.pruned} orphan(s) pruned` : '') +
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

/**
 * The largest saved plan `--plan` reads. A new connection takes about 2 KB of plan and a spec at its
 * 1 MB cap holds some 5,000: 64 MB leaves room for plans of updates (before and after) at that size.
 */
const MAX_PLAN_BYTES = 64 * 1024 * 1024;

/** Reads `--plan FILE` (a plan saved by `wif plan --out`). */
async function loadSavedPlan(rt: Runtime, path: string): Promise<Result<Plan, PrintableError>> {
  const text = await rt.readText(path, 'plan', MAX_PLAN_BYTES);
  if (text.isErr()) return err(text.error);
  return rt.core.parseSavedPlan(text.value);
}

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const concurrency = intOption(inv.options, 'concurrency', { min: 1, max: 64 }, 'apply');
  if (concurrency.isErr()) return rt.fail(concurrency.error);
  const yes = inv.options['yes'] === true;
  const prune = inv.options['prune'] === true;
  const planPath = stringOption(inv.options, 'plan');
  const refusedEarly = needsYes(rt, yes, 'apply');
  if (refusedEarly !== undefined) return refusedEarly;

  // The plan: the saved one (with --config, the spec must be the one it was made from), or a fresh one.
  let p: Plan;
  let clients: WifClients;
  let current: ResolvedSpec | undefined;
  if (planPath) {
    const saved = await loadSavedPlan(rt, planPath);
    if (saved.isErr()) return rt.fail(saved.error);
    p = saved.value;
    const configPath = stringOption(inv.options, 'config');
    if (configPath) {
      const loaded = await rt.loadSpec(configPath);
      if (loaded.isErr()) return rt.fail(loaded.error);
      current = loaded.value;
    }
    const org = rt.organization(p.spec);
    if (org.isErr()) return rt.fail(org.error);
    const made = await rt.clients(org.value);
    if (made.isErr()) return rt.fail(made.error);
    clients = made.value;
  } else {
    const prepared = await prepare(rt, inv.options);
    if (prepared.isErr()) return rt.fail(prepared.error);
    clients = prepared.value.clients;
    const planned = await rt.core.plan(clients, prepared.value.spec, {
      orphans: true,
      ...(concurrency.value ? { concurrency: concurrency.value } : {}),
      ...(rt.abortSignal ? { abortSignal: rt.abortSignal } : {}),
    });
    if (planned.isErr()) return rt.fail(planned.error);
    p = planned.value;
  }

  // Always shows the plan, refusals included; asks on a terminal whenever anything would be written.
  const stop = await confirmPlan(rt, yes, p, 'apply', { prune });
  if (stop !== undefined) return stop;

  // Executes exactly that plan: each connection re-checked before its first write (StalePlan).
  const applied = await converge(rt, p.spec, (progress) =>
    rt.core.apply(clients, p, {
      ...applyOptions(inv.options, concurrency.value),
      ...(prune ? { prune: true } : {}),
      ...(inv.options['atomic'] === true ? { atomic: true } : {}),
      ...(current ? { spec: current } : {}),
      ...progress,
    }),
  );
  if (applied.isErr()) return rt.fail(applied.error);
  const report = applied.value;
  rt.printer.data(report);
  printApplyReport(rt.printer, report);
  return report.ok ? EXIT.ok : EXIT.failure;
}
