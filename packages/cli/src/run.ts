/**
 * The command line of the `wif` executable, imported by `bin.ts` once the Node.js version is
 * known to be supported. Ctrl-C or SIGTERM aborts the running command cleanly (requests and waits
 * stop, the emulator closes); a second Ctrl-C exits at once.
 */
import { processIo } from './io';
import { main } from './main';

const controller = new AbortController();
const stop = (): void => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

process.exitCode = await main(process.argv.slice(2), processIo(controller.signal));
