/**
 * The suite really exercises discovery: the same client code that passes against the emulator
 * fails against one started without Azure DevOps location discovery, or without the Entra OpenID
 * configuration (an emulator option that only this test uses).
 */
import { ClientSecretCredential } from '@azure/identity';
import { type Emulator, startEmulator } from '@wif/cli';
import { makeTestToken } from '@wif/testing';
import { getBearerHandler, WebApi } from 'azure-devops-node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { emulator as suiteEmulator } from './_emulator';

const started: Emulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()));
});

async function start(withoutDiscovery: ('locationDiscovery' | 'openidConfiguration')[]): Promise<Emulator> {
  // Same state directory, so the same CA (trusted through NODE_EXTRA_CA_CERTS) issues its certificate.
  const emu = (await startEmulator({ port: 0, tls: { stateDir: suiteEmulator.stateDir }, withoutDiscovery }))._unsafeUnwrap();
  started.push(emu);
  return emu;
}

/** What devops.test.ts does first. */
async function listProjects(url: string): Promise<string[]> {
  const web = new WebApi(`${url}/devops/contoso`, getBearerHandler(makeTestToken('499b84ac-1321-427f-aa17-267ca6975798/.default')));
  return (await (await web.getCoreApi()).getProjects()).map((p) => p.name ?? '');
}

/** What identity.test.ts does first: an app with a secret, then a token for ARM. */
async function secretToken(emu: Emulator): Promise<string> {
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fetch(`${emu.url}/graph/v1.0${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${makeTestToken('https://graph.microsoft.com/.default')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as T;
  };
  const app = await post<{ id: string; appId: string }>('/applications', { displayName: 'discovery-check' });
  await post('/servicePrincipals', { appId: app.appId });
  const { secretText } = await post<{ secretText: string }>(`/applications/${app.id}/addPassword`, { passwordCredential: {} });
  const credential = new ClientSecretCredential(emu.fake.state.tenantId, app.appId, secretText, {
    authorityHost: `${emu.url}/entra`,
    disableInstanceDiscovery: true,
  });
  return (await credential.getToken('https://management.azure.com/.default')).token;
}

describe('the suite depends on discovery', () => {
  it('control: both clients work against an emulator with discovery', async () => {
    const emu = await start([]);
    expect(await listProjects(emu.url)).toEqual(expect.arrayContaining(['platform', 'shared']));
    expect(await secretToken(emu)).toMatch(/\./);
  });

  it('azure-devops-node-api fails without location discovery', async () => {
    const emu = await start(['locationDiscovery']);
    await expect(listProjects(emu.url)).rejects.toThrow(/Failed to find api location/);
    // Entra is untouched.
    expect(await secretToken(emu)).toMatch(/\./);
  });

  it('@azure/identity fails without the OpenID configuration', async () => {
    const emu = await start(['openidConfiguration']);
    await expect(secretToken(emu)).rejects.toThrow(/openid|endpoints_resolution_error|metadata/i);
    expect(await listProjects(emu.url)).toEqual(expect.arrayContaining(['platform']));
  });
});
