/**
 * The `wif` executable (dist/wif.js with a shebang; dist-release/wif.mjs as one file). It first
 * checks the Node.js version, before importing anything that an older Node cannot load, and exits
 * 2 with a plain message when it is too old; then it imports the command line (`run.ts`), or, for
 * `wif audit`, runs itself again in a child with a small young generation (./auditHeap.ts).
 */
import { nodeTooOld } from './nodeVersion';

const tooOld = nodeTooOld(process.versions.node);
if (tooOld !== undefined) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(2);
}
const { wantsAuditChild, runAuditChild } = await import('./auditHeap');
if (wantsAuditChild(process.argv.slice(2), process.execArgv, process.env)) {
  process.exitCode = await runAuditChild();
} else {
  await import('./run');
}
