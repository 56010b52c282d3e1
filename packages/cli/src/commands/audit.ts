/**
 * `wif audit`: every service connection of the organization, checked for risks (read-only). Output
 * streams as the audit goes (see ./_auditOutput.ts); the exit code is 1 when any part of the
 * organization could not be read, whatever `--fail-on` says, else 4 when a finding is at or above
 * `--fail-on`, else 0.
 */
import { resolve } from 'node:path';
import type { AuditFinding, AuditRecord, FailOn, Severity } from '@wif/core/audit';
import { type Invocation, listOption, stringOption } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import type { Runtime } from '../runtime';
import {
  AUDIT_FORMATS,
  type AuditFormat,
  type AuditWriter,
  fileSink,
  type Incomplete,
  jsonWriter,
  junitWriter,
  ndjsonWriter,
  sarifWriter,
  type Sink,
  streamSink,
  tableWriter,
} from './_auditOutput';
import { prepareOptional } from './_prepare';

type Inv = Extract<Invocation, { options: unknown }>;

interface Target {
  readonly format: AuditFormat;
  readonly file?: string;
}

/** `--output FORMAT[=FILE]`, repeatable; at most one output on stdout. Default: `json` with `--json`, else `table`. */
export function parseOutputs(values: readonly string[], json: boolean): { ok: true; targets: Target[] } | { ok: false; message: string } {
  const targets: Target[] = [];
  for (const v of values) {
    const at = v.indexOf('=');
    const format = (at < 0 ? v : v.slice(0, at)).toLowerCase();
    const file = at < 0 ? undefined : v.slice(at + 1);
    if (!(AUDIT_FORMATS as readonly string[]).includes(format)) {
      return { ok: false, message: `--output must be one of ${AUDIT_FORMATS.join(', ')} (optionally FORMAT=FILE), not "${v}".` };
    }
    if (file === '') return { ok: false, message: `--output ${format}= needs a file name after "=".` };
    targets.push({ format: format as AuditFormat, ...(file !== undefined ? { file } : {}) });
  }
  if (!targets.some((t) => t.file === undefined)) targets.unshift({ format: json ? 'json' : 'table' });
  if (targets.filter((t) => t.file === undefined).length > 1) {
    return { ok: false, message: 'Only one --output can go to stdout; give the others a file (FORMAT=FILE).' };
  }
  return { ok: true, targets };
}

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const { core, printer } = rt;
  const failOnText = stringOption(inv.options, 'fail-on');
  if (failOnText !== undefined && !(core.SEVERITIES as readonly string[]).includes(failOnText)) {
    return rt.fail({ kind: 'Usage', message: `--fail-on must be one of ${core.SEVERITIES.join(', ')}, not "${failOnText}".` });
  }
  const failOn = failOnText as Severity | undefined;
  const outputs = parseOutputs(listOption(inv.options, 'output'), printer.json);
  if (!outputs.ok) return rt.fail({ kind: 'Usage', message: outputs.message });
  // `--query` selects from the one JSON document: that document is kept whole (the audit streams it
  // otherwise) and printed through the query at the end. Other formats on stdout have no document.
  const query = rt.global.query;
  const stdoutTarget = outputs.targets.find((t) => t.file === undefined);
  if (query !== undefined && stdoutTarget?.format !== 'json')
    return rt.fail({
      kind: 'Usage',
      message: `--query selects from the JSON document: it cannot go with --output ${stdoutTarget?.format ?? ''} on stdout (write that format to a file: --output FORMAT=FILE).`,
    });
  const kept: string[] = [];
  const prepared = await prepareOptional(rt, inv.options);
  if (prepared.isErr()) return rt.fail(prepared.error);
  const { spec: resolved, organization, clients } = prepared.value;

  const sinks: Sink[] = [];
  const writers: AuditWriter[] = [];
  let opening: string | undefined;
  try {
    for (const t of outputs.targets) {
      opening = t.file;
      const sink: Sink = t.file
        ? fileSink(resolve(rt.io.cwd, t.file))
        : query !== undefined
          ? { write: (text) => void kept.push(text), close: () => undefined }
          : streamSink((text) => void rt.io.stdout.write(text));
      sinks.push(sink);
      writers.push(writerFor(rt, t.format, sink, t.file === undefined, organization, failOn));
    }
  } catch (e) {
    for (const s of sinks) s.close();
    return rt.fail({
      kind: 'Usage',
      message: `Cannot write the audit output${opening === undefined ? '' : ` to ${opening}`}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
    });
  }

  const progress = rt.progress();
  progress.start('audit', `audit ${organization}`);
  // The managed identities the spec names: their connections are checked against the identity, and stale credentials reported.
  const identities = new Map(
    (resolved?.connections ?? []).flatMap((c) =>
      c.managedIdentity
        ? [
            [
              `${c.managedIdentity.subscriptionId}/${c.managedIdentity.resourceGroup}/${c.managedIdentity.name}`.toLowerCase(),
              c.managedIdentity,
            ] as const,
          ]
        : [],
    ),
  );
  const audit = core.auditConnections(clients, {
    ...(resolved ? { tenantId: resolved.tenantId } : {}),
    ...(identities.size > 0 ? { managedIdentities: [...identities.values()] } : {}),
    ...(rt.abortSignal ? { abortSignal: rt.abortSignal } : {}),
  });
  const tally = core.createAuditTally({ failOn: failOn ?? 'never' });
  let unreadable: AuditFinding | undefined;
  try {
    for await (const raw of audit) {
      // Each record redacted on its own: nothing is collected to be redacted at the end.
      const record = redactRecord(core, raw);
      for (const f of record.findings) {
        tally.add(f);
        if (core.UNREADABLE_CODES.has(f.code) && moreSerious(f, unreadable)) unreadable = f;
      }
      for (const w of writers) w.record(record);
    }
    const stats = audit.stats;
    const aborted = rt.abortSignal?.aborted === true;
    const incomplete = aborted
      ? {
          cause: 'network' as const,
          message: 'The audit was interrupted: the output covers only what was read.',
          fix: 'Run the audit again.',
        }
      : incompleteness(core, organization, stats, unreadable);
    const summary = tally.summary();
    progress.finish(
      'audit',
      incomplete === null,
      `${stats.connections} connections in ${stats.projects} projects, ${stats.findings} findings`,
    );
    progress.stop();
    for (const w of writers) w.end({ organization, stats, summary, incomplete, ok: incomplete === null && !summary.failed });
    // The kept document, through the query (the printer applies it, as for every other command).
    if (query !== undefined) printer.data(JSON.parse(kept.join('')));
    if (incomplete) {
      printer.note(printer.colors.red(`✗ ${incomplete.message}`));
      printer.note(`    cause: ${incomplete.cause}`);
      printer.note(`    fix: ${printer.colors.yellow(incomplete.fix)}`);
      return EXIT.failure;
    }
    return summary.failed ? EXIT.findings : EXIT.ok;
  } finally {
    progress.stop();
    for (const s of sinks) s.close();
  }
}

/**
 * `redactDeep` of a record, walking its connection once: each finding of the record carries the same
 * connection object, which would otherwise be redacted again for every finding.
 */
export function redactRecord(core: Pick<Runtime['core'], 'redactDeep'>, raw: AuditRecord): AuditRecord {
  const connection = raw.connection === null ? null : core.redactDeep(raw.connection);
  return {
    connection,
    checks: raw.checks,
    findings: raw.findings.map((f) =>
      f.connection !== null && f.connection === raw.connection
        ? { ...core.redactDeep({ ...f, connection: null }), connection }
        : core.redactDeep(f),
    ),
  };
}

function writerFor(
  rt: Runtime,
  format: AuditFormat,
  sink: Sink,
  toStdout: boolean,
  organization: string,
  failOn: FailOn | undefined,
): AuditWriter {
  const { core, printer } = rt;
  switch (format) {
    case 'ndjson':
      return ndjsonWriter(sink);
    case 'json':
      return jsonWriter(sink, organization);
    case 'junit':
      return junitWriter(sink, core, organization, failOn);
    case 'sarif':
      return sarifWriter(sink, core, organization);
    case 'table':
      // On stdout the table goes through the printer (its redaction and escaping); to a file, as plain lines.
      return toStdout && !printer.json
        ? tableWriter((t) => printer.line(t), printer.colors.bold, core)
        : tableWriter(
            (t) => sink.write(`${core.redact(t)}\n`),
            (t) => t,
            core,
          );
  }
}

const UNREADABLE_ORDER = ['OrganizationUnreadable', 'ProjectUnreadable', 'IdentityUnreadable', 'RolesUnreadable', 'GovernanceUnreadable'];

/** Whether `f` explains an incomplete run better than `than` (the organization before a project before an identity). */
function moreSerious(f: AuditFinding, than: AuditFinding | undefined): boolean {
  return than === undefined || UNREADABLE_ORDER.indexOf(f.code) < UNREADABLE_ORDER.indexOf(than.code);
}

/** `null` for a run that read everything; otherwise what was missed, why, and what to do. */
function incompleteness(
  core: Runtime['core'],
  organization: string,
  stats: { complete: boolean; unreadableProjects: number; unreadableIdentities: number; unreadableGovernance: number },
  first: AuditFinding | undefined,
): Incomplete | null {
  if (stats.complete && stats.unreadableProjects === 0 && stats.unreadableIdentities === 0 && stats.unreadableGovernance === 0) return null;
  const missed = [
    !stats.complete ? 'the project list' : '',
    stats.unreadableProjects > 0 ? `${stats.unreadableProjects} project${stats.unreadableProjects === 1 ? '' : 's'}` : '',
    stats.unreadableIdentities > 0
      ? `the identity of ${stats.unreadableIdentities} connection${stats.unreadableIdentities === 1 ? '' : 's'}`
      : '',
    stats.unreadableGovernance > 0
      ? `the checks, pipeline access or security roles of ${stats.unreadableGovernance} connection${stats.unreadableGovernance === 1 ? '' : 's'}`
      : '',
  ].filter(Boolean);
  const kind = typeof first?.details['errorKind'] === 'string' ? first.details['errorKind'] : 'Unknown';
  const cause = core.readFailureCause(kind);
  const service = typeof first?.details['service'] === 'string' ? first.details['service'] : undefined;
  return {
    cause,
    message: `The audit of ${organization} is incomplete: it could not read ${missed.join(', ')} (${cause}${first ? `: ${first.message}` : ''}).`,
    fix: first ? core.unreadableFix(first.code, cause, { organization, service }) : 'Run the audit again.',
  };
}
