import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import { armContractHandlers, createTestCredential, loadFixture } from '@wif/testing';
import { getRoleDefinition } from './api/roleDefinitions';
import { createArmClient } from './client';
import { BUILT_IN_ROLES } from './roles';

const EMULATOR = 'http://127.0.0.1:7443/arm';
const SCOPE = '/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
const READER = BUILT_IN_ROLES.Reader;

const { server, urls } = useContractServer([...armContractHandlers(), ...armContractHandlers({ baseUrl: EMULATOR })]);

describe('createArmClient', () => {
  it('defaults to the public cloud endpoint and token scope', async () => {
    const credential = createTestCredential();
    const client = createArmClient({ credential });
    expect(client.transport.baseUrl).toBe('https://management.azure.com');
    expect((await getRoleDefinition(client, SCOPE, READER)).isOk()).toBe(true);
    expect(credential.requestedScopes).toEqual(['https://management.azure.com/.default']);
    expect(Object.isFrozen(client)).toBe(true);
  });

  it('takes the endpoint and scope of a sovereign cloud preset', async () => {
    const body = loadFixture<{ responses: { 200: { body: object } } }>('arm-roleDefinitions-2022-04-01-GetRoleDefinitionByName.json')
      .responses[200].body;
    server.use(http.get('https://management.usgovcloudapi.net/*', () => HttpResponse.json(body)));
    const credential = createTestCredential();
    const result = await getRoleDefinition(createArmClient({ credential, cloud: 'AzureUSGovernment' }), SCOPE, READER);
    expect(result.isOk()).toBe(true);
    expect(credential.requestedScopes).toEqual(['https://management.usgovcloudapi.net/.default']);
    expect(urls[0]).toMatch(/^https:\/\/management\.usgovcloudapi\.net\/subscriptions\//);
  });

  it('works against the local emulator over plain HTTP, below a path', async () => {
    const client = createArmClient({ credential: createTestCredential(), endpoint: `${EMULATOR}/` });
    const definition = (await getRoleDefinition(client, SCOPE, READER))._unsafeUnwrap();
    expect(definition.properties.roleName).toBe('Reader');
    expect(urls).toEqual([`${EMULATOR}${SCOPE}/providers/Microsoft.Authorization/roleDefinitions/${READER}?api-version=2022-04-01`]);
  });

  it.each([
    ['plain HTTP to another host', 'http://management.contoso.com'],
    ['not a URL', 'management.azure.com'],
    ['another scheme', 'ftp://127.0.0.1/arm'],
  ])('throws TypeError for an endpoint that is %s', (_label, endpoint) => {
    expect(() => createArmClient({ credential: createTestCredential(), endpoint })).toThrow(TypeError);
  });
});
