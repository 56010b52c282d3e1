/**
 * The `wif` executable (dist/wif.js with a shebang; dist-release/wif.mjs as one file). It first
 * checks the Node.js version, before importing anything that an older Node cannot load, and exits
 * 2 with a plain message when it is too old; then it imports the command line (`run.ts`).
 */
import { nodeTooOld } from './nodeVersion';

const tooOld = nodeTooOld(process.versions.node);
if (tooOld !== undefined) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(2);
}
await import('./run');
