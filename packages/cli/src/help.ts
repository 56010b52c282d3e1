/** Help text, rendered from the command table (so help and parsing cannot disagree). */
import { COMMAND_NAMES, COMMANDS, type CommandName, GLOBAL_OPTIONS, type OptionSpec } from './args';

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(options).map(([name, s]) => {
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.value ? ` ${s.value}` : ''}`;
    return [flag, s.description] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`);
}

const EXIT_CODES = [
  'Exit codes:',
  '  0  ok',
  '  1  failure (a request failed, a connection did not converge, a trust chain is broken)',
  '  2  usage or validation error (nothing was sent)',
  '  3  drift found (plan --exit-code, sync --detect-only): what terraform plan -detailed-exitcode calls 2',
  '  4  audit findings at or above --fail-on',
];

/** The overview (`wif --help`) or one command's help (`wif plan --help`). */
export function helpText(version: string, topic?: CommandName): string {
  if (topic) {
    const c = COMMANDS[topic];
    return [
      c.usage,
      '',
      c.summary,
      '',
      'Options:',
      ...optionLines(c.options),
      '',
      'Global options:',
      ...optionLines(GLOBAL_OPTIONS),
      '',
      'Examples:',
      ...c.examples.map((e) => `  ${e}`),
      '',
    ].join('\n');
  }
  const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
  return [
    `wif ${version}: Azure DevOps service connections on workload identity federation, with no secret anywhere.`,
    '',
    'Usage: wif <command> [options]',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n].summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    ...EXIT_CODES,
    '',
    'Authentication: DefaultAzureCredential (az login, environment, managed identity), AzurePipelinesCredential',
    'inside Azure Pipelines; Azure DevOps also takes a PAT from AZURE_DEVOPS_EXT_PAT or SYSTEM_ACCESSTOKEN.',
    "Run `wif <command> --help` for a command's options. Docs: docs/cli.md",
    '',
  ].join('\n');
}
