/**
 * Presenting audit findings: a plain-text table for people, a summary with a pass/fail verdict for
 * pipelines. Pure functions: the CLI prints what they return.
 */
import { type AuditCode, type AuditFinding, FIXES, type Severity, SEVERITIES, severityRank } from './findings';

/** What {@link summarizeAudit} fails on: a severity, or `never`. */
export type FailOn = Severity | 'never';

export interface AuditSummary {
  readonly total: number;
  /** Findings per severity (every severity present, 0 when none). */
  readonly bySeverity: Readonly<Record<Severity, number>>;
  /** Findings per code (only codes that occurred). */
  readonly byCode: Readonly<Partial<Record<AuditCode, number>>>;
  /** The most severe finding's severity, or `null` when there are none. */
  readonly worst: Severity | null;
  readonly failOn: FailOn;
  /** True when at least one finding is at or above `failOn`. */
  readonly failed: boolean;
  /** `1` when failed, else `0`: hand it to `process.exitCode` in a nightly job. */
  readonly exitCode: 0 | 1;
}

/**
 * Counts findings and decides whether a pipeline should fail: `failed` is true when any finding's
 * severity is at or above `failOn` (default `high`: `high` and `critical` fail, `medium` and below
 * do not; `never` never fails). Pure; no request.
 *
 * @example
 * const summary = summarizeAudit(findings, { failOn: 'high' });
 * if (summary.failed) process.exitCode = summary.exitCode;
 */
export function summarizeAudit(findings: Iterable<AuditFinding>, options: { readonly failOn?: FailOn } = {}): AuditSummary {
  const tally = createAuditTally(options);
  for (const f of findings) tally.add(f);
  return tally.summary();
}

/** A running {@link AuditSummary}: add findings as they stream, read the summary at any time. */
export interface AuditTally {
  add(finding: AuditFinding): void;
  /** The summary of what was added so far. */
  summary(): AuditSummary;
}

/**
 * Counts findings as they come, in constant memory (a count per severity and per code), so a
 * streaming consumer never keeps the findings to summarise them. Pure; no request.
 *
 * @example
 * const tally = createAuditTally({ failOn: 'high' });
 * for await (const f of auditOrganization(clients)) { write(f); tally.add(f); }
 * process.exitCode = tally.summary().exitCode;
 */
export function createAuditTally(options: { readonly failOn?: FailOn } = {}): AuditTally {
  const failOn = options.failOn ?? 'high';
  const bySeverity: Record<Severity, number> = { info: 0, low: 0, medium: 0, high: 0, critical: 0 };
  const byCode: Partial<Record<AuditCode, number>> = {};
  let total = 0;
  let worst: Severity | null = null;
  return {
    add(f) {
      total += 1;
      bySeverity[f.severity] += 1;
      byCode[f.code] = (byCode[f.code] ?? 0) + 1;
      if (worst === null || severityRank(f.severity) > severityRank(worst)) worst = f.severity;
    },
    summary() {
      const failed = failOn !== 'never' && worst !== null && severityRank(worst) >= severityRank(failOn);
      return { total, bySeverity: { ...bySeverity }, byCode: { ...byCode }, worst, failOn, failed, exitCode: failed ? 1 : 0 };
    },
  };
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/**
 * Renders findings as a plain-text table (most severe first), then the fix of each code that
 * occurred, then a one-line count by severity. Pure; no colour, no trailing spaces.
 *
 * @example
 * process.stdout.write(formatAuditTable(findings));
 */
export function formatAuditTable(findings: readonly AuditFinding[]): string {
  if (findings.length === 0) return 'No findings.\n';
  const sorted = [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.code.localeCompare(b.code) ||
      (a.connection?.name ?? a.project?.name ?? '').localeCompare(b.connection?.name ?? b.project?.name ?? ''),
  );
  const header = ['SEVERITY', 'FINDING', 'CONNECTION', 'PROJECTS', 'MESSAGE'];
  const rows = sorted.map((f) => [
    f.severity,
    f.code,
    clip(f.connection ? f.connection.name : '-', 40),
    clip(f.connection ? f.connection.projects.map((p) => p.name).join(', ') : (f.project?.name ?? '-'), 30),
    f.message,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const codes = [...new Set(sorted.map((f) => f.code))];
  const summary = summarizeAudit(findings, { failOn: 'never' });
  const counts = [...SEVERITIES]
    .reverse()
    .filter((s) => summary.bySeverity[s] > 0)
    .map((s) => `${summary.bySeverity[s]} ${s}`)
    .join(', ');
  return [
    line(header),
    ...rows.map(line),
    '',
    'How to fix:',
    ...codes.map((c) => `  ${c}: ${FIXES[c]}`),
    '',
    `${summary.total} finding${summary.total === 1 ? '' : 's'}: ${counts}.`,
    '',
  ].join('\n');
}
