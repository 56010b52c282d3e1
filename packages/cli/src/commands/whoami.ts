/**
 * `wif whoami`: who wif runs as in each service, and — with a spec — whether it may make the spec's
 * writes: one entry per (service, scope or project, permission), `granted`, `missing` or `unknown`.
 * Read-only (docs/security.md, "Preflight"). Exit 1 when a permission is missing.
 */
import type { PreflightCheck, PreflightReport } from '@wif/core';
import type { Invocation } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import type { Colors } from '../output';
import type { Runtime } from '../runtime';
import { prepareOptional } from './_prepare';

type Inv = Extract<Invocation, { options: unknown }>;

function mark(status: PreflightCheck['status'], colors: Colors): string {
  return status === 'granted' ? colors.green('granted') : status === 'missing' ? colors.red('missing') : colors.yellow('unknown');
}

/** The report as JSON: the caller and one entry per (service, scope, permission). */
export const whoamiJson = (report: PreflightReport) => ({
  ok: report.summary.missing === 0,
  caller: report.caller,
  summary: report.summary,
  checks: report.checks,
});

// Service and spec text is escaped by the printer (`escapeOutput`): no logging command, no terminal escape.
export function printWhoami(rt: Pick<Runtime, 'printer'>, report: PreflightReport): void {
  const { printer } = rt;
  if (printer.json) return;
  const { colors } = printer;
  const c = report.caller;
  printer.line(colors.bold(`You are ${c.display}`));
  if (c.entra)
    printer.line(
      `  Entra:        ${c.entra.appOnly ? `app ${c.entra.appId ?? '?'}` : 'user'} · object ${c.entra.objectId ?? '?'} · tenant ${c.entra.tenantId ?? '?'}`,
    );
  if (c.devops) printer.line(`  Azure DevOps: ${c.devops.displayName ?? ''} (identity ${c.devops.id})`);
  if (report.checks.length === 0) return;
  printer.line();
  printer.table(
    ['service', 'scope', 'permission', 'status', 'how to fix / evidence'],
    report.checks.map((k) => [
      k.service,
      k.scope,
      k.permission,
      mark(k.status, colors),
      k.status === 'granted' ? colors.dim(k.evidence) : (k.fix ?? k.evidence),
    ]),
  );
  const s = report.summary;
  printer.line();
  printer.line(
    `${s.granted} granted, ${s.missing ? colors.red(`${s.missing} missing (plan refuses the connections that need them)`) : '0 missing'}, ${s.unknown} unknown (a hint only: never blocks).`,
  );
}

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const prepared = await prepareOptional(rt, inv.options);
  if (prepared.isErr()) return rt.fail(prepared.error);
  const { spec, clients } = prepared.value;
  const writes = spec ? rt.core.writesFromSpec(spec) : [];
  const checked = await rt.core.preflight(clients, writes, { identify: true, ...(rt.abortSignal ? { abortSignal: rt.abortSignal } : {}) });
  if (checked.isErr()) return rt.fail(checked.error);
  rt.printer.data(whoamiJson(checked.value));
  printWhoami(rt, checked.value);
  return checked.value.summary.missing > 0 ? EXIT.failure : EXIT.ok;
}
