/**
 * Everything the CLI prints goes through a {@link Printer}: readable tables and lines for people,
 * one JSON document for machines (`--json`), and in both cases `redact`/`redactDeep` from
 * `@wif/core` first, so no token or secret reaches a terminal or a log, at any verbosity.
 */
import { createRequire } from 'node:module';
import type { GlobalOptions } from './args';
import { type CliIo, envFlag } from './io';

/** The redaction functions of `@wif/core`, handed in so this module does not load the SDK. */
export interface Redactor {
  redact(text: string): string;
  redactDeep<T>(value: T): T;
}

type Paint = (text: string) => string;
export interface Colors {
  readonly enabled: boolean;
  readonly bold: Paint;
  readonly dim: Paint;
  readonly red: Paint;
  readonly green: Paint;
  readonly yellow: Paint;
  readonly cyan: Paint;
}

const sgr =
  (open: number, close: number): Paint =>
  (t) =>
    `\u001b[${open}m${t}\u001b[${close}m`;
const plain: Paint = (t) => t;

/** Colours on a terminal, off with `NO_COLOR` (any non-empty value), `TERM=dumb` or `--no-color`; `--color` forces them. */
export function colorsFor(io: CliIo, global: Pick<GlobalOptions, 'color'>): Colors {
  const enabled = global.color ?? (io.stdout.isTTY === true && !envFlag(io.env, 'NO_COLOR') && io.env['TERM'] !== 'dumb');
  if (!enabled) return { enabled, bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  return { enabled, bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };
}

const ANSI = /\u001b\[[0-9;]*m/g;

// The colour codes `colorsFor` writes: with colours on, the only escape sequences that pass `escapeOutput`.
const OWN_SGR = /(\u001b\[(?:1|2|22|31|32|33|36|39)m)/;
// C0 and C1 controls and DEL (tab and newline excepted), format characters (bidi overrides and
// isolates, zero-width), line and paragraph separators.
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu;
// Azure Pipelines logging commands. The agent acts on `##vso[` anywhere in a line of stdout or
// stderr (and a bare CR ends a line); `##[` formats a line (error, warning, group…). The agent's own
// neutraliser turns `##vso` into `**vso`; wif does the same for both prefixes, in any case.
// https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands
const LOGGING_COMMAND = /##(vso)?\[/gi;

/** Whether `text` holds `##vso[` or `##[` anywhere: what {@link escapeOutput} neutralises. */
export const holdsLoggingCommand = (text: string): boolean => text.search(LOGGING_COMMAND) !== -1;

const hex = (c: string, width: number): string => (c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(width, '0');

function escapePiece(text: string): string {
  return text
    .replace(UNPRINTABLE, (c) => ((c.codePointAt(0) ?? 0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u{${hex(c, 4)}}`))
    .replace(LOGGING_COMMAND, (_m, vso: string | undefined) => `**${vso ?? ''}[`);
}

/**
 * Makes text that may hold values from input or a service safe to print on a terminal or in an
 * Azure Pipelines log: control and invisible formatting characters are shown as `\xNN`/`\u{NNNN}`
 * (so no terminal escape, no bare CR, no bidi trick) and `##vso[`/`##[` become `**vso[`/`**[` (so no
 * logging command). With `keepColors`, wif's own colour codes pass. Every printer path calls it;
 * call it too for any text written to `io.stdout`/`io.stderr` another way.
 */
export function escapeOutput(text: string, options: { readonly keepColors?: boolean } = {}): string {
  if (!options.keepColors) return escapePiece(text);
  return text
    .split(OWN_SGR)
    .map((piece, i) => (i % 2 === 1 ? piece : escapePiece(piece)))
    .join('');
}

// In JSON, only string literals can hold such text; a \uNNNN escape keeps the parsed value the same.
const JSON_UNSAFE = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]|##(?=(?:vso)?\[)/giu;
const unicodeEscape = (s: string): string =>
  [...Array(s.length).keys()].map((i) => `\\u${s.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`).join('');

/**
 * The JSON counterpart of {@link escapeOutput}: the same document once parsed, but no line of it can
 * hold `##vso[`, `##[`, a C1 control or a format character (JSON.stringify already escapes C0).
 */
export function escapeJson(json: string): string {
  return json.replace(JSON_UNSAFE, unicodeEscape);
}
/** Length of `text` as a terminal shows it (without colour codes). */
export const visibleLength = (text: string): number => text.replace(ANSI, '').length;

/** Aligns `rows` under `header` with two spaces between columns; the last column is not padded. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], colors: Colors): string {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - visibleLength(c))))
      .join('  ')
      .trimEnd();
  return [colors.bold(line(header)), ...rows.map(line)].join('\n');
}

/** The fields of an error the CLI knows how to explain; anything else prints its kind and message. */
export interface PrintableError {
  readonly kind: string;
  readonly message: string;
  readonly problems?: readonly {
    readonly path: string;
    readonly message: string;
    readonly location?: { readonly source: string; readonly line: number; readonly column: number };
  }[];
  readonly service?: string;
  readonly status?: number;
  readonly code?: string;
  readonly requestId?: string;
  readonly expected?: string;
  readonly actual?: string | null | readonly string[];
  readonly hint?: string;
  readonly firstDifferenceAt?: number;
}

/** Lines explaining an error: what failed, the service's code and request id, the hint. */
export function formatError(e: PrintableError, colors: Colors): string[] {
  const problems = e.problems ?? [];
  // The problems are the message: print each once, with its place in the file.
  const lines =
    e.kind === 'Validation' && problems.length > 0
      ? [
          `${colors.red('✗')} ${colors.bold(e.kind)}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}, nothing was sent:`,
        ]
      : [`${colors.red('✗')} ${colors.bold(e.kind)}: ${e.message}`];
  for (const p of problems) {
    const at = p.location ? `${p.location.source}:${p.location.line}:${p.location.column}: ` : '';
    lines.push(`    ${at}${p.path || '(input)'}: ${p.message}`);
  }
  if (e.kind === 'SubjectMismatch') {
    lines.push(`    connection presents: ${e.expected ?? ''}`);
    lines.push(`    closest credential:  ${typeof e.actual === 'string' ? e.actual : '(none)'}`);
    if (e.firstDifferenceAt !== undefined && e.firstDifferenceAt >= 0) lines.push(`    first difference at: ${e.firstDifferenceAt}`);
  }
  if (e.kind === 'AudienceMismatch')
    lines.push(`    audiences: ${Array.isArray(e.actual) ? e.actual.join(', ') : ''} (expected ${e.expected ?? ''})`);
  if (e.hint) lines.push(`    hint: ${colors.yellow(e.hint)}`);
  const ids = [
    e.service ? `service ${e.service}` : '',
    e.status !== undefined && e.status > 0 ? `HTTP ${e.status}` : '',
    e.code ? `code ${e.code}` : '',
    e.requestId ? `request id ${e.requestId}` : '',
  ].filter(Boolean);
  if (ids.length > 0 && e.kind !== 'Validation') lines.push(colors.dim(`    ${ids.join(', ')}`));
  return lines;
}

/** Where a command's output goes. Every string and value passes redaction first. */
export interface Printer {
  /** Machine output (anything but a plain `-o table`): commands print no tables or lines on stdout. */
  readonly json: boolean;
  /** The `-o` format: `table`, `json`, `yaml`, `ndjson`, or a command's own. */
  readonly output: string;
  readonly colors: Colors;
  /** A line on stdout (human mode only). */
  line(text?: string): void;
  /** A table on stdout (human mode only). */
  table(header: readonly string[], rows: readonly (readonly string[])[]): void;
  /** A line on stderr: warnings and notes, in both modes. */
  note(text: string): void;
  /**
   * The command's result as one document on stdout in machine mode: `--query` applied, then json,
   * yaml or ndjson; a table of the query's result with `-o table --query`. Nothing for a format the
   * command writes itself.
   */
  data(value: unknown): void;
  /** Errors of several units (connections): identical causes are printed once, with their count. */
  errors(items: readonly { readonly label: string; readonly error: PrintableError }[]): void;
  /** An error: explained on stderr, or `{ ok: false, error }` on stdout in JSON mode. */
  error(e: PrintableError): void;
}

/**
 * Dependencies loaded on first use, synchronously: `yaml` (only `-o yaml` needs it) and JMESPath
 * (only `--query` does); loading them up front costs every command's start-up tens of milliseconds.
 * `require` where there is one (the CommonJS build; the bundled `wif`, which bundles them or defines
 * one); else one made for this file. The names stay literal so that the single-file build bundles them.
 */
const fileRequire = (): NodeJS.Require => createRequire(typeof __filename === 'string' ? __filename : import.meta.url);

/** A value as YAML (a spec `wif adopt` writes), long lines kept whole. */
export function asYaml(value: unknown): string {
  return toYaml(value, { lineWidth: 0 });
}

let yamlStringify: typeof import('yaml').stringify | undefined;
function toYaml(value: unknown, options: { lineWidth: number }): string {
  if (!yamlStringify) {
    let yaml: typeof import('yaml');
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, synchronously (see above)
      yaml = require('yaml') as typeof import('yaml');
    } catch {
      yaml = fileRequire()('yaml') as typeof import('yaml');
    }
    yamlStringify = yaml.stringify;
  }
  return yamlStringify(value, options);
}

type Jmespath = typeof import('@jmespath-community/jmespath');
let jmespathSearch: Jmespath['search'] | undefined;
const search: Jmespath['search'] = (data, expression) => {
  if (!jmespathSearch) {
    let jmespath: Jmespath;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, synchronously (see above)
      jmespath = require('@jmespath-community/jmespath') as Jmespath;
    } catch {
      jmespath = fileRequire()('@jmespath-community/jmespath') as Jmespath;
    }
    jmespathSearch = jmespath.search;
  }
  return jmespathSearch(data, expression);
};

/** A value as `-o` asks: json (indented), yaml, or ndjson (a list: one compact line per element). */
export function serialize(value: unknown, format: string): string | undefined {
  if (format === 'json') return `${escapeJson(JSON.stringify(value ?? null, null, 2))}\n`;
  // YAML text is escaped like any printed text: no terminal escape, no logging command.
  if (format === 'yaml') return escapeOutput(toYaml(value ?? null, { lineWidth: 0 }));
  if (format === 'ndjson')
    return (Array.isArray(value) ? value : [value]).map((v: unknown) => `${escapeJson(JSON.stringify(v ?? null))}\n`).join('');
  return undefined;
}

/** A cell of a generic table: scalars as they are, anything else as compact JSON. */
const cell = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean | bigint);

/** `-o table --query …`: a list of objects as columns, a list of scalars as one column, one object as key/value rows. */
export function genericTable(value: unknown, colors: Colors): string {
  if (Array.isArray(value)) {
    if (value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
      const keys = [...new Set(value.flatMap((v) => Object.keys(v as object)))];
      return renderTable(
        keys,
        value.map((v) => keys.map((k) => cell((v as Record<string, unknown>)[k]))),
        colors,
      );
    }
    return value.map(cell).join('\n');
  }
  if (value !== null && typeof value === 'object')
    return renderTable(
      ['key', 'value'],
      Object.entries(value).map(([k, v]) => [k, cell(v)]),
      colors,
    );
  return cell(value);
}

/**
 * The one-line cause of an error for grouping: kind, service, status, code and message. Two
 * connections failing for the same reason have the same key.
 */
const causeKey = (e: PrintableError): string => JSON.stringify([e.kind, e.service, e.status, e.code, e.message]);

export function createPrinter(
  io: CliIo,
  global: Pick<GlobalOptions, 'json' | 'color'> & Partial<Pick<GlobalOptions, 'output' | 'query'>>,
  redactor: Redactor,
): Printer {
  const colors = colorsFor(io, global);
  const output = global.output ?? (global.json ? 'json' : 'table');
  // Redact first (on the raw text, where a secret is whole), then escape.
  const safe = (text: string): string => escapeOutput(redactor.redact(text), { keepColors: colors.enabled });
  const out = (text: string): void => void io.stdout.write(`${safe(text)}\n`);
  const note = (text: string): void => void io.stderr.write(`${safe(text)}\n`);
  // An error is a document on stdout in a machine format (a command's own format gets JSON);
  // with `-o table` (even with --query) it is explained on stderr.
  const printError = (e: PrintableError): void => {
    if (global.json && output !== 'table') {
      const doc = redactor.redactDeep({ ok: false, error: e });
      io.stdout.write(serialize(doc, output) ?? `${escapeJson(JSON.stringify(doc, null, 2))}\n`);
    } else for (const l of formatError(e, colors)) note(l);
  };
  return {
    json: global.json,
    output,
    colors,
    line: (text = '') => {
      if (!global.json) out(text);
    },
    table: (header, rows) => {
      if (!global.json) out(renderTable(header, rows, colors));
    },
    note,
    data: (value) => {
      if (!global.json) return;
      let doc = redactor.redactDeep(value);
      if (global.query !== undefined) {
        try {
          doc = search(doc as Parameters<typeof search>[0], global.query) as typeof doc;
        } catch (e) {
          // main.ts compiled the expression already; this is a function applied to the wrong type.
          printError({ kind: 'Usage', message: `--query "${global.query}" failed on this result: ${(e as Error).message}` });
          return;
        }
      }
      if (output === 'table') {
        out(genericTable(doc, colors));
        return;
      }
      const text = serialize(doc, output);
      if (text !== undefined) io.stdout.write(text);
    },
    error: printError,
    errors: (items) => {
      if (global.json) return;
      const groups = new Map<string, { error: PrintableError; labels: string[] }>();
      for (const { label, error } of items) {
        const key = causeKey(error);
        const g = groups.get(key);
        if (g) g.labels.push(label);
        else groups.set(key, { error, labels: [label] });
      }
      for (const { error, labels } of groups.values()) {
        note(
          colors.bold(
            labels.length === 1
              ? `${labels[0]}:`
              : `${labels.length} connections (${labels.slice(0, 3).join(', ')}${labels.length > 3 ? ', …' : ''}):`,
          ),
        );
        printError(error);
      }
    },
  };
}
