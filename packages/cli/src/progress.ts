/**
 * Progress for long work, on stderr: on a terminal a live line per connection (redrawn in place);
 * in CI (`TF_BUILD` or `CI` set) or without a terminal, plain timestamped lines that read well in a
 * pipeline log; with `--json` nothing at all (stdout holds one JSON document).
 */
import { type CliIo, envFlag } from './io';
import { type Colors, escapeOutput } from './output';

export type ProgressMode = 'live' | 'plain' | 'silent';

/** Picks the mode for this process. */
export function progressMode(io: CliIo, options: { readonly json: boolean }): ProgressMode {
  if (options.json) return 'silent';
  // TERM=dumb: a terminal that cannot move the cursor (Emacs shell, some CI consoles): no redraws.
  if (envFlag(io.env, 'TF_BUILD') || envFlag(io.env, 'CI') || io.stderr.isTTY !== true || io.env['TERM'] === 'dumb') return 'plain';
  return 'live';
}

export interface Progress {
  /** A unit of work started (one connection). */
  start(key: string, label: string): void;
  /** It finished; `ok` picks the mark, `text` says how. */
  finish(key: string, ok: boolean, text: string): void;
  /** Stops redrawing; call once, also on failure. */
  stop(): void;
}

interface Line {
  readonly label: string;
  readonly startedAt: number;
  done?: { ok: boolean; text: string };
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Creates a progress reporter. `redact` is applied to every line written; `now` and `intervalInMs`
 * exist for tests.
 */
export function createProgress(
  io: CliIo,
  mode: ProgressMode,
  colors: Colors,
  redact: (text: string) => string,
  options: { readonly now?: () => number; readonly intervalInMs?: number } = {},
): Progress {
  const now = options.now ?? Date.now;
  const write = (text: string): void => void io.stderr.write(redact(text));
  // Labels and texts come from the spec and from services: redacted and escaped before they are drawn.
  const safe = (text: string): string => escapeOutput(redact(text));
  if (mode === 'silent') return { start: () => undefined, finish: () => undefined, stop: () => undefined };

  if (mode === 'plain') {
    const started = new Map<string, { label: string; at: number }>();
    const stamp = (): string => new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return {
      start(key, label) {
        const shown = safe(label);
        started.set(key, { label: shown, at: now() });
        write(`${stamp()} ${shown}: started\n`);
      },
      finish(key, ok, text) {
        const s = started.get(key);
        const took = s === undefined ? '' : ` (${((now() - s.at) / 1000).toFixed(1)}s)`;
        write(`${stamp()} ${s?.label ?? safe(key)}: ${ok ? 'ok' : 'FAILED'}: ${safe(text)}${took}\n`);
      },
      stop: () => undefined,
    };
  }

  const lines = new Map<string, Line>();
  let drawn = 0;
  let frame = 0;
  const render = (): void => {
    frame += 1;
    let text = drawn > 0 ? `\u001b[${drawn}A` : '';
    for (const l of lines.values()) {
      const mark = l.done ? (l.done.ok ? colors.green('✓') : colors.red('✗')) : colors.cyan(SPINNER[frame % SPINNER.length] ?? '-');
      const status = l.done ? l.done.text : colors.dim(`working ${((now() - l.startedAt) / 1000).toFixed(1)}s`);
      text += `\u001b[2K${mark} ${l.label}  ${status}\n`;
    }
    drawn = lines.size;
    write(text);
  };
  const timer = setInterval(render, options.intervalInMs ?? 100);
  timer.unref();
  return {
    start(key, label) {
      lines.set(key, { label: safe(label), startedAt: now() });
      render();
    },
    finish(key, ok, text) {
      const l = lines.get(key);
      if (l) l.done = { ok, text: safe(text) };
      render();
    },
    stop() {
      clearInterval(timer);
      if (lines.size > 0) render();
    },
  };
}
