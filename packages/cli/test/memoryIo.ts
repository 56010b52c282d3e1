/** An in-memory `CliIo` for tests: what was written, per stream. */
import { Readable } from 'node:stream';
import type { CliIo } from '../src/io';

export interface MemoryIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
}

/** `input` is what the user types (stdin); `tty` makes all three streams terminals. */
export function memoryIo(
  options: { env?: Record<string, string>; tty?: boolean; cwd?: string; abortSignal?: AbortSignal; input?: string } = {},
): MemoryIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const tty = options.tty === true;
  return {
    stdout: { write: (t: string) => stdout.push(t), isTTY: tty },
    stderr: { write: (t: string) => stderr.push(t), isTTY: tty },
    stdin: Object.assign(Readable.from(options.input === undefined ? [] : [options.input]), { isTTY: tty }),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    out: () => stdout.join(''),
    err: () => stderr.join(''),
  };
}
