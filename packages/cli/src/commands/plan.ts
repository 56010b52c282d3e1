/** `wif plan`: what apply would change, per connection and resource. Sends no write. */
import type { Plan, PlanAction } from '@wif/core';
import { intOption, type Invocation } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import type { Colors, Printer } from '../output';
import type { Runtime } from '../runtime';
import { prepare } from './_prepare';

type Inv = Extract<Invocation, { options: unknown }>;

const MARK: Record<PlanAction, string> = { create: '+', update: '~', unchanged: '=', delete: '-' };

function mark(action: PlanAction, colors: Colors): string {
  const m = MARK[action];
  return action === 'create'
    ? colors.green(m)
    : action === 'update'
      ? colors.yellow(m)
      : action === 'delete'
        ? colors.red(m)
        : colors.dim(m);
}

/** Whether apply would change anything (deletes are only reported: apply never prunes). */
export const planHasChanges = (p: Plan): boolean => p.summary.create + p.summary.update > 0;

/** The plan as people read it: one table per connection, then the totals. */
export function printPlan(printer: Printer, p: Plan): void {
  if (printer.json) return;
  const { colors } = printer;
  for (const c of p.connections) {
    printer.line(colors.bold(`${c.project}/${c.name}`));
    if (c.error) {
      printer.error(c.error);
      continue;
    }
    const rows = c.resources.map((r) => {
      const changes = r.changes.map((ch) => `${ch.field}: ${ch.from ?? '∅'} → ${ch.to ?? '∅'}`).join('; ');
      return [mark(r.action, colors), r.action, r.kind, r.name, [changes, r.note ? colors.dim(r.note) : ''].filter(Boolean).join(' ')];
    });
    printer.table(['', 'action', 'resource', 'name', 'detail'], rows);
    printer.line();
  }
  const s = p.summary;
  printer.line(
    `Plan for ${p.organization}: ${s.create} to create, ${s.update} to update, ${s.unchanged} unchanged, ${s.delete} not in the spec (reported only)` +
      (s.errors ? `, ${colors.red(`${s.errors} connection(s) cannot be planned`)}` : '') +
      '.',
  );
}

/** The plan without the spec it was made from (the caller has that). */
export const planJson = (p: Plan) => ({
  ok: p.summary.errors === 0,
  changes: planHasChanges(p),
  organization: p.organization,
  summary: p.summary,
  connections: p.connections,
});

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const concurrency = intOption(inv.options, 'concurrency', { min: 1, max: 64 }, 'plan');
  if (concurrency.isErr()) return rt.fail(concurrency.error);
  const prepared = await prepare(rt, inv.options);
  if (prepared.isErr()) return rt.fail(prepared.error);
  const { spec, clients } = prepared.value;
  const planned = await rt.core.plan(clients, spec, {
    ...(concurrency.value ? { concurrency: concurrency.value } : {}),
    ...(rt.abortSignal ? { abortSignal: rt.abortSignal } : {}),
  });
  if (planned.isErr()) return rt.fail(planned.error);
  const p = planned.value;
  rt.printer.data(planJson(p));
  printPlan(rt.printer, p);
  if (p.summary.errors > 0) return EXIT.failure;
  return inv.options['exit-code'] === true && planHasChanges(p) ? EXIT.drift : EXIT.ok;
}
