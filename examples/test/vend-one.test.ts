import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClients } from '@wif/core';
import { TEST_TENANT_ID } from '@wif/testing';
import { useFake } from '@wif/testing/vitest';
import { describe, expect, it } from 'vitest';
import { vendOne, type VendOneParams } from '../vend-one';

const examplesDir = fileURLToPath(new URL('..', import.meta.url));

describe('vend-one.ts', () => {
  it('runs as a script against the fake and verifies the trust chain', async () => {
    const { stdout } = await promisify(execFile)('pnpm', ['exec', 'tsx', '--conditions=@wif/source', 'vend-one.ts'], {
      cwd: examplesDir,
      env: { ...process.env, WIF_EXAMPLE_FAKE: '1' },
      timeout: 50_000,
    });
    // execFile rejects on a non-zero exit code, so reaching here means exit code 0.
    expect(stdout).toMatch(/^trust chain verified$/m);
    expect(stdout).toMatch(/^credential\s+created\s+ado-sc-/m);
  });

  describe('vendOne', () => {
    const { fake, clients } = useFake({ projects: ['platform'], clients: createClients });

    const params: VendOneParams = {
      tenantId: TEST_TENANT_ID,
      project: 'platform',
      connectionName: 'sc-platform-prod',
      subscriptionId: '11111111-2222-3333-4444-555555555555',
      subscriptionName: 'Platform Prod',
      resourceGroup: 'rg-platform-prod',
      role: 'Contributor',
    };

    it('converges: a second run on the same fake reports every step unchanged and writes nothing', async () => {
      const run = async () => {
        const lines: string[] = [];
        const report = await vendOne(clients, params, (line) => lines.push(line));
        const outcomes: Record<string, string> = {};
        for (const line of lines) {
          const m = /^(app|role|connection|credential)\s+(\w+)/.exec(line);
          if (m) outcomes[m[1]!] = m[2]!;
        }
        return { report, outcomes };
      };

      const first = await run();
      expect(first.outcomes).toEqual({ app: 'created', role: 'created', connection: 'created', credential: 'created' });
      const writesAfterFirst = fake.requests.filter((r) => r.method !== 'GET').length;

      const second = await run();
      expect(second.outcomes).toEqual({ app: 'unchanged', role: 'unchanged', connection: 'unchanged', credential: 'unchanged' });
      expect(second.report._unsafeUnwrap()).toEqual(first.report._unsafeUnwrap());
      expect(fake.requests.filter((r) => r.method !== 'GET')).toHaveLength(writesAfterFirst);
      expect(fake.state.applications()).toHaveLength(1);
      expect(fake.state.serviceEndpoints()).toHaveLength(1);
    });
  });
});
