/** `wif plan`: what apply would change, per connection and resource, and what it refuses. Sends no write. */
import { resolve } from 'node:path';
import type { Plan, PlanAction } from '@wif/core';
import { intOption, type Invocation, stringOption } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import type { Colors, Printer } from '../output';
import { type Runtime, writableFileProblem } from '../runtime';
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

/**
 * Whether apply would write anything: a create or update of a connection it does not refuse, or
 * (with `prune`) an orphan it manages. A `delete` of a connection's resource is only reported
 * (apply removes stale credentials itself once the new one verifies; extras go with `sync --prune`).
 */
export function planWrites(p: Plan, options: { readonly prune?: boolean } = {}): boolean {
  const connections = p.connections.some(
    (c) => c.error === undefined && c.resources.some((r) => r.action === 'create' || r.action === 'update'),
  );
  return connections || (options.prune === true && p.orphans.some((o) => o.managed));
}

/** Whether apply would change anything (plan --exit-code). */
export const planHasChanges = (p: Plan): boolean => p.summary.create + p.summary.update > 0;

/** The plan as people read it: one table per connection (refusals included), the orphans, then the totals. */
export function printPlan(printer: Printer, p: Plan): void {
  if (printer.json) return;
  const { colors } = printer;
  const table = (resources: Plan['connections'][number]['resources']): void => {
    const rows = resources.map((r) => {
      const changes = r.changes.map((ch) => `${ch.field}: ${ch.from ?? '∅'} → ${ch.to ?? '∅'}`).join('; ');
      return [mark(r.action, colors), r.action, r.kind, r.name, [changes, r.note ? colors.dim(r.note) : ''].filter(Boolean).join(' ')];
    });
    if (rows.length > 0) printer.table(['', 'action', 'resource', 'name', 'detail'], rows);
  };
  for (const c of p.connections) {
    printer.line(colors.bold(`${c.project}/${c.name}`));
    table(c.resources);
    const shown = c.refusals.length > 0 ? c.refusals : c.error ? [c.error] : [];
    if (shown.length > 0) {
      // A refusal is apply's decision; an error is a read that failed, so nothing could be decided.
      const why = c.refusals.length > 0 ? 'refused' : 'cannot be planned';
      printer.line(colors.red(`  ${why}: apply writes nothing for ${c.project}/${c.name}`));
      for (const e of shown) printer.error(e);
    }
    printer.line();
  }
  for (const o of p.orphans) {
    printer.line(
      `${colors.bold(`${o.project}/${o.name}`)} ${colors.yellow('orphan')}: ${o.managed ? 'managed by wif and not in the spec: apply --prune deletes it' : o.note}`,
    );
    table(o.resources);
    printer.line();
  }
  if (p.orphanError) {
    const orphanError = p.orphanError;
    // The same failed read as a connection's above (a project that does not exist): said once.
    const same = p.connections.some((c) => c.error?.kind === orphanError.kind && c.error.message === orphanError.message);
    if (same) printer.note(colors.yellow(`Orphans could not be looked for: ${orphanError.kind}, the error shown above.`));
    else {
      printer.note(colors.yellow('Orphans could not be looked for:'));
      printer.error(orphanError);
    }
  }
  // Permissions the preflight could not confirm: shown (escaped by the printer), never blocking (docs/security.md, "Preflight").
  const unknown = p.preflight?.checks.filter((k) => k.status === 'unknown') ?? [];
  if (unknown.length > 0) {
    printer.line(colors.yellow(`Preflight: ${unknown.length} permission(s) wif could not confirm (a hint only; apply will try):`));
    for (const k of unknown) printer.line(`  ${k.service} ${k.permission} on ${k.scope}: ${k.evidence}${k.fix ? ` — ${k.fix}` : ''}`);
    printer.line();
  }
  const s = p.summary;
  // The counts include the changes of refused connections (their tables show them): say that apply makes none of those.
  const held = p.connections
    .filter((c) => c.refusals.length > 0)
    .flatMap((c) => c.resources.filter((r) => r.action !== 'unchanged')).length;
  printer.line(
    `Plan for ${p.organization}: ${s.create} to create, ${s.update} to update, ${s.unchanged} unchanged, ${s.delete} to delete or not in the spec` +
      (s.orphans ? `, ${s.orphans} orphan connection(s) (${orphanFate(p)})` : '') +
      (s.refused
        ? `, ${colors.red(`${s.refused} connection(s) refused`)}${held ? ` (apply makes none of their ${held} change(s))` : ''}`
        : '') +
      (s.errors > s.refused ? `, ${colors.red(`${s.errors - s.refused} connection(s) cannot be planned`)}` : '') +
      '.',
  );
}

/** What becomes of the orphans: their delete rows are not in the counts before them. */
function orphanFate(p: Plan): string {
  const prunable = p.orphans.filter((o) => o.managed).length;
  const kept = p.orphans.length - prunable;
  return [prunable ? `apply --prune deletes ${prunable}` : '', kept ? `${kept} never deleted` : ''].filter(Boolean).join('; ');
}

/** The plan without the spec it was made from (the caller has that); its hash read only when printed as JSON. */
export const planJson = (p: Plan) => ({
  ok: p.summary.errors === 0,
  changes: planHasChanges(p),
  organization: p.organization,
  get specHash() {
    return p.specHash;
  },
  summary: p.summary,
  connections: p.connections,
  orphans: p.orphans,
  ...(p.orphanError ? { orphanError: p.orphanError } : {}),
  ...(p.preflight ? { preflight: { caller: p.preflight.caller, summary: p.preflight.summary, checks: p.preflight.checks } } : {}),
});

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const concurrency = intOption(inv.options, 'concurrency', { min: 1, max: 64 }, 'plan');
  if (concurrency.isErr()) return rt.fail(concurrency.error);
  const out = stringOption(inv.options, 'out');
  // Refused before any request: the reads would be wasted on a plan that cannot be saved.
  const unwritable = out === undefined ? undefined : writableFileProblem(resolve(rt.io.cwd, out));
  if (out !== undefined && unwritable !== undefined)
    return rt.fail({ kind: 'Usage', message: `Cannot save the plan to ${out}: ${unwritable}.` });
  const prepared = await prepare(rt, inv.options);
  if (prepared.isErr()) return rt.fail(prepared.error);
  const { spec, clients } = prepared.value;
  const planned = await rt.core.plan(clients, spec, {
    ...(concurrency.value ? { concurrency: concurrency.value } : {}),
    ...(rt.abortSignal ? { abortSignal: rt.abortSignal } : {}),
  });
  if (planned.isErr()) return rt.fail(planned.error);
  const p = planned.value;
  if (out) {
    const written = await rt.writeText(out, rt.core.serializePlan(p));
    if (written.isErr()) return rt.fail(written.error);
  }
  rt.printer.data(planJson(p));
  printPlan(rt.printer, p);
  if (out) rt.printer.note(`Plan saved to ${out}: apply it with wif apply --plan ${out}.`);
  if (p.summary.errors > 0) return EXIT.failure;
  return inv.options['exit-code'] === true && planHasChanges(p) ? EXIT.drift : EXIT.ok;
}
