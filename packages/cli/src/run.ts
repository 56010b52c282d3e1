/**
 * The command line of the `wif` executable, imported by `bin.ts` once the Node.js version is
 * known to be supported. Ctrl-C or SIGTERM aborts the running command cleanly (requests and waits
 * stop, the emulator closes); a second Ctrl-C exits at once. A closed stdout or stderr
 * (`wif audit | head -1`) ends wif quietly, as it ends other Unix tools.
 */
import { setMaxListeners } from 'node:events';
import module from 'node:module';
import { endOnClosedPipe, processIo } from './io';
import { main } from './main';

const controller = new AbortController();
// Every request of a run listens on this one signal while it is in flight (fetch, the retry wait,
// the per-request timeout): up to --concurrency (64) connections × a few layers each. Node warns
// past 10 listeners by default, which is a false alarm here; the listeners go when requests end.
setMaxListeners(1024, controller.signal);
const stop = (): void => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
endOnClosedPipe(process.stdout, process.stderr);

void runCommandLine();

async function runCommandLine(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), processIo(controller.signal));
  // The command is done and has awaited everything it started: exit now, once what was written to
  // stdout and stderr has left (a pipe is asynchronous on macOS and Windows), rather than let Node
  // free every object of the run first, which a natural exit does and process.exit() skips (~10 ms
  // for `wif apply`, docs/performance.md). The module compile cache is written first, and the
  // chunks' code cache on exit (codeCache.ts): exiting this way must not cost the next run its cache.
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  (module as { flushCompileCache?: () => void }).flushCompileCache?.();
  process.exit();
}

/** Resolves once everything written to `stream` so far has been handed to the system. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}
