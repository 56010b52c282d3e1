/**
 * The output formats of `wif audit`, each written as the audit goes: nothing is kept per finding, so
 * memory stays flat however large the organization (docs/audit.md#output-formats).
 *
 * - `ndjson`: one finding per line, then one summary line (`{"summary": …}`).
 * - `json`: one JSON document, `{ organization, findings: [ … ], stats, summary, incomplete, ok }`,
 *   written incrementally: the array is opened, elements are streamed, the summary comes last.
 * - `junit`: JUnit XML as Azure Pipelines' `PublishTestResults@2` reads it: one test suite per
 *   connection, one test case per check that ran on it, a failure per finding at or above the
 *   threshold, an error per part of the organization that could not be read.
 * - `sarif`: SARIF 2.1.0, one result per finding, one rule per finding code.
 * - `table`: a row per finding as it comes, then the fixes and the counts.
 *
 * Every finding is redacted on its own before it is written. Text from the services is written so
 * that it cannot start an Azure Pipelines logging command (`##vso[`, `##[`) or carry a terminal escape.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { AuditCheck, AuditFinding, AuditRecord, AuditStats, AuditSummary, FailOn, ReadFailureCause, Severity } from '@wif/core/audit';
import type { Core } from '../runtime';
import { VERSION } from '../version';

export const AUDIT_FORMATS = ['table', 'ndjson', 'json', 'junit', 'sarif'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

/** Where one output goes: stdout, or a file written in chunks (never held whole in memory). */
export interface Sink {
  write(text: string): void;
  close(): void;
}

/** A file sink: buffered up to 64 KiB, then written synchronously, so a fast audit cannot queue output in memory. */
export function fileSink(path: string): Sink {
  const fd = openSync(path, 'w');
  let buffer = '';
  const flush = (): void => {
    if (buffer) writeSync(fd, buffer);
    buffer = '';
  };
  return {
    write(text) {
      buffer += text;
      if (buffer.length >= 65_536) flush();
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}

/**
 * Stdout in chunks of up to 16 KiB (one write per chunk, not per finding), flushed at least every
 * 200 ms so a slow audit still shows its findings as they come.
 */
export function streamSink(write: (text: string) => void): Sink {
  let buffer = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buffer) write(buffer);
    buffer = '';
  };
  return {
    write(text) {
      buffer += text;
      if (buffer.length >= 16_384) flush();
      else timer ??= setTimeout(flush, 200).unref();
    },
    close: flush,
  };
}

/** Why the run is incomplete, from the first unreadable finding of the most serious kind. */
export interface Incomplete {
  readonly cause: ReadFailureCause;
  readonly message: string;
  readonly fix: string;
}

/** What every format writes at the end. */
export interface AuditEnd {
  readonly organization: string;
  readonly stats: AuditStats;
  readonly summary: AuditSummary;
  readonly incomplete: Incomplete | null;
  readonly ok: boolean;
}

export interface AuditWriter {
  /** One connection's record (or one organization/project finding), already redacted. */
  record(record: AuditRecord): void;
  end(end: AuditEnd): void;
}

/** JSON text that cannot start a pipeline logging command: `#` before `[` or `vso[` becomes `\u0023` (same value once parsed). */
export function jsonSafe(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/#(?=#(?:vso)?\[)/gi, '\\u0023');
}

/** XML text: escaped; the control characters XML 1.0 forbids (terminal escapes among them) written as `\uXXXX` text; `##` before `[` broken up. */
export function xmlSafe(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/#(?=#(?:vso)?\[)/gi, '&#35;');
}

const where = (f: AuditFinding): string => f.connection?.name ?? f.project?.name ?? '-';

export function ndjsonWriter(sink: Sink): AuditWriter {
  return {
    record(r) {
      for (const f of r.findings) sink.write(`${jsonSafe(f)}\n`);
    },
    end(e) {
      sink.write(`${jsonSafe({ summary: e.summary, stats: e.stats, incomplete: e.incomplete, ok: e.ok, organization: e.organization })}\n`);
    },
  };
}

export function jsonWriter(sink: Sink, organization: string): AuditWriter {
  let first = true;
  sink.write(`{\n  "organization": ${jsonSafe(organization)},\n  "findings": [`);
  return {
    record(r) {
      for (const f of r.findings) {
        sink.write(`${first ? '\n' : ',\n'}    ${jsonSafe(f)}`);
        first = false;
      }
    },
    end(e) {
      const tail = (name: string, value: unknown): string => `  ${JSON.stringify(name)}: ${jsonSafe(value, 2).replace(/\n/g, '\n  ')}`;
      sink.write(
        `${first ? '' : '\n  '}],\n${[tail('stats', e.stats), tail('summary', e.summary), tail('incomplete', e.incomplete), tail('ok', e.ok)].join(',\n')}\n}\n`,
      );
    },
  };
}

const rank = (s: Severity): number => ['info', 'low', 'medium', 'high', 'critical'].indexOf(s);

/**
 * JUnit XML. Without `--fail-on`, every finding is a failure (the report shows them all; the exit
 * code stays 0); `--fail-on never` reports none as a failure.
 */
export function junitWriter(sink: Sink, core: Core, organization: string, failOn: FailOn | undefined): AuditWriter {
  const checkOf = (f: AuditFinding): AuditCheck | null => core.AUDIT_CHECK_OF[f.code];
  const timestamp = new Date().toISOString().slice(0, 19);
  const fails = (s: Severity): boolean => failOn === undefined || (failOn !== 'never' && rank(s) >= rank(failOn));
  let id = 0;
  const attr = (name: string, value: string | number): string => ` ${name}="${xmlSafe(String(value))}"`;
  const suite = (name: string, cases: string[], failures: number, errors: number): void => {
    sink.write(
      `  <testsuite${attr('name', name)}${attr('id', id++)}${attr('package', organization)}${attr('tests', cases.length)}${attr('failures', failures)}${attr('errors', errors)}${attr('skipped', 0)}${attr('time', 0)}${attr('timestamp', timestamp)}${attr('hostname', 'wif')}>\n    <properties />\n${cases.join('')}    <system-out />\n    <system-err />\n  </testsuite>\n`,
    );
  };
  const text = (f: AuditFinding): string =>
    xmlSafe(
      `${f.severity} ${f.code}: ${f.message}\nFix: ${f.fix}${Object.keys(f.details).length ? `\nDetails: ${JSON.stringify(f.details)}` : ''}`,
    );
  sink.write(`<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attr('name', `wif audit ${organization}`)}>\n`);
  return {
    record(r) {
      if (r.connection === null) {
        // A project or the organization could not be read: an error, whatever --fail-on says.
        const f = r.findings[0];
        if (!f) return;
        const name = f.project ? `read project ${f.project.name}` : `read the projects of ${organization}`;
        suite(
          `${organization}: ${f.code}`,
          [
            `    <testcase${attr('name', name)}${attr('classname', `wif.audit.${organization}`)}${attr('time', 0)}>\n      <error${attr('message', `${f.code}: ${f.message}`)}${attr('type', f.code)}>${text(f)}</error>\n    </testcase>\n`,
          ],
          0,
          1,
        );
        return;
      }
      const c = r.connection;
      const projects = c.projects.map((p) => p.name).join(', ');
      let failures = 0;
      const cases = core.AUDIT_CHECKS.filter((check) => r.checks.includes(check)).map((check) => {
        const found = r.findings.filter((f) => checkOf(f) === check);
        const failing = found.filter((f) => fails(f.severity));
        const passing = found.filter((f) => !fails(f.severity));
        if (failing.length > 0) failures += 1;
        const body = [
          ...failing.map(
            (f) => `      <failure${attr('message', `${f.code}: ${f.message}`)}${attr('type', f.code)}>${text(f)}</failure>\n`,
          ),
          ...(passing.length > 0 ? [`      <system-out>${passing.map(text).join('\n')}</system-out>\n`] : []),
        ];
        const open = `    <testcase${attr('name', `${c.name}: ${check}`)}${attr('classname', `wif.audit.${projects || organization}`)}${attr('time', 0)}`;
        return body.length === 0 ? `${open} />\n` : `${open}>\n${body.join('')}    </testcase>\n`;
      });
      suite(`${c.name} (${projects || 'no project'})`, cases, failures, 0);
    },
    end(e) {
      if (e.incomplete) {
        suite(
          `${organization}: completeness`,
          [
            `    <testcase${attr('name', `read all of ${organization}`)}${attr('classname', `wif.audit.${organization}`)}${attr('time', 0)}>\n      <error${attr('message', e.incomplete.message)}${attr('type', e.incomplete.cause)}>${xmlSafe(`${e.incomplete.message}\nFix: ${e.incomplete.fix}`)}</error>\n    </testcase>\n`,
          ],
          0,
          1,
        );
      }
      sink.write('</testsuites>\n');
    },
  };
}

const SARIF_LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

export function sarifWriter(sink: Sink, core: Core, organization: string): AuditWriter {
  const codes = core.AUDIT_CODES;
  const rules = codes.map((code) => ({
    id: code,
    name: code,
    shortDescription: { text: `wif audit finding ${code}` },
    help: { text: core.AUDIT_FIXES[code] },
  }));
  let first = true;
  sink.write(
    `{\n  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",\n  "version": "2.1.0",\n  "runs": [\n    {\n      "tool": ${jsonSafe({ driver: { name: 'wif', version: VERSION, rules } })},\n      "automationDetails": ${jsonSafe({ id: `wif-audit/${organization}/` })},\n      "results": [`,
  );
  return {
    record(r) {
      for (const f of r.findings) {
        const project = f.connection?.projects[0]?.name ?? f.project?.name;
        const result = {
          ruleId: f.code,
          ruleIndex: codes.indexOf(f.code),
          level: SARIF_LEVEL[f.severity],
          message: { text: `${f.message} Fix: ${f.fix}` },
          locations: [
            {
              logicalLocations: [
                {
                  name: where(f),
                  fullyQualifiedName: [organization, project, f.connection?.name].filter(Boolean).join('/'),
                  kind: f.connection ? 'resource' : 'namespace',
                },
              ],
            },
          ],
          partialFingerprints: { wifFinding: `${f.code}/${f.connection?.id ?? f.project?.id ?? organization}` },
          properties: { severity: f.severity, connection: f.connection, project: f.project, details: f.details },
        };
        sink.write(`${first ? '\n' : ',\n'}        ${jsonSafe(result)}`);
        first = false;
      }
    },
    end(e) {
      const invocation = {
        executionSuccessful: e.incomplete === null,
        ...(e.incomplete
          ? { toolExecutionNotifications: [{ level: 'error', message: { text: `${e.incomplete.message} Fix: ${e.incomplete.fix}` } }] }
          : {}),
        properties: { stats: e.stats, summary: e.summary },
      };
      sink.write(`${first ? '' : '\n      '}],\n      "invocations": [${jsonSafe(invocation)}]\n    }\n  ]\n}\n`);
    },
  };
}

/** The table, a row per finding as it comes (widths fixed up front, long cells clipped), then the fixes and the counts. */
export function tableWriter(line: (text: string) => void, bold: (t: string) => string, core: Core): AuditWriter {
  const widths = [8, 22, 32, 24];
  const clip = (t: string, w: number): string => (t.length <= w ? t.padEnd(w) : `${t.slice(0, w - 1)}…`);
  const row = (cells: string[]): string =>
    cells
      .map((c, i) => (i < widths.length ? clip(c, widths[i]!) : c))
      .join('  ')
      .trimEnd();
  let header = false;
  return {
    record(r) {
      for (const f of r.findings) {
        if (!header) {
          line(bold(row(['SEVERITY', 'FINDING', 'CONNECTION', 'PROJECTS', 'MESSAGE'])));
          header = true;
        }
        const projects = f.connection ? f.connection.projects.map((p) => p.name).join(', ') : (f.project?.name ?? '-');
        line(row([f.severity, f.code, f.connection?.name ?? '-', projects, f.message]));
      }
    },
    end(e) {
      if (e.summary.total === 0) {
        line('No findings.');
        return;
      }
      line('');
      line('How to fix:');
      for (const code of core.AUDIT_CODES) if (e.summary.byCode[code]) line(`  ${code}: ${core.AUDIT_FIXES[code]}`);
      line('');
      const counts = (['critical', 'high', 'medium', 'low', 'info'] as const)
        .filter((s) => e.summary.bySeverity[s] > 0)
        .map((s) => `${e.summary.bySeverity[s]} ${s}`)
        .join(', ');
      line(`${e.summary.total} finding${e.summary.total === 1 ? '' : 's'}: ${counts}.`);
    },
  };
}
