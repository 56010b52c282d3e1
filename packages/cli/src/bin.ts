/**
 * The `wif` executable (dist/wif.cjs with a shebang, its chunks in dist/chunks; dist-release/wif.mjs
 * as one file). It first checks the Node.js version, before importing anything that an older Node
 * cannot load, and exits 2 with a plain message when it is too old; then it turns on Node's module
 * compile cache and the chunks' code cache, and imports the command line (`run.ts`), or, for
 * `wif audit`, runs itself again in a child with a small young generation (./auditHeap.ts).
 */
import module from 'node:module';
import path from 'node:path';
import { useCodeCache } from './codeCache';
import { commandWord } from './commandWords';
import { nodeTooOld } from './nodeVersion';

const tooOld = nodeTooOld(process.versions.node);
if (tooOld !== undefined) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(2);
}
// Node's module compile cache (Node >= 22.1): the second and later runs skip parsing and compiling
// the CLI's chunks, which is most of its start-up (docs/performance.md, decision 018). Kept in the
// OS temporary directory, checked against each file's content; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
const compileCache = module.enableCompileCache?.();
// zod without its JIT: zod compiles each object schema into a parser (`new Function`) the first
// time it parses with it, which pays back over thousands of parses but was about half of what zod
// cost a `wif plan` (CPU profile) that parses each schema a few times. Set before zod loads: zod
// reads `globalThis.__zod_globalConfig` (shared by every copy of zod in a process) when it builds a
// schema, and the schemas are built as the SDK loads, before `z.config()` could run. Not for `audit`
// (tens of thousands of parses) nor `emulator` (a server). What is accepted is the same either way.
// Decision 023.
const args = process.argv.slice(2);
if (!args.includes('audit') && !args.includes('emulator')) {
  const g = globalThis as { __zod_globalConfig?: { jitless?: boolean } };
  (g.__zod_globalConfig ??= {}).jitless = true;
}
// The chunks' code cache, made after a run (./codeCache.ts), beside Node's compile cache and off with
// it. Only the CommonJS build has chunks to load: the release's single ES module file has no
// `__dirname`. One cache per command.
if (typeof __dirname === 'string' && compileCache?.directory !== undefined) {
  useCodeCache(path.join(__dirname, 'chunks'), compileCache.directory, commandWord(args) ?? '');
}
void start();

async function start(): Promise<void> {
  // auditHeap.ts decides; it is loaded only when `audit` is on the command line at all, because
  // loading it loads child_process (~5 ms) for every other command too.
  const audit = args.includes('audit') ? await import('./auditHeap') : undefined;
  if (audit?.wantsAuditChild(args, process.execArgv, process.env)) {
    process.exitCode = await audit.runAuditChild();
  } else {
    await import('./run');
  }
}
