/**
 * The `wif` command: parse, dispatch, return the exit code. Only the argument table and help are
 * loaded at startup; each command (and the SDK it needs) is imported when it runs.
 */
import { type CommandName, type Invocation, parseCommandLine } from './args';
import { EXIT, type ExitCode } from './exitCodes';
import { helpText } from './help';
import type { CliIo } from './io';
import { VERSION } from './version';

type Command = Exclude<Invocation, { command: 'help' | 'version' }>;
type CommandModule = { run(rt: import('./runtime').Runtime, inv: Command): Promise<ExitCode> };

// Explicit imports (not a template string) so the bundler splits each command into its own chunk.
const COMMAND_MODULES: Record<CommandName, () => Promise<CommandModule>> = {
  plan: () => import('./commands/plan'),
  adopt: () => import('./commands/adopt'),
  whoami: () => import('./commands/whoami'),
  apply: () => import('./commands/apply'),
  verify: () => import('./commands/verify'),
  sync: () => import('./commands/sync'),
  audit: () => import('./commands/audit'),
  migrate: () => import('./commands/migrate'),
  diagnose: () => import('./commands/diagnose'),
  emulator: () => import('./commands/emulator'),
  pipeline: () => import('./commands/pipeline'),
  completion: () => import('./commands/completion'),
};

/**
 * Runs `wif` with `argv` (without `node` and the script) and returns the exit code (docs/cli.md).
 * Never throws for a user or service error; an unexpected exception is reported (redacted) as exit 1.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const parsed = parseCommandLine(argv, io.env);
  if (parsed.isErr()) {
    const { createPrinter } = await import('./output');
    const core = await import('@wif/core');
    // The command line did not parse: machine output if it asked for it anywhere.
    const o = argv.findIndex((a) => a === '-o' || a === '--output');
    const output = argv.find((a) => a.startsWith('--output='))?.slice(9) ?? (o >= 0 ? argv[o + 1] : undefined);
    const json = argv.includes('--json') || (output !== undefined && output !== 'table');
    createPrinter(io, { json, output: output === 'yaml' || output === 'ndjson' ? output : 'json' }, core).error(parsed.error);
    if (!json) io.stderr.write(`Run \`wif ${parsed.error.command ? `${parsed.error.command} ` : ''}--help\` for usage.\n`);
    return EXIT.usage;
  }
  const inv = parsed.value;
  if (inv.command === 'version') {
    io.stdout.write(inv.global.json ? `${JSON.stringify({ version: VERSION })}\n` : `${VERSION}\n`);
    return EXIT.ok;
  }
  if (inv.command === 'help') {
    io.stdout.write(helpText(VERSION, inv.topic));
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  if (inv.global.query !== undefined) {
    const { compile } = await import('@jmespath-community/jmespath');
    try {
      compile(inv.global.query);
    } catch (e) {
      const { createPrinter } = await import('./output');
      const core = await import('@wif/core');
      createPrinter(io, inv.global, core).error({
        kind: 'Usage',
        message: `--query "${inv.global.query}" is not a valid JMESPath expression: ${(e as Error).message}`,
      });
      return EXIT.usage;
    }
  }
  const { createRuntime } = await import('./runtime');
  const rt = await createRuntime(io, inv.global, inv.command, inv.options);
  try {
    const command = await COMMAND_MODULES[inv.command]();
    return await command.run(rt, inv);
  } catch (e) {
    // A bug, not a user error: say so without a stack full of request details.
    return rt.fail({
      kind: 'Unexpected',
      message: `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}. This is a bug in wif; please report it.`,
    });
  }
}
