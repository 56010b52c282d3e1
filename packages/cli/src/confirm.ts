/**
 * Confirmation before a change (apply, sync, migrate finish): asked only on a terminal. Without one
 * and without `--yes` the command refuses (exit 2): a pipeline must say `--yes` explicitly.
 */
import type { CliIo } from './io';
import { escapeOutput } from './output';
import { nodeBuiltin } from './nodeBuiltin';

export type Confirmation = 'yes' | 'no' | 'cannot-ask';

/** Whether there is a terminal to ask on. */
export const canAsk = (io: CliIo): boolean => io.stdin.isTTY === true && io.stderr.isTTY === true;

/**
 * Why a confirmation cannot be asked, and what to do: `{what}: stdin is not a terminal (…), pass --yes`.
 * Names the stream that is not a terminal, so that `wif apply --json` on a terminal whose stdin is
 * piped does not claim there is no terminal at all.
 */
export function cannotAskMessage(io: CliIo, what: string): string {
  const notTty = [io.stdin.isTTY === true ? '' : 'stdin', io.stderr.isTTY === true ? '' : 'stderr'].filter(Boolean);
  const why = notTty.length === 2 ? 'there is no terminal to confirm on' : `${notTty.join(' and ')} is not a terminal, so wif cannot ask`;
  return `${what}: ${why}; pass --yes to go ahead without asking.`;
}

/** Asks `question` (y/N) on the terminal; `cannot-ask` without one. End of input or Ctrl-C is no. */
export async function confirm(io: CliIo, question: string): Promise<Confirmation> {
  if (!canAsk(io)) return 'cannot-ask';
  io.stderr.write(`${escapeOutput(question, { keepColors: true })} [y/N] `);
  // The terminal echoes what is typed (cooked mode); readline only splits the line. Loaded here, not
  // with the module: every command loads this file (runtime.ts asks canAsk), few ever ask. Taken
  // from the built-in itself: `await import('node:readline')` gave an undefined `createInterface` in
  // the executable (see nodeBuiltin).
  const { createInterface } = nodeBuiltin('node:readline');
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
      io.abortSignal?.addEventListener('abort', () => resolve(''), { once: true });
    });
    return /^y(es)?$/i.test(answer.trim()) ? 'yes' : 'no';
  } finally {
    rl.close();
  }
}
