import { TEST_CALLER_OBJECT_ID } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { ORG, testClient, useContractServer } from '../../test/server';
import { getConnectionData } from './connectionData';

const ORG_ID = '0d2b6c47-98a1-4b7e-9c3f-51a2e4d6b8f0';
const { seen } = useContractServer({ organizationId: ORG_ID });

describe('getConnectionData', () => {
  it('reads the organization id (instanceId) and who the credential signed in as', async () => {
    const { client } = testClient();
    const data = (await getConnectionData(client))._unsafeUnwrap();
    expect(data.instanceId).toBe(ORG_ID);
    expect(data.authenticatedUser?.id).toBe(TEST_CALLER_OBJECT_ID);
    expect(seen[0]?.url.href).toBe(`https://dev.azure.com/${ORG}/_apis/connectionData?api-version=7.1-preview.1`);
  });

  it('is rejected by the handler at the GA api-version it does not serve', async () => {
    const { client } = testClient();
    const result = await client.transport.send({
      method: 'GET',
      path: '/_apis/connectionData',
      query: { 'api-version': '7.1' },
      operation: 'GET connectionData',
    });
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'VssVersionOutOfRangeException' });
  });
});
