/**
 * The nightly audit: every service connection of the organization, streamed; prints the table and
 * exits 1 when a finding is at or above the threshold (default `high`), so the pipeline fails.
 *
 *   WIF_EMULATOR_URL=… pnpm exec tsx examples/nightly-audit.ts contoso high
 */
import { auditOrganization, formatAuditTable, summarizeAudit, type AuditFinding, type FailOn } from '@wif/core/audit';
import { connect, runIfMain } from './_clients';

export async function main(args = process.argv.slice(2)): Promise<number> {
  const organization = args[0] ?? process.env['WIF_ORG'] ?? 'contoso';
  const failOn = (args[1] ?? 'high') as FailOn;
  const { clients } = await connect(organization);
  const run = auditOrganization(clients);
  const findings: AuditFinding[] = [];
  for await (const finding of run) findings.push(finding);
  console.log(formatAuditTable(findings));
  const summary = summarizeAudit(findings, { failOn });
  console.log(
    `${run.stats.connections} connections in ${run.stats.projects} projects; ${findings.length} findings; threshold ${failOn}: ${summary.exitCode === 0 ? 'pass' : 'FAIL'}`,
  );
  return summary.exitCode;
}

runIfMain(import.meta.url, main);
