/**
 * What a command runs with: the SDK (loaded when the command starts, not at process start), the
 * printer, progress, credentials and clients, and the spec.
 */
import { accessSync, closeSync, constants, existsSync, fstatSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { LogEntry, ResolvedSpec, TokenService, WifClients } from '@wif/core';
import { err, ok, type Result } from 'neverthrow';
import type { CommandName, GlobalOptions, OptionValues, UsageError } from './args';
import { canAsk } from './confirm';
import { type Auth, resolveAuth } from './auth';
import { emulatorEndpoints } from './emulator/layout';
import { caFileIn, defaultStateDir } from './emulator/paths';
import { EXIT, type ExitCode } from './exitCodes';
import type { CliIo } from './io';
import { createPrinter, type PrintableError, type Printer } from './output';
import { createProgress, type Progress, progressMode } from './progress';
import { VERSION } from './version';

/** What a command tells `clients()` of the run it is about to make. */
export interface ClientUse {
  /**
   * The services, beyond Azure DevOps, whose first token is asked for while the access check is in
   * flight (docs/decisions/031-every-token-asked-for-once-and-early.md): the ones the command calls.
   * `plan`, `apply`, `sync`, `verify` and `audit` ask for all three without being told.
   */
  readonly prefetch?: readonly TokenService[];
}

/** The SDK as the commands see it: the root entry and the subpath exports they use, loaded together. */
export type Core = typeof import('@wif/core') &
  typeof import('@wif/core/audit') &
  typeof import('@wif/core/migration') &
  typeof import('@wif/core/diagnose') &
  typeof import('@wif/core/spec') &
  typeof import('@wif/core/access');

export interface Runtime {
  readonly core: Core;
  readonly io: CliIo;
  readonly global: GlobalOptions;
  readonly command: CommandName;
  readonly printer: Printer;
  readonly abortSignal?: AbortSignal;
  /** The emulator's service base URLs with `--emulator`. */
  readonly emulatorEndpoints?: ReturnType<typeof emulatorEndpoints>;
  /** With `--emulator https://…`: an HTTP stack that trusts the emulator's CA, for clients a command makes itself. */
  readonly emulatorHttpClient?: NonNullable<Parameters<Core['createClients']>[0]['httpClient']>;
  /** The redacted request log with `--verbose`, for clients a command makes itself. */
  readonly logger?: (entry: LogEntry) => void;
  /** A progress reporter in the mode this process calls for. */
  progress(): Progress;
  /**
   * Credentials and the three clients for `organization`, after one request that proves the
   * organization answers (fails at once, without retries: unreachable, not signed in, no such
   * organization), so that a run of many connections fails once with one message.
   */
  clients(organization: string, use?: ClientUse): Promise<Result<WifClients, PrintableError>>;
  /**
   * Reads and resolves the spec named by `--config`, else the discovered one ({@link discoverConfig});
   * a missing or invalid spec is a usage/validation error.
   */
  loadSpec(path: string | undefined): Promise<Result<ResolvedSpec, PrintableError>>;
  /** `--config` when given, else `WIF_CONFIG`, else the first of ./wif.yaml, ./wif.yml, ./.wif/wif.yaml that exists. */
  configPath(given: string | undefined): string | undefined;
  /** The organization: `--org`, `WIF_ORG`, the spec, or the emulator's. */
  organization(spec?: ResolvedSpec): Result<string, UsageError>;
  /** Reads a text file relative to the working directory; an unreadable file is a usage error naming it. */
  readText(path: string, what: string, maxBytes: number): Promise<Result<string, UsageError>>;
  /** Writes a text file relative to the working directory. */
  writeText(path: string, text: string): Promise<Result<void, UsageError>>;
  /** Prints `e` and returns its exit code: 2 for usage and validation errors, 1 for the rest. */
  fail(e: PrintableError): ExitCode;
}

/** The emulator serves one organization; its name (docs/emulator.md). */
export const EMULATOR_ORGANIZATION = 'contoso';

/** Prefix of the User-Agent of every request the CLI sends. */
export const USER_AGENT = `wif-cli/${VERSION}`;

/** Where a spec is looked for when `--config` is absent (after `WIF_CONFIG`), in this order. */
export const CONFIG_CANDIDATES = ['wif.yaml', 'wif.yml', '.wif/wif.yaml'] as const;

/** `WIF_CONFIG`, else the first of {@link CONFIG_CANDIDATES} that exists in `cwd`. */
export function discoverConfig(io: Pick<CliIo, 'env' | 'cwd'>): string | undefined {
  if (io.env['WIF_CONFIG']) return io.env['WIF_CONFIG'];
  return CONFIG_CANDIDATES.find((c) => existsSync(resolve(io.cwd, c)));
}

/** The message of a failed run-wide check: what is wrong, and the one thing to do (exported for tests). */
export function preflightError(e: import('@wif/core').CheckAccessError, emulator: string | undefined): PrintableError {
  switch (e.kind) {
    case 'Network':
      // A certificate that does not verify is not "cannot reach": its own message says how to trust the emulator's CA.
      if (!e.retryable) return e;
      return {
        kind: 'Network',
        message: emulator
          ? `cannot reach ${emulator} — is \`wif emulator\` running?`
          : `cannot reach Azure DevOps (${e.code ?? 'no answer'}): check the network, proxy and the organization name.`,
        ...(e.code ? { code: e.code } : {}),
      };
    case 'Authentication':
      return {
        kind: 'Authentication',
        message:
          'not signed in to Azure: run `az login` (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE or AZURE_CLIENT_SECRET; in a pipeline, use an AzureCLI@2 step with a WIF service connection).',
      };
    default:
      return e;
  }
}

/** `@wif/core/spec` and `@wif/core/access`: what the run's first request needs, loaded before the rest of the SDK. */
type FirstModules = readonly [typeof import('@wif/core/spec'), typeof import('@wif/core/access')];

/**
 * What a spec command read and sent before the rest of the SDK loaded (decision 027): the spec, its
 * warnings (printed when the command asks for the spec, as before), and the access check in flight.
 */
interface FirstRequest {
  readonly given: string | undefined;
  readonly spec: Result<ResolvedSpec, PrintableError>;
  readonly warnings: readonly string[];
  readonly check?: {
    readonly organization: string;
    readonly auth: Auth;
    readonly accessClients: Pick<WifClients, 'devops'>;
    readonly checked: Promise<Result<unknown, import('@wif/core').CheckAccessError>>;
  };
}

/** A usage error of `command`. */
const usageIn =
  (command: CommandName) =>
  (message: string): UsageError => ({ kind: 'Usage', message, command });

/**
 * The credentials of this process, for the services and the emulator the command line names (with
 * `emulatorCa`, the CA of `wif emulator --tls`, trusted when asking it for its caller's claims).
 */
const authOf = (io: CliIo, global: GlobalOptions, emulatorCa?: string): ReturnType<typeof resolveAuth> =>
  resolveAuth(io.env, {
    devopsAuth: global.devopsAuth,
    ...(global.emulator ? { emulator: global.emulator } : {}),
    ...(emulatorCa !== undefined ? { emulatorCa } : {}),
  });

/**
 * Sends the access check: one request, no retry (a refused connection or a missing sign-in is not
 * going to heal in the seconds retries would wait, and every connection of the run would repeat it),
 * through Azure DevOps clients of their own whose answer (who the caller is) the run's clients then
 * share (`sameCaller`).
 */
function sendCheck(
  made: Pick<Core, 'createAccessClients' | 'checkAccess'>,
  options: Parameters<Core['createClients']>[0],
  io: CliIo,
): { accessClients: Pick<WifClients, 'devops'>; checked: Promise<Result<unknown, import('@wif/core').CheckAccessError>> } {
  const accessClients = made.createAccessClients({ ...options, retry: { maxRetries: 0 } });
  return {
    accessClients,
    checked: Promise.resolve(made.checkAccess(accessClients, io.abortSignal ? { abortSignal: io.abortSignal } : {})),
  };
}

/** The commands that start with `prepare` (a spec, its organization, checked clients): their first request can leave early. */
const SPEC_COMMANDS: ReadonlySet<CommandName> = new Set(['plan', 'apply', 'sync', 'verify']);

/**
 * Whether `clients()` sends the access check first. Not when a change needs a confirmation nobody
 * can give, nor when `plan --out` names a file that cannot be written (each refused next, exit 2,
 * nothing sent); not for audit, which reports an organization it cannot read in its own output
 * (cause and fix, exit 1); not for whoami, whose first request is the same identity read.
 */
function checksAccess(io: CliIo, command: CommandName, options: OptionValues): boolean {
  const writes = command === 'apply' || (command === 'sync' && options['detect-only'] !== true);
  if (writes && options['yes'] !== true && !canAsk(io)) return false;
  const out = command === 'plan' ? options['out'] : undefined;
  if (typeof out === 'string' && writableFileProblem(resolve(io.cwd, out)) !== undefined) return false;
  return command !== 'audit' && command !== 'whoami';
}

/** Reads and resolves the spec (`--config`, else discovered); its warnings are returned, not printed. */
function readSpec(
  io: CliIo,
  command: CommandName,
  given: string | undefined,
  spec: FirstModules[0],
): { spec: Result<ResolvedSpec, PrintableError>; warnings: string[] } {
  const usage = usageIn(command);
  const warnings: string[] = [];
  const path = given ?? discoverConfig(io);
  if (!path)
    return {
      spec: err(
        usage(
          `This command needs a spec: --config FILE (YAML or JSON), WIF_CONFIG, or one of ${CONFIG_CANDIDATES.map((c) => `./${c}`).join(', ')} (none exists in ${io.cwd}).`,
        ),
      ),
      warnings,
    };
  const read = readRegularFile(resolve(io.cwd, path), spec.MAX_SPEC_BYTES);
  if (read.isErr()) {
    const why =
      read.error === 'ENOENT'
        ? `no such file: ${path}`
        : read.error === 'EACCES'
          ? `no permission to read ${path}`
          : `cannot read the spec ${path}: ${read.error}`;
    return { spec: err(usage(given ? why : `${why} (from ${io.env['WIF_CONFIG'] ? 'WIF_CONFIG' : 'discovery'})`)), warnings };
  }
  return { spec: spec.loadSpec(read.value, path, { onWarning: (w) => warnings.push(w) }), warnings };
}

/** The organization: `--org`, `WIF_ORG`, the spec, or the emulator's. */
function organizationOf(
  global: GlobalOptions,
  command: CommandName,
  schemas: Pick<FirstModules[0], 'organizationSchema'>,
  spec?: ResolvedSpec,
): Result<string, UsageError> {
  const usage = usageIn(command);
  const given = global.org;
  if (given !== undefined && !schemas.organizationSchema.safeParse(given).success) {
    return err(
      usage(
        `--org (or WIF_ORG) "${given}" is not an Azure DevOps organization name: 1 to 50 letters, digits or hyphens, starting and ending with a letter or digit. Nothing was sent.`,
      ),
    );
  }
  if (spec && given && given.toLowerCase() !== spec.organization.toLowerCase()) {
    return err(usage(`The spec names organization "${spec.organization}" but --org (or WIF_ORG) says "${given}".`));
  }
  const org = spec?.organization ?? given ?? (global.emulator ? EMULATOR_ORGANIZATION : undefined);
  return org ? ok(org) : err(usage('Which organization? Give --org NAME (or set WIF_ORG).'));
}

/**
 * For `plan`, `apply`, `sync` and `verify` with a spec: reads the spec and sends the access check
 * before the rest of the SDK loads, so that the request's round trip (and, in production, getting
 * the first token) runs while Node loads and evaluates the Graph and ARM clients and the workflows,
 * which blocks the event loop for tens of milliseconds. The command then takes the spec and the
 * check's answer as if it had read and sent them itself: the same errors, the same output, nothing
 * sent that it would not send. Not with `--verbose` (its request log goes through the printer) nor
 * an https emulator (its trust needs the rest of the SDK), nor `apply --plan`.
 */
async function sendFirstRequest(
  io: CliIo,
  global: GlobalOptions,
  command: CommandName,
  options: OptionValues,
  [spec, access]: FirstModules,
): Promise<FirstRequest | undefined> {
  if (!SPEC_COMMANDS.has(command) || global.verbose || global.emulator?.startsWith('https:') || options['plan'] !== undefined)
    return undefined;
  const given = typeof options['config'] === 'string' ? options['config'] : undefined;
  const read = readSpec(io, command, given, spec);
  const first: FirstRequest = { given, ...read };
  if (read.spec.isErr() || !checksAccess(io, command, options)) return first;
  const org = organizationOf(global, command, spec, read.spec.value);
  if (org.isErr()) return first;
  const auth = await authOf(io, global);
  if (auth.isErr()) return first;
  const { accessClients, checked } = sendCheck(access, clientOptions(auth.value, org.value, global), io);
  // Loading the rest of the SDK blocks the event loop: give the request two turns of it to leave
  // (the socket's connect and the write), else it would wait for the loading to end.
  for (let turn = 0; turn < 2; turn++) await new Promise((resolveTurn) => setImmediate(resolveTurn));
  return { ...first, check: { organization: org.value, auth: auth.value, accessClients, checked } };
}

/** The options of the clients for `organization` signed in with `auth`. */
function clientOptions(
  auth: Auth,
  organization: string,
  global: GlobalOptions,
  extra: { readonly httpClient?: NonNullable<Runtime['emulatorHttpClient']>; readonly logger?: (entry: LogEntry) => void } = {},
) {
  const endpoints = global.emulator ? emulatorEndpoints(global.emulator) : undefined;
  return {
    credential: auth.credential,
    organization,
    userAgentPrefix: USER_AGENT,
    ...(auth.devopsCredential ? { devopsCredential: auth.devopsCredential } : {}),
    ...(endpoints ? { endpoints } : {}),
    ...(extra.httpClient ? { httpClient: extra.httpClient } : {}),
    ...(extra.logger ? { logger: extra.logger } : {}),
  };
}

export async function createRuntime(io: CliIo, global: GlobalOptions, command: CommandName, options: OptionValues = {}): Promise<Runtime> {
  // First what the run's first request needs, and that request sent (decision 027); then the root
  // entry, and audit, migration and diagnose only for the command that uses them (only
  // commands/audit.ts, _auditOutput.ts, migrate.ts and diagnose.ts call into them), so the others
  // do not load them at start-up.
  const firstModules = await Promise.all([import('@wif/core/spec'), import('@wif/core/access')] as const);
  const first = await sendFirstRequest(io, global, command, options, firstModules);
  const [spec, access] = firstModules;
  const [root, audit, migration, diagnose] = await Promise.all([
    import('@wif/core'),
    command === 'audit' ? import('@wif/core/audit') : undefined,
    command === 'migrate' ? import('@wif/core/migration') : undefined,
    command === 'diagnose' ? import('@wif/core/diagnose') : undefined,
  ]);
  const core = { ...root, ...spec, ...access, ...audit, ...migration, ...diagnose } as Core;
  const printer = createPrinter(io, global, core);
  const logger = global.verbose
    ? (e: LogEntry): void => {
        const how = [e.durationInMs !== undefined ? `${e.durationInMs} ms` : '', e.attempt && e.attempt > 1 ? `attempt ${e.attempt}` : '']
          .filter(Boolean)
          .join(', ');
        printer.note(printer.colors.dim(`[${e.level}] ${e.service ? `${e.service}: ` : ''}${e.message}${how ? ` (${how})` : ''}`));
      }
    : undefined;
  const endpoints = global.emulator ? emulatorEndpoints(global.emulator) : undefined;
  const emulatorCa = global.emulator?.startsWith('https:') ? emulatorCaPem(io, printer) : undefined;
  const httpClient = emulatorCa !== undefined ? core.trustingHttpClient(emulatorCa) : undefined;
  const usage = usageIn(command);
  let firstSpec = first;

  return {
    core,
    io,
    global,
    command,
    printer,
    ...(io.abortSignal ? { abortSignal: io.abortSignal } : {}),
    ...(endpoints ? { emulatorEndpoints: endpoints } : {}),
    ...(httpClient ? { emulatorHttpClient: httpClient } : {}),
    ...(logger ? { logger } : {}),
    progress: () => createProgress(io, progressMode(io, global), printer.colors, core.redact),
    async clients(organization, use = {}) {
      const early = first?.check?.organization === organization ? first.check : undefined;
      const auth = early ? ok(early.auth) : await authOf(io, global, emulatorCa);
      if (auth.isErr()) return err(auth.error);
      if (global.verbose)
        printer.note(printer.colors.dim(`auth: ${auth.value.description}${global.emulator ? ` at ${global.emulator}` : ''}`));
      const options_ = clientOptions(auth.value, organization, global, {
        ...(httpClient ? { httpClient } : {}),
        ...(logger ? { logger } : {}),
      });
      const prefetch = io.abortSignal ? { abortSignal: io.abortSignal } : {};
      if (!checksAccess(io, command, options)) {
        const clients = core.createClients(options_);
        // An audit reads Graph and ARM for its identity checks once its Azure DevOps walk finds
        // connections: their tokens too, while the walk runs (decision 031).
        if (command === 'audit') core.prefetchTokens(clients, prefetch);
        return ok(clients);
      }
      // What the check reads (who the caller is) is the run's: the preflight and governance do not read it again.
      const check = early ?? sendCheck(core, options_, io);
      const clients = core.createClients({ ...options_, sameCaller: check.accessClients });
      // Every service's first token now, while the check is in flight, rather than each when its
      // service's first request needs it: `az login`'s credential runs `az` for each (~0.5–1 s), and
      // the plan's reads, the preflight and Graph's token claims would wait for them one after the
      // other (docs/decisions/031-every-token-asked-for-once-and-early.md). The check's own Azure
      // DevOps token is shared, not asked for again.
      // A command that is not one of those says which it calls (`migrate`, `diagnose`).
      if (SPEC_COMMANDS.has(command)) core.prefetchTokens(clients, prefetch);
      else if (use.prefetch) core.prefetchTokens(clients, { ...prefetch, services: use.prefetch });
      const checked = await check.checked;
      if (checked.isErr() && checked.error.kind !== 'Aborted') return err(preflightError(checked.error, global.emulator));
      return ok(clients);
    },
    configPath: (given) => given ?? discoverConfig(io),
    async loadSpec(given) {
      // The spec sendFirstRequest read, once, for the path it read it from.
      const read = firstSpec && firstSpec.given === given ? firstSpec : readSpec(io, command, given, spec);
      firstSpec = undefined;
      for (const w of read.warnings) printer.note(`warning: ${w}`);
      return read.spec;
    },
    async readText(path, what, maxBytes) {
      // As the spec is read: a regular file only (a FIFO or a device would hang or never end), capped.
      const read = readRegularFile(resolve(io.cwd, path), maxBytes);
      return read.isOk() ? ok(read.value) : err(usage(`Cannot read the ${what} ${path}: ${read.error}.`));
    },
    async writeText(path, text) {
      try {
        writeFileSync(resolve(io.cwd, path), text, 'utf8');
        return ok(undefined);
      } catch (e) {
        return err(usage(`Cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`));
      }
    },
    organization: (spec_) => organizationOf(global, command, core, spec_),
    fail(e) {
      printer.error(e);
      if (e.kind === 'Usage' && !global.json) printer.note(`Run \`wif ${command} --help\` for usage.`);
      return e.kind === 'Usage' || e.kind === 'Validation' ? EXIT.usage : EXIT.failure;
    },
  };
}

/**
 * The emulator's CA as PEM (`WIF_EMULATOR_CA`, else the one `wif emulator --tls` keeps in the
 * default state directory), trusted by wif's own clients only (the run's, and the request for the
 * claims of the caller the emulator plays): the process trust store is left alone and
 * verification stays on. Without a readable CA file, the clients trust what Node trusts
 * (`NODE_EXTRA_CA_CERTS` included).
 */
function emulatorCaPem(io: CliIo, printer: Printer): string | undefined {
  const given = io.env['WIF_EMULATOR_CA'];
  const file = given ? resolve(io.cwd, given) : caFileIn(defaultStateDir(io.env));
  const pem = readRegularFile(file, 64 * 1024);
  if (pem.isOk()) return pem.value;
  if (given) printer.note(`WIF_EMULATOR_CA: cannot read ${file} (${pem.error}).`);
  return undefined;
}

/**
 * Why `path` cannot be written as a file, before any request is sent (a command that would write
 * its result there after reading the services should not do the reading first): its directory
 * must exist and be writable, and an existing `path` must be a regular file it may write (not a
 * directory, FIFO or device). `undefined` when it can be written; the reason is a short phrase for a
 * usage message. A check, not a guarantee: the write itself can still fail (a full disk).
 */
export function writableFileProblem(path: string): string | undefined {
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat) {
      if (!stat.isFile()) return 'it exists and is not a regular file';
      accessSync(path, constants.W_OK);
      return undefined;
    }
    const dir = dirname(path);
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return `there is no directory ${dir}`;
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

/**
 * Reads a file that must be a regular file of at most `maxBytes`: a FIFO, a device (`/dev/zero`) or
 * a directory is refused before anything is read. Opened non-blocking, so a FIFO cannot hang `open()`
 * (a blocked open would hold the process, and then even a second Ctrl-C could not end it).
 * Synchronous: it runs before the first request, when there is nothing else to do, and
 * `node:fs/promises` would be one more module to load first (~1.5 ms) and five thread-pool round trips.
 * The error is a short reason for a usage message.
 */
export function readRegularFile(path: string, maxBytes: number): Result<string, string> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return err((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return err('it is not a regular file (a FIFO, device or directory is refused)');
    if (stat.size > maxBytes) return err(`it is larger than ${maxBytes} bytes`);
    // Sized by fstat, one byte more so that the end is seen, and grown (up to one byte past the
    // limit) if the file grew since: a large cap costs nothing for a small file.
    let buffer = Buffer.allocUnsafe(stat.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) return err(`it is larger than ${maxBytes} bytes`);
    }
    return ok(buffer.toString('utf8', 0, length));
  } catch (e) {
    return err((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  } finally {
    closeSync(fd);
  }
}
