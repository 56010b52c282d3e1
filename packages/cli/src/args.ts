/**
 * The command line: which commands exist, their options, and parsing with `node:util` `parseArgs`
 * (no framework: `wif --help` must start fast). Global options may appear anywhere.
 */
import type { ParseArgsConfig, ParseArgsOptionsConfig } from 'node:util';
import { err, ok, type Result } from 'neverthrow';
import { closestName } from '@wif/http';
import type { CommandWord } from './commandWords';
import { nodeBuiltin } from './nodeBuiltin';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. `FILE`. */
  readonly value?: string;
  readonly description: string;
}

export interface CommandSpec {
  readonly summary: string;
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** `none`, free `text` (diagnose), or one of `actions` (migrate). */
  readonly positionals: 'none' | 'text' | { readonly actions: readonly string[] };
  readonly examples: readonly string[];
  /**
   * Output formats this command adds to the common ones (`-o junit`): the command writes them
   * itself; the printer writes nothing for them (see {@link OUTPUT_FORMATS}).
   */
  readonly outputFormats?: readonly string[];
}

/** The output formats every command has (`-o`); `--json` is `-o json`. */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml', 'ndjson'] as const;

const config: OptionSpec = { type: 'string', short: 'c', value: 'FILE', description: 'The spec (YAML or JSON).' };
const yes: OptionSpec = { type: 'boolean', short: 'y', description: 'Do not ask for confirmation (needed without a terminal).' };
const concurrency: OptionSpec = {
  type: 'string',
  value: 'N',
  description: 'Connections worked on at once (default: 32 for apply and sync, 16 for plan).',
};
const connection: OptionSpec = { type: 'string', multiple: true, value: 'NAME', description: 'Only this connection (repeatable).' };
const project: OptionSpec = { type: 'string', value: 'PROJECT', description: 'Azure DevOps project of the connection.' };

/** Options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  output: {
    type: 'string',
    short: 'o',
    value: 'FORMAT',
    description: 'table (default), json, yaml or ndjson (one JSON value per line; a list, one line per element).',
  },
  json: { type: 'boolean', description: 'Same as -o json: one JSON document on stdout; no progress.' },
  query: {
    type: 'string',
    value: 'JMESPATH',
    description: 'Print only this part of the result (JMESPath, as az --query); implies -o json.',
  },
  verbose: { type: 'boolean', short: 'v', description: 'Print the (redacted) request log on stderr.' },
  color: { type: 'boolean', description: 'Force colours on or off (--no-color); NO_COLOR is honoured.' },
  emulator: { type: 'string', value: 'URL', description: 'Run against the local emulator (or set WIF_EMULATOR_URL).' },
  org: { type: 'string', value: 'NAME', description: 'Azure DevOps organization (default: the spec, or WIF_ORG).' },
  'devops-auth': { type: 'string', value: 'MODE', description: 'Azure DevOps auth: auto (default), entra or pat.' },
  help: { type: 'boolean', short: 'h', description: 'Show help.' },
};

export const COMMANDS = {
  plan: {
    summary: 'Show what apply would change, per connection and resource. Sends no write.',
    usage: 'wif plan --config FILE [--exit-code] [--out PLAN.json]',
    options: {
      config,
      'exit-code': { type: 'boolean', description: 'Exit 3 when there are changes to make.' },
      out: { type: 'string', value: 'FILE', description: 'Save the plan (versioned JSON) for `wif apply --plan FILE`.' },
      concurrency,
    },
    positionals: 'none',
    examples: [
      'wif plan -c examples/env-set.yaml',
      'wif plan -c wif.yaml --exit-code --json > plan.json',
      'wif plan -c wif.yaml --out wif-plan.json',
    ],
  },
  whoami: {
    summary: 'Who wif runs as in each service, and which permissions the spec needs it has (granted, missing, unknown).',
    usage: 'wif whoami [--config FILE]',
    options: { config: { ...config, description: 'Check the permissions every write of this spec needs.' } },
    positionals: 'none',
    examples: ['wif whoami -c wif.yaml', 'wif whoami -c wif.yaml --json'],
  },
  apply: {
    summary: 'Create or converge every connection of the spec (asks first on a terminal).',
    usage: 'wif apply --config FILE [--yes] [--prune] [--atomic] | wif apply --plan PLAN.json [--config FILE] [--yes]',
    options: {
      config,
      yes,
      plan: {
        type: 'string',
        value: 'FILE',
        description:
          'Execute a plan saved by `wif plan --out`; refuses (StalePlan) what changed since. With --config, the spec must be the one planned.',
      },
      prune: { type: 'boolean', description: 'Also delete the managed connections the spec no longer names (all their parts).' },
      atomic: { type: 'boolean', description: 'Write nothing at all when any connection is refused.' },
      'keep-on-failure': { type: 'boolean', description: 'Keep what a failed connection created instead of rolling it back.' },
      'skip-verify': { type: 'boolean', description: 'Skip the trust-chain check after binding.' },
      concurrency,
    },
    positionals: 'none',
    examples: ['wif apply -c examples/env-set.yaml --yes', 'wif apply --plan wif-plan.json -c wif.yaml --yes'],
  },
  verify: {
    summary: "Prove each connection's trust chain: exact strings, and with --exchange a real token exchange.",
    usage: 'wif verify --config FILE [--exchange] [--connection NAME]',
    options: {
      config,
      exchange: { type: 'boolean', description: 'Also exchange a pipeline OIDC token at Entra and call ARM with it.' },
      connection,
    },
    positionals: 'none',
    examples: ['wif verify -c wif.yaml', 'wif verify -c wif.yaml --exchange --connection sc-platform-prod'],
  },
  sync: {
    summary: 'Find and repair drift between the spec and what exists.',
    usage: 'wif sync --config FILE [--detect-only] [--prune] [--yes]',
    options: {
      config,
      'detect-only': { type: 'boolean', description: 'Only report drift (reads only); exit 3 when there is some.' },
      prune: {
        type: 'boolean',
        description:
          "Also delete role assignments of the connections' identities, security-role holders of the connections, and client secrets on the apps wif made, that the spec does not name.",
      },
      yes,
      concurrency,
    },
    positionals: 'none',
    examples: ['wif sync -c wif.yaml --detect-only', 'wif sync -c wif.yaml --yes'],
  },
  audit: {
    summary: 'Scan every service connection of the organization for risks.',
    usage: 'wif audit [--org NAME] [--fail-on SEVERITY] [--output FORMAT[=FILE]]…',
    options: {
      // Local to audit (a global -o/--output may come; a command's own option takes precedence in parsing).
      output: {
        type: 'string',
        multiple: true,
        value: 'FORMAT[=FILE]',
        description:
          'table (default), json (default with --json), ndjson, junit or sarif; FORMAT=FILE writes that format to FILE (repeatable). Written as the audit goes.',
      },
      'fail-on': {
        type: 'string',
        value: 'SEVERITY',
        description: 'Exit 4 when a finding is at or above: info, low, medium, high, critical.',
      },
      config: { ...config, description: 'Take the organization from this spec.' },
    },
    positionals: 'none',
    examples: [
      'wif audit --org contoso',
      'wif audit --org contoso --fail-on high --json > audit.json',
      'wif audit --org contoso --fail-on high --output ndjson=audit.ndjson --output junit=audit.xml',
    ],
  },
  adopt: {
    summary: 'Write a spec for the connections made outside wif, adopting each with its app (app: { appId }). Reads only.',
    usage: 'wif adopt --org NAME [--project P]… [--connection NAME]… [--out FILE]',
    options: {
      project: { type: 'string', multiple: true, value: 'PROJECT', description: 'Only this project (repeatable; default: every project).' },
      connection,
      out: { type: 'string', value: 'FILE', description: 'Write the spec (YAML) to FILE instead of stdout.' },
    },
    positionals: 'none',
    examples: ['wif adopt --org contoso --out wif.yaml', 'wif adopt --org contoso --project platform --connection sc-prod'],
  },
  migrate: {
    summary: 'Move a secret-based connection to workload identity federation, with a way back; or convert one in place.',
    usage:
      'wif migrate start|status|finish|rollback [--connection NAME --project P | --id ID]\n       wif migrate convert --scheme|--issuer --connection NAME --project P [--yes]',
    options: {
      connection: { type: 'string', value: 'NAME', description: 'The connection being migrated (its old name).' },
      project,
      id: { type: 'string', value: 'ID', description: "The migration id (the old connection's id), instead of --connection." },
      tenant: {
        type: 'string',
        value: 'GUID',
        description: "start: tenant of the identity (default: the spec, AZURE_TENANT_ID, or the emulator's).",
      },
      'new-name': { type: 'string', value: 'NAME', description: 'start: name of the new connection (default {old name}-wif).' },
      'inventory-scope': {
        type: 'string',
        multiple: true,
        value: 'SCOPE',
        description:
          "start: also copy the old identity's role assignments found at this scope, e.g. another subscription or a management group (repeatable; the connection's own subscription or management group is always read).",
      },
      identity: {
        type: 'string',
        value: 'KIND',
        description:
          'start: what the new connection runs on: application (a new app registration, the default) or managed (a user-assigned managed identity; no Graph write).',
      },
      'identity-subscription': { type: 'string', value: 'GUID', description: 'start --identity managed: subscription of the identity.' },
      'identity-resource-group': { type: 'string', value: 'RG', description: 'start --identity managed: resource group of the identity.' },
      'identity-name': {
        type: 'string',
        value: 'NAME',
        description: 'start --identity managed: name of the identity (default id-{new name}).',
      },
      location: { type: 'string', value: 'REGION', description: 'start --identity managed: region of the identity (e.g. westeurope).' },
      config: { ...config, description: 'Take the organization and tenant from this spec.' },
      journal: {
        type: 'string',
        value: 'FILE',
        description: 'Where migrations are recorded (default wif-migrations.json, or WIF_JOURNAL).',
      },
      force: { type: 'boolean', description: 'finish: clean up before the 7-day soak is over.' },
      scheme: {
        type: 'boolean',
        description: 'convert: turn an automatic-mode secret connection into workload identity federation in place (same id).',
      },
      issuer: {
        type: 'boolean',
        description: 'convert: move a connection from the Azure DevOps issuer to the Entra issuer, then rebind its credential.',
      },
      'keep-old-identity': { type: 'boolean', description: 'finish: delete only the old connection; keep its app and roles.' },
      usage: {
        type: 'boolean',
        description:
          "status: read each live migration's usage history: the pipelines still on the old connection (to switch), and those already on the new one.",
      },
      'ignore-recent-use': {
        type: 'boolean',
        description:
          'finish: delete the old connection even though pipelines ran with it after the new one went live; rollback: delete the new one even though pipelines ran with it.',
      },
      yes,
    },
    positionals: { actions: ['start', 'status', 'finish', 'rollback', 'convert'] },
    examples: [
      'wif migrate start --connection sc-shared-deploy --project shared',
      'wif migrate start --connection sc-shared-deploy --project shared --identity managed --identity-subscription SUB --identity-resource-group rg-identities --location westeurope',
      'wif migrate status',
      'wif migrate status --usage --connection sc-shared-deploy',
      'wif migrate finish --connection sc-shared-deploy --project shared --yes',
      'wif migrate rollback --connection sc-shared-deploy --project shared --yes',
      'wif migrate convert --issuer --connection sc-platform-legacy --project platform',
      'wif migrate convert --scheme --connection sc-app-automatic --project app --yes',
    ],
  },
  diagnose: {
    summary: 'Explain an error message (AADSTS…, a failed task log) and say how to fix it.',
    usage: 'wif diagnose "<error text>" [--connection NAME --project P] [--config FILE]',
    options: {
      connection: { type: 'string', value: 'NAME', description: 'Look at this connection to confirm the cause.' },
      project,
      config,
      journal: {
        type: 'string',
        value: 'FILE',
        description:
          'The migration journal, read when it exists (default wif-migrations.json, or WIF_JOURNAL): names what replaced a connection a migration deleted.',
      },
    },
    positionals: 'text',
    examples: [
      'wif diagnose "AADSTS700213: No matching federated identity record found"',
      'wif diagnose "$(cat task.log)" --connection sc-platform-prod --project platform',
    ],
  },
  pipeline: {
    summary: 'Print an Azure Pipelines YAML that verifies each connection from inside a pipeline (one stage per connection).',
    usage: 'wif pipeline verify --config FILE [--connection NAME] [--wif-connection NAME] [--wif-pipeline NAME]',
    options: {
      config,
      connection,
      'wif-connection': {
        type: 'string',
        value: 'NAME',
        description: 'Service connection wif signs in with in the pipeline (default: a parameter asked at queue time).',
      },
      'wif-pipeline': {
        type: 'string',
        value: 'NAME',
        description: 'Pipeline whose artifact "wif" holds wif.mjs (default wif-release).',
      },
    },
    positionals: { actions: ['verify'] },
    examples: [
      'wif pipeline verify -c wif.yaml --wif-connection sc-wif-vending > verify-connections.yml',
      'wif pipeline verify -c wif.yaml --connection sc-platform-prod',
    ],
  },
  completion: {
    summary: 'Print a shell completion script (commands, options, spec files): bash, zsh, fish or pwsh.',
    usage: 'wif completion bash|zsh|fish|pwsh',
    options: {},
    positionals: { actions: ['bash', 'zsh', 'fish', 'pwsh'] },
    examples: [
      'source <(wif completion bash)            # in ~/.bashrc',
      'wif completion zsh > "${fpath[1]}/_wif"',
      'wif completion fish > ~/.config/fish/completions/wif.fish',
      'wif completion pwsh | Out-String | Invoke-Expression   # in $PROFILE',
    ],
  },
  emulator: {
    summary: 'Serve the local emulator of Graph, ARM, Azure DevOps and Entra on 127.0.0.1.',
    usage: 'wif emulator [--port N] [--state FILE] [--no-seed] [--tls]',
    options: {
      port: { type: 'string', short: 'p', value: 'N', description: 'Port on 127.0.0.1 (default 4010; 0 picks a free one).' },
      state: { type: 'string', value: 'FILE', description: 'Load the state from FILE if it exists, and save every change to it.' },
      seed: { type: 'boolean', description: 'Seed the demo organization (default; --no-seed starts empty).' },
      tls: {
        type: 'boolean',
        description: 'Serve HTTPS with a certificate from a local CA kept in the state directory (what the Azure SDKs need).',
      },
    },
    positionals: 'none',
    examples: [
      'wif emulator --port 0',
      'wif emulator --tls --port 0 --json',
      'WIF_EMULATOR_URL=http://127.0.0.1:4010 wif plan -c examples/env-set.yaml',
    ],
  },
} as const satisfies Record<CommandWord, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export type DevOpsAuthMode = 'auto' | 'entra' | 'pat';

export interface GlobalOptions {
  /** Machine output: anything but a plain `-o table` (json, yaml, ndjson, a command's own format, or `--query`). */
  readonly json: boolean;
  /** `-o`: `table`, `json`, `yaml`, `ndjson`, or one of the command's {@link CommandSpec.outputFormats}. */
  readonly output: string;
  /** `--query`: a JMESPath expression applied to the result document. */
  readonly query?: string;
  readonly verbose: boolean;
  /** `true`/`false` when forced with `--color`/`--no-color`; undefined to decide from the terminal. */
  readonly color?: boolean;
  readonly emulator?: string;
  readonly org?: string;
  readonly devopsAuth: DevOpsAuthMode;
}

export type OptionValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

export type Invocation =
  | { readonly command: 'help'; readonly topic?: CommandName; readonly global: GlobalOptions }
  | { readonly command: 'version'; readonly global: GlobalOptions }
  | {
      readonly command: CommandName;
      /** migrate's action. */
      readonly action?: string;
      /** diagnose's text (positionals joined by a space). */
      readonly text?: string;
      readonly options: OptionValues;
      readonly global: GlobalOptions;
    };

/** The command line was wrong: exit 2, nothing sent. */
export interface UsageError {
  readonly kind: 'Usage';
  readonly message: string;
  /** The command whose help to point at. */
  readonly command?: CommandName;
}

const usage = (message: string, command?: CommandName): UsageError => ({ kind: 'Usage', message, ...(command ? { command } : {}) });

function toParseArgs(specs: Readonly<Record<string, OptionSpec>>): ParseArgsOptionsConfig {
  const out: ParseArgsOptionsConfig = {};
  for (const [name, s] of Object.entries(specs)) {
    out[name] = { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) };
  }
  return out;
}

/** Every option of every command, to find the command word wherever the global options are. */
const ALL_OPTIONS = toParseArgs(
  Object.assign({}, GLOBAL_OPTIONS, ...Object.values(COMMANDS).map((c) => c.options)) as Readonly<Record<string, OptionSpec>>,
);

const isCommand = (word: string): word is CommandName => Object.hasOwn(COMMANDS, word);

/** `node:util`'s `parseArgs`, taken from the built-in itself (see `nodeBuiltin`: importing it loads 33 more of Node's internal modules). */
function parseArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof import('node:util').parseArgs<T>> {
  return nodeBuiltin('node:util').parseArgs(config);
}

/** The global options and the command's; a command's own option of a global name keeps the global short flag (`-o`). */
function withGlobalShorts(options: Readonly<Record<string, OptionSpec>>): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...options };
  for (const [name, spec] of Object.entries(options)) {
    const short = GLOBAL_OPTIONS[name]?.short;
    if (short && !spec.short) out[name] = { ...spec, short };
  }
  return out;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/**
 * Why `text` cannot be the emulator's URL, or `undefined`: it must be an http(s) URL of a loopback
 * host (the emulator binds 127.0.0.1 only, and wif sends it credentials), with no user name or
 * password, query or fragment.
 */
export function emulatorUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `must be a URL, not "${text}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be a URL starting with http:// or https://, not "${text}"`;
  if (
    url.username !== '' ||
    url.password !== '' ||
    text
      .slice(url.protocol.length + 2)
      .split('/')[0]
      ?.includes('@')
  )
    return 'must not hold a user name or password (an "@" in the host part)';
  const host = url.hostname.toLowerCase();
  if (!LOOPBACK_HOSTS.has(host) && !/^127(?:\.\d{1,3}){3}$/.test(host))
    return `must point at this machine (127.0.0.1, ::1 or localhost), not "${url.hostname}"`;
  if (url.search !== '' || url.hash !== '') return 'must not have a query or fragment';
  return undefined;
}

function globalsFrom(
  values: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  extraFormats: readonly string[] = [],
  ownOutput = false,
): Result<GlobalOptions, UsageError> {
  // A command with its own --output (audit: FORMAT[=FILE], repeatable) reads it itself.
  const given = ownOutput ? undefined : (values['output'] as string | undefined);
  const query = values['query'] as string | undefined;
  const formats = [...OUTPUT_FORMATS, ...extraFormats];
  if (given !== undefined && !formats.includes(given)) {
    const near = closestName(given, formats, { uniquePrefix: true });
    return err(usage(`-o/--output must be ${formats.join(', ')}, not "${given}".${near ? ` Did you mean -o ${near}?` : ''}`));
  }
  if (values['json'] === true && given !== undefined && given !== 'json')
    return err(usage(`--json is -o json: it cannot go with -o ${given}.`));
  if (query !== undefined && query.trim() === '')
    return err(usage('--query needs a JMESPath expression, e.g. --query "findings[].connection.name".'));
  const output = given ?? (values['json'] === true || query !== undefined ? 'json' : 'table');
  const devopsAuth = (values['devops-auth'] as string | undefined) ?? 'auto';
  if (devopsAuth !== 'auto' && devopsAuth !== 'entra' && devopsAuth !== 'pat')
    return err(usage(`--devops-auth must be auto, entra or pat, not "${devopsAuth}".`));
  const emulator = (values['emulator'] as string | undefined) ?? (env['WIF_EMULATOR_URL'] || undefined);
  if (emulator !== undefined) {
    const problem = emulatorUrlProblem(emulator);
    if (problem) return err(usage(`--emulator (or WIF_EMULATOR_URL) ${problem}; for example http://127.0.0.1:4010.`));
  }
  const org = (values['org'] as string | undefined) ?? (env['WIF_ORG'] || undefined);
  return ok({
    json: output !== 'table' || query !== undefined,
    output,
    ...(query !== undefined ? { query } : {}),
    verbose: values['verbose'] === true,
    ...(typeof values['color'] === 'boolean' ? { color: values['color'] } : {}),
    ...(emulator ? { emulator: emulator.replace(/\/+$/, '') } : {}),
    ...(org ? { org } : {}),
    devopsAuth,
  });
}

/**
 * Parses `argv` (without `node` and the script). Never throws: an unknown option, a missing value
 * or an unknown command is a {@link UsageError}.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Result<Invocation, UsageError> {
  if (argv.includes('--version') || (argv.length === 1 && argv[0] === 'version')) {
    return globalsFrom({}, env).map((global) => ({ command: 'version' as const, global }));
  }
  let loose: ReturnType<typeof parseArgs>;
  try {
    loose = parseArgs({ args: [...argv], options: ALL_OPTIONS, strict: false, allowPositionals: true, allowNegative: true, tokens: true });
  } catch (e) {
    return err(usage((e as Error).message));
  }
  const word = loose.positionals[0];
  if (word === undefined || word === 'help') {
    const topic = word === 'help' ? loose.positionals[1] : undefined;
    if (topic !== undefined && !isCommand(topic)) return err(usage(`Unknown command "${topic}".`));
    return globalsFrom(loose.values, env).map((global) => ({ command: 'help' as const, ...(topic ? { topic } : {}), global }));
  }
  if (!isCommand(word)) {
    const near = closestName(word, [...COMMAND_NAMES, 'help'], { uniquePrefix: true });
    return err(usage(`Unknown command "${word}".${near ? ` Did you mean \`wif ${near}\`?` : ''} Commands: ${COMMAND_NAMES.join(', ')}.`));
  }

  const spec: CommandSpec = COMMANDS[word];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: toParseArgs(withGlobalShorts(spec.options)),
      strict: true,
      allowPositionals: true,
      allowNegative: true,
    });
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '.');
    const unknown = /^Unknown option '(--?[^']+)'/.exec(message)?.[1];
    const names = Object.keys({ ...GLOBAL_OPTIONS, ...spec.options });
    const near = unknown?.startsWith('--') ? closestName(unknown.slice(2), names, { uniquePrefix: true }) : undefined;
    return err(usage(near ? `Unknown option '${unknown}'. Did you mean --${near}?` : message, word));
  }
  const globals = globalsFrom(parsed.values, env, spec.outputFormats ?? [], Object.hasOwn(spec.options, 'output'));
  if (globals.isErr()) return err({ ...globals.error, command: word });
  const global = globals.value;
  if (parsed.values['help'] === true) return ok({ command: 'help', topic: word, global });

  const rest = parsed.positionals.slice(1);
  // Only boolean and string options are declared, so arrays hold strings.
  const options = parsed.values as OptionValues;
  const positionals = spec.positionals;
  if (positionals === 'none') {
    if (rest.length > 0) return err(usage(`Unexpected argument "${rest[0]}".`, word));
    return ok({ command: word, options, global });
  }
  if (positionals === 'text') {
    if (rest.length === 0) return err(usage('Give the error text to explain, in quotes.', word));
    return ok({ command: word, text: rest.join(' '), options, global });
  }
  const [action, ...extra] = rest;
  if (action === undefined || !positionals.actions.includes(action)) {
    return err(usage(`${word} needs one of: ${positionals.actions.join(', ')}${action === undefined ? '' : ` (not "${action}")`}.`, word));
  }
  if (extra.length > 0) return err(usage(`Unexpected argument "${extra[0]}".`, word));
  return ok({ command: word, action, options, global });
}

/** A string option, if given. */
export function stringOption(options: OptionValues, name: string): string | undefined {
  const v = options[name];
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable string option: every value given. */
export function listOption(options: OptionValues, name: string): readonly string[] {
  const v = options[name];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}

/** An integer option within bounds; a usage error otherwise. */
export function intOption(
  options: OptionValues,
  name: string,
  bounds: { min: number; max: number },
  command: CommandName,
): Result<number | undefined, UsageError> {
  const raw = stringOption(options, name);
  if (raw === undefined) return ok(undefined);
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < bounds.min || n > bounds.max)
    return err(usage(`--${name} must be a whole number from ${bounds.min} to ${bounds.max}, not "${raw}".`, command));
  return ok(n);
}
