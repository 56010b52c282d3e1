/** `wif audit`: every service connection of the organization, checked for risks (read-only). */
import type { AuditFinding, Severity } from '@wif/core/audit';
import { type Invocation, stringOption } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import type { Runtime } from '../runtime';
import { prepareOptional } from './_prepare';

type Inv = Extract<Invocation, { options: unknown }>;

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const { core, printer } = rt;
  const failOn = stringOption(inv.options, 'fail-on');
  if (failOn !== undefined && !(core.SEVERITIES as readonly string[]).includes(failOn)) {
    return rt.fail({ kind: 'Usage', message: `--fail-on must be one of ${core.SEVERITIES.join(', ')}, not "${failOn}".` });
  }
  const prepared = await prepareOptional(rt, inv.options);
  if (prepared.isErr()) return rt.fail(prepared.error);
  const { spec: resolved, organization, clients } = prepared.value;

  const progress = rt.progress();
  progress.start('audit', `audit ${organization}`);
  const audit = core.auditOrganization(clients, {
    ...(resolved ? { tenantId: resolved.tenantId } : {}),
    ...(rt.abortSignal ? { abortSignal: rt.abortSignal } : {}),
  });
  const findings: AuditFinding[] = [];
  for await (const f of audit) findings.push(f);
  const stats = audit.stats;
  progress.finish('audit', stats.complete, `${stats.connections} connections in ${stats.projects} projects, ${stats.findings} findings`);
  progress.stop();

  const summary = core.summarizeAudit(findings, { failOn: (failOn as Severity | undefined) ?? 'never' });
  printer.data({ ok: !summary.failed && stats.complete, organization, stats, summary, findings });
  if (!printer.json) {
    for (const line of core.formatAuditTable(findings).trimEnd().split('\n')) printer.line(line);
    if (!stats.complete) printer.note(printer.colors.yellow('The audit did not finish: the counts above cover only what was read.'));
  }
  if (rt.abortSignal?.aborted) return EXIT.failure;
  return summary.failed ? EXIT.findings : EXIT.ok;
}
