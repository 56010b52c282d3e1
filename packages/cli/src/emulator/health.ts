/** Reads the emulator's health route: what a client of the emulator may need to know about it. */
import { err, ok, type Result } from 'neverthrow';
import type { PrintableError } from '../output';
import { EMULATOR_PATHS } from './layout';

export interface EmulatorHealth {
  readonly organization: string;
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly projects: readonly { readonly id: string; readonly name: string }[];
}

/** `GET {url}/_emulator/health`, bounded to 5 s. */
export async function fetchEmulatorHealth(url: string): Promise<Result<EmulatorHealth, PrintableError>> {
  try {
    const res = await fetch(`${url}${EMULATOR_PATHS.admin}/health`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(String(res.status));
    return ok((await res.json()) as EmulatorHealth);
  } catch {
    return err({ kind: 'Network', message: `Cannot reach the emulator at ${url}: is \`wif emulator\` running there?` });
  }
}
