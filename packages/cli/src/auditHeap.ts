/**
 * `wif audit` runs in a child Node.js process with a small young generation and a slower-growing old
 * one (`--max-semi-space-size=8 --heap-growing-percent=30`), started by the `wif` executable itself,
 * so that users need no node flag. Why: an organization-wide audit allocates fast and keeps many short-lived objects (requests
 * in flight, records on their way out) alive across a few scavenges; V8 then grows the young
 * generation to its maximum and promotes that garbage, then lets the old generation grow to several
 * times its live data before collecting it; the process peaks far above what is live (measured at
 * 10,000 connections: 228 MB with default flags, 188 MB with the first flag, 126 MB with both, the
 * live heap after a full collection being about 24 MB). The flag cannot be set from inside a running process
 * (`v8.setFlagsFromString` comes too late for heap sizing), hence the child. The parent only waits:
 * it passes its exit code on, forwards SIGTERM, and lets SIGINT reach the child (same process group).
 * docs/decisions/019-graph-batching.md. The young generation was 4 MB a semi-space until decision 024:
 * 8 MB costs ~10 MB at 100,000 connections and saves about a tenth of the GC-bound CPU of a mid-size audit.
 */
import { spawn } from 'node:child_process';

/** Set in the child, so that it does not start another. */
const MARKER = 'WIF_AUDIT_CHILD';
const FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=30'];

/** Whether this invocation is `wif audit` that should run in a child with the flag. */
export function wantsAuditChild(args: readonly string[], execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (env[MARKER] === '1') return false;
  // The user (or NODE_OPTIONS) chose the young generation's size: respect it.
  if ([...execArgv, env['NODE_OPTIONS'] ?? ''].some((a) => a.includes('semi-space'))) return false;
  return args.find((a) => !a.startsWith('-')) === 'audit';
}

/** Runs this same script as `wif audit …` in a child with {@link FLAGS}; resolves with the exit code to use. */
export function runAuditChild(): Promise<number> {
  const script = process.argv[1];
  if (script === undefined) return Promise.resolve(2);
  const child = spawn(process.execPath, [...process.execArgv, ...FLAGS, script, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [MARKER]: '1' },
  });
  const forward = (signal: NodeJS.Signals) => (): void => {
    child.kill(signal);
  };
  const onTerm = forward('SIGTERM');
  // Ctrl-C reaches the whole foreground process group: the child handles it; the parent waits.
  const onInt = (): void => undefined;
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`wif: could not start the audit process: ${e.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      // A child ended by a signal: report it as a shell does (128 + its number).
      resolve(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1));
    });
  });
}
