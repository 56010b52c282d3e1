/**
 * @microsoft/microsoft-graph-client against the emulator's Graph: `baseUrl` is the emulator, and
 * `customHosts` lets the client attach the token to a host other than graph.microsoft.com (it
 * does so only over https).
 */
import { Client } from '@microsoft/microsoft-graph-client';
import { createTestCredential } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { emulator, unique } from './_emulator';

function graphClient(): Client {
  const credential = createTestCredential();
  return Client.initWithMiddleware({
    baseUrl: `${emulator.url}/graph/`,
    defaultVersion: 'v1.0',
    customHosts: new Set(['127.0.0.1']),
    authProvider: {
      getAccessToken: async () => (await credential.getToken('https://graph.microsoft.com/.default'))!.token,
    },
  });
}

describe('@microsoft/microsoft-graph-client', () => {
  it('creates an application, its service principal and a federated identity credential', async () => {
    const graph = graphClient();
    const displayName = unique('conformance-graph');
    const app = (await graph.api('/applications').post({ displayName, signInAudience: 'AzureADMyOrg' })) as { id: string; appId: string };
    expect(app.appId).toMatch(/^[0-9a-f-]{36}$/);
    const sp = (await graph.api('/servicePrincipals').post({ appId: app.appId })) as { appId: string };
    expect(sp.appId).toBe(app.appId);
    const fic = {
      name: 'conformance',
      issuer: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0',
      subject:
        '/eid1/c/pub/t/v4j5cvGGr0GRqS0s5rTsYQ/a/00000000-0000-0000-0000-000000000000/sc/11111111-1111-1111-1111-111111111111/22222222-2222-2222-2222-222222222222',
      audiences: ['api://AzureADTokenExchange'],
    };
    const created = (await graph.api(`/applications/${app.id}/federatedIdentityCredentials`).post(fic)) as typeof fic;
    expect(created).toMatchObject(fic);
    const listed = (await graph.api(`/applications(appId='${app.appId}')/federatedIdentityCredentials`).get()) as { value: (typeof fic)[] };
    expect(listed.value.map((f) => f.subject)).toEqual([fic.subject]);
  });

  it('gets Graph’s own error body for an invalid request', async () => {
    await expect(graphClient().api('/applications').post({ displayName: '' })).rejects.toMatchObject({ statusCode: 400 });
  });
});
