/** `wif emulator`: serves the local emulator until Ctrl-C (docs/emulator.md). */
import { resolve } from 'node:path';
import { intOption, type Invocation, stringOption } from '../args';
import { DEFAULT_EMULATOR_PORT } from '../emulator/layout';
import { startEmulator } from '../emulator/server';
import { EXIT, type ExitCode } from '../exitCodes';
import type { Runtime } from '../runtime';

type Inv = Extract<Invocation, { options: unknown }>;

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const { printer } = rt;
  const port = intOption(inv.options, 'port', { min: 0, max: 65_535 }, 'emulator');
  if (port.isErr()) return rt.fail(port.error);
  const stateOption = stringOption(inv.options, 'state');
  const stateFile = stateOption ? resolve(rt.io.cwd, stateOption) : undefined;
  const started = await startEmulator({
    port: port.value ?? DEFAULT_EMULATOR_PORT,
    seed: inv.options['seed'] !== false,
    ...(inv.options['tls'] === true ? { tls: true } : {}),
    ...(stateFile ? { stateFile } : {}),
    onPersistError: (message) => printer.note(message),
    ...(rt.global.verbose
      ? { onRequest: (method: string, path: string, status: number) => printer.note(printer.colors.dim(`${method} ${path} → ${status}`)) }
      : {}),
  });
  // A state file that cannot be used is the user's input to fix: exit 2, naming the file.
  if (started.isErr())
    return rt.fail(started.error.stateFile !== undefined ? { kind: 'Usage', message: started.error.message } : started.error);
  const emu = started.value;
  const { state } = emu.fake;
  const env = `WIF_EMULATOR_URL=${emu.url}`;
  printer.data({
    ok: true,
    url: emu.url,
    ...(emu.caFile ? { caFile: emu.caFile } : {}),
    port: emu.port,
    endpoints: emu.endpoints,
    env,
    organization: state.organization,
    tenantId: state.tenantId,
    subscriptionId: state.subscriptionId,
    restored: emu.restored,
  });
  printer.line(`wif emulator: Graph, ARM, Azure DevOps and Entra on ${printer.colors.bold(emu.url)} (127.0.0.1 only)`);
  printer.line(`  organization ${state.organization}, tenant ${state.tenantId}, subscription ${state.subscriptionId}`);
  printer.line(
    `  ${
      emu.restored
        ? `state restored from ${stateFile}`
        : `projects: ${
            state
              .projects()
              .map((p) => p.name)
              .join(', ') || '(none)'
          }; connections: ${
            state
              .serviceEndpoints()
              .map((e) => e.name)
              .join(', ') || '(none)'
          }`
    }`,
  );
  if (emu.caFile) {
    printer.line(`  TLS: certificate for 127.0.0.1 and localhost from the local CA ${emu.caFile}. Trust it with:`);
    printer.line(`export NODE_EXTRA_CA_CERTS=${emu.caFile}`);
    printer.line(`export REQUESTS_CA_BUNDLE=${emu.caFile}`);
    printer.line(`export WIF_EMULATOR_CA=${emu.caFile}`);
  }
  printer.line(`  Ctrl-C stops it. Point wif at it with:`);
  printer.line(`export ${env}`);

  const signal = rt.abortSignal;
  if (signal && !signal.aborted) await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
  await emu.close();
  printer.note('wif emulator: stopped');
  return EXIT.ok;
}
