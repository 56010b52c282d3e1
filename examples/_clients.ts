/**
 * How every runbook here gets its clients: against the local emulator when `WIF_EMULATOR_URL` is set
 * (its development credential; CI runs every runbook this way), otherwise against Azure with
 * `DefaultAzureCredential` (after `az login`, or in a pipeline) and, if set, a PAT for Azure DevOps.
 */
import type { TokenCredential } from '@azure/core-auth';
import { createClients, PersonalAccessTokenCredential, type WifClients } from '@wif/core';

export interface Connected {
  readonly clients: WifClients;
  readonly emulator: boolean;
}

export async function connect(organization: string): Promise<Connected> {
  const url = process.env['WIF_EMULATOR_URL'];
  if (url) {
    const { createTestCredential } = await import('@wif/testing');
    const base = url.replace(/\/+$/, '');
    return {
      emulator: true,
      clients: createClients({
        credential: createTestCredential(),
        organization,
        endpoints: { graph: `${base}/graph/v1.0`, arm: `${base}/arm`, devops: `${base}/devops`, authority: `${base}/entra` },
      }),
    };
  }
  const { DefaultAzureCredential } = await import('@azure/identity');
  const credential: TokenCredential = new DefaultAzureCredential();
  const pat = process.env['AZURE_DEVOPS_EXT_PAT'];
  return {
    emulator: false,
    clients: createClients({ credential, organization, ...(pat ? { devopsCredential: new PersonalAccessTokenCredential(pat) } : {}) }),
  };
}

/** Runs `main` when the file is executed directly (not imported by a test). */
export function runIfMain(url: string, main: () => Promise<number>): void {
  if (url === `file://${process.argv[1]}`) void main().then((code) => process.exit(code));
}
