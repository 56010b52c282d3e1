/**
 * Issue 12: a connection whose creation failed (operationStatus Failed) is hidden from a name lookup
 * without includeFailed=true; the step must still find it by name and never create a second one.
 */
import { TEST_TENANT_ID } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { createManualConnection } from './createManualConnection';

const { fake, clients } = useFake({ reset: 'file', clients: createClients });
const { devops } = clients;
const APP_ID = '3f1c2a9e-7b64-4d0a-9a51-2f6e8c0d1b42';
const SUB = '11111111-2222-3333-4444-555555555555';

describe('createManualConnection over a failed connection of the same name', () => {
  it('finds it (includeFailed) and creates no second connection', async () => {
    fake.state.addProject('platform');
    fake.state.addServiceEndpoint({
      name: 'sc-platform-prod',
      projects: 'platform',
      servicePrincipalId: APP_ID,
      isReady: false,
      operationStatus: { state: 'Failed', statusMessage: 'creation failed' },
    });
    await createManualConnection(
      { devops },
      {
        project: 'platform',
        name: 'sc-platform-prod',
        tenantId: TEST_TENANT_ID,
        appId: APP_ID,
        target: { level: 'subscription', subscriptionId: SUB, subscriptionName: 'Platform Prod' },
      },
    );
    const lookups = fake.requests.filter((r) => r.method === 'GET' && r.operation.toLowerCase().includes('serviceendpoint'));
    expect(lookups.length).toBeGreaterThan(0);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(fake.state.serviceEndpoints().filter((e) => e.name === 'sc-platform-prod')).toHaveLength(1);
  });
});
