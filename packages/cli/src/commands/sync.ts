/**
 * `wif sync`: finds drift between the spec and what exists and repairs it (a renamed connection, a
 * changed issuer, a missing or altered credential or role, a lost share). `--detect-only` reads and
 * reports (exit 3 on drift); `--prune` also removes role assignments and security-role holders the spec does not name.
 */
import type { Plan, SyncReport } from '@wif/core';
import { intOption, type Invocation } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import type { Printer } from '../output';
import type { Runtime } from '../runtime';
import { confirmPlan, needsYes } from './_confirm';
import { prepare } from './_prepare';
import { applyOptions, converge, printApplyReport } from './apply';
import { planJson, printPlan } from './plan';

type Inv = Extract<Invocation, { options: unknown }>;

export function printDrifts(printer: Printer, report: SyncReport): void {
  if (printer.json) return;
  if (report.drifts.length === 0) {
    printer.line('No drift: everything matches the spec.');
    return;
  }
  printer.table(
    ['connection', 'resource', 'drift', 'name', 'done', 'changes'],
    report.drifts.map((d) => [
      d.key,
      d.resource,
      d.kind,
      d.name,
      d.action,
      d.changes.map((c) => `${c.field}: ${c.from ?? '∅'} → ${c.to ?? '∅'}`).join('; '),
    ]),
  );
  printer.line();
}

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const concurrency = intOption(inv.options, 'concurrency', { min: 1, max: 64 }, 'sync');
  if (concurrency.isErr()) return rt.fail(concurrency.error);
  const prepared = await prepare(rt, inv.options);
  if (prepared.isErr()) return rt.fail(prepared.error);
  const { spec, clients } = prepared.value;

  if (inv.options['detect-only'] === true) {
    // Reads only: the plan is the drift (an extra role assignment counts too: sync --prune removes it).
    const planned = await rt.core.plan(clients, spec, {
      ...(concurrency.value ? { concurrency: concurrency.value } : {}),
      ...(rt.abortSignal ? { abortSignal: rt.abortSignal } : {}),
    });
    if (planned.isErr()) return rt.fail(planned.error);
    const p = planned.value;
    const drift = p.summary.create + p.summary.update + p.summary.delete > 0;
    rt.printer.data({ ...planJson(p), drift });
    printPlan(rt.printer, p);
    if (p.summary.errors > 0) return EXIT.failure;
    return drift ? EXIT.drift : EXIT.ok;
  }

  const yes = inv.options['yes'] === true;
  const early = needsYes(rt, yes, 'sync');
  if (early !== undefined) return early;
  let target: typeof spec | Plan = spec;
  if (!yes) {
    const planned = await rt.core.plan(clients, spec, rt.abortSignal ? { abortSignal: rt.abortSignal } : {});
    if (planned.isErr()) return rt.fail(planned.error);
    const stop = await confirmPlan(rt, false, planned.value, 'sync');
    if (stop !== undefined) return stop;
    target = planned.value;
  }
  const synced = await converge(rt, spec, (progress) =>
    rt.core.sync(clients, target, {
      ...applyOptions(inv.options, concurrency.value),
      ...(inv.options['prune'] === true ? { prune: true } : {}),
      ...progress,
    }),
  );
  if (synced.isErr()) return rt.fail(synced.error);
  const report = synced.value;
  rt.printer.data(report);
  printDrifts(rt.printer, report);
  printApplyReport(rt.printer, report);
  return report.ok ? EXIT.ok : EXIT.failure;
}
