/**
 * Everything the CLI prints goes through a {@link Printer}: readable tables and lines for people,
 * one JSON document for machines (`--json`), and in both cases `redact`/`redactDeep` from
 * `@wif/core` first, so no token or secret reaches a terminal or a log, at any verbosity.
 */
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
  readonly problems?: readonly { readonly path: string; readonly message: string }[];
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
  const lines = [`${colors.red('✗')} ${colors.bold(e.kind)}: ${e.message}`];
  for (const p of e.problems ?? []) lines.push(`    ${p.path || '(input)'}: ${p.message}`);
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
  readonly json: boolean;
  readonly colors: Colors;
  /** A line on stdout (human mode only). */
  line(text?: string): void;
  /** A table on stdout (human mode only). */
  table(header: readonly string[], rows: readonly (readonly string[])[]): void;
  /** A line on stderr: warnings and notes, in both modes. */
  note(text: string): void;
  /** The command's result as one JSON document on stdout (JSON mode only). */
  data(value: unknown): void;
  /** An error: explained on stderr, or `{ ok: false, error }` on stdout in JSON mode. */
  error(e: PrintableError): void;
}

export function createPrinter(io: CliIo, global: Pick<GlobalOptions, 'json' | 'color'>, redactor: Redactor): Printer {
  const colors = colorsFor(io, global);
  // Redact first (on the raw text, where a secret is whole), then escape.
  const safe = (text: string): string => escapeOutput(redactor.redact(text), { keepColors: colors.enabled });
  const out = (text: string): void => void io.stdout.write(`${safe(text)}\n`);
  const note = (text: string): void => void io.stderr.write(`${safe(text)}\n`);
  const json = (value: unknown): void => void io.stdout.write(`${escapeJson(JSON.stringify(redactor.redactDeep(value), null, 2))}\n`);
  return {
    json: global.json,
    colors,
    line: (text = '') => {
      if (!global.json) out(text);
    },
    table: (header, rows) => {
      if (!global.json) out(renderTable(header, rows, colors));
    },
    note,
    data: (value) => {
      if (global.json) json(value);
    },
    error: (e) => {
      if (global.json) json({ ok: false, error: e });
      else for (const l of formatError(e, colors)) note(l);
    },
  };
}
