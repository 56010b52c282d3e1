/** Reads the emulator's health route: what a client of the emulator may need to know about it. */
import { err, ok, type Result } from 'neverthrow';
import type { PrintableError } from '../output';
import type { Runtime } from '../runtime';
import { EMULATOR_PATHS } from './layout';

export interface EmulatorHealth {
  readonly organization: string;
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly projects: readonly { readonly id: string; readonly name: string }[];
}

/** `GET {url}/_emulator/health`, bounded to 5 s; `fetchImpl` trusts the emulator's CA over TLS. */
export async function fetchEmulatorHealth(url: string, fetchImpl: typeof fetch = fetch): Promise<Result<EmulatorHealth, PrintableError>> {
  try {
    const res = await fetchImpl(`${url}${EMULATOR_PATHS.admin}/health`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(String(res.status));
    return ok((await res.json()) as EmulatorHealth);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why = typeof code === 'string' && code !== '' ? ` (${code})` : '';
    return err({ kind: 'Network', message: `Cannot reach the emulator at ${url}${why}: is \`wif emulator\` running there?` });
  }
}

/** The `fetch` for the emulator's own routes: through the runtime's trusting HTTP stack over TLS. */
export function emulatorFetch(rt: Pick<Runtime, 'core' | 'emulatorHttpClient'>): typeof fetch {
  return rt.emulatorHttpClient ? rt.core.fetchOverHttpClient(rt.emulatorHttpClient) : fetch;
}
