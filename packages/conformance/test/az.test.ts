/**
 * The az CLI (Python requests underneath): `az rest` against each service, trusting the emulator's
 * CA through REQUESTS_CA_BUNDLE. Skipped, and says so, when `az` is not on PATH.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { makeTestToken } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { emulator, health } from './_emulator';

const run = promisify(execFile);
const az = await run('az', ['version', '--output', 'none']).then(
  () => true,
  () => false,
);
if (!az) console.warn('conformance: `az` is not on PATH; the az rest checks are skipped.');

describe.skipIf(!az)('az rest (REQUESTS_CA_BUNDLE)', () => {
  const rest = async (url: string, scope: string): Promise<unknown> => {
    const { stdout } = await run(
      'az',
      ['rest', '--method', 'get', '--url', url, '--headers', `Authorization=Bearer ${makeTestToken(scope)}`, '--skip-authorization-header'],
      { env: { ...process.env, REQUESTS_CA_BUNDLE: emulator.caFile, AZURE_CORE_COLLECT_TELEMETRY: 'false' }, timeout: 60_000 },
    );
    return JSON.parse(stdout) as unknown;
  };

  it('reads ARM, Graph and Azure DevOps', async () => {
    const h = await health();
    expect(
      await rest(
        `${emulator.url}/arm/subscriptions/${h.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01&$filter=roleName eq 'Reader'`,
        'https://management.azure.com/.default',
      ),
    ).toMatchObject({ value: [{ properties: { roleName: 'Reader' } }] });
    expect(await rest(`${emulator.url}/graph/v1.0/applications`, 'https://graph.microsoft.com/.default')).toHaveProperty('value');
    expect(
      await rest(`${emulator.url}/devops/contoso/_apis/projects?api-version=7.1`, '499b84ac-1321-427f-aa17-267ca6975798/.default'),
    ).toHaveProperty('count');
  });
});
