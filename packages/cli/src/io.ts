/**
 * What the CLI touches of its process, as one object so that tests can run a command in-process
 * and read what it printed.
 */

/** A place to write text: `process.stdout`/`process.stderr`, or a buffer in tests. */
export interface OutputStream {
  /** Writes text as is (the CLI adds the newlines). */
  write(text: string): unknown;
  /** True for a terminal: colours, live progress and confirmations are used only then. */
  readonly isTTY?: boolean;
}

/** The process as a command sees it. */
export interface CliIo {
  /** Results: tables, or the one JSON document of `--json`. */
  readonly stdout: OutputStream;
  /** Errors, warnings, progress and the `--verbose` request log. */
  readonly stderr: OutputStream;
  /** Read for confirmations; only ever read when it is a TTY. */
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** Environment variables (`WIF_EMULATOR_URL`, `NO_COLOR`, `TF_BUILD`, credentials' variables, …). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths (`--config`, `--journal`) resolve against it. */
  readonly cwd: string;
  /** Aborted on Ctrl-C: every request and wait of the running command stops. */
  readonly abortSignal?: AbortSignal;
}

/** The real process. */
export function processIo(abortSignal?: AbortSignal): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // Read only to ask for a confirmation: Node makes process.stdin on first access, and for a
    // non-terminal stdin (/dev/null, a file) that is a read stream and 14 more internal modules (~3 ms).
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
    ...(abortSignal ? { abortSignal } : {}),
  };
}

/**
 * Ends the process quietly (exit 0) when the reader of stdout or stderr goes away (`| head -1`):
 * Node ignores SIGPIPE and reports EPIPE as an `error` event, which unhandled prints a stack trace.
 * The reader has all it wanted, so that is not a failure of the command. Other stream errors are
 * left to Node.
 */
export function endOnClosedPipe(...streams: readonly NodeJS.EventEmitter[]): void {
  for (const stream of streams) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(0);
      else throw e;
    });
  }
}

/** Whether `name` is set to something other than empty (how `CI`, `TF_BUILD` and `NO_COLOR` are read). */
export function envFlag(env: CliIo['env'], name: string): boolean {
  const v = env[name];
  return v !== undefined && v !== '';
}
