/**
 * @azure/identity (MSAL underneath) against the emulator's Entra: the credential reads
 * `{authorityHost}/{tenant}/v2.0/.well-known/openid-configuration`, then posts to the token
 * endpoint it names. `disableInstanceDiscovery` because instance discovery asks the real
 * login.microsoftonline.com about the authority host.
 */
import { ClientAssertionCredential, ClientSecretCredential } from '@azure/identity';
import { decodeTestToken, makeTestToken } from '@wif/testing';
import { getBearerHandler, WebApi } from 'azure-devops-node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { emulator, health, type Health, orgUrl, unique } from './_emulator';

const SCOPES = {
  arm: 'https://management.azure.com/.default',
  graph: 'https://graph.microsoft.com/.default',
  devops: '499b84ac-1321-427f-aa17-267ca6975798/.default',
} as const;
const authorityHost = `${emulator.url}/entra`;
const graphToken = (): string => makeTestToken(SCOPES.graph);

/** Graph over plain fetch (the Graph client has its own test): an app, its SP and a secret. */
async function graphPost<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${emulator.url}/graph/v1.0${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${graphToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe('@azure/identity', () => {
  let h: Health;
  beforeAll(async () => {
    h = await health();
  });

  it('ClientSecretCredential gets tokens for ARM, Graph and Azure DevOps', async () => {
    const app = await graphPost<{ id: string; appId: string }>('/applications', { displayName: unique('conformance-secret') });
    const sp = await graphPost<{ id: string }>('/servicePrincipals', { appId: app.appId });
    const { secretText } = await graphPost<{ secretText: string }>(`/applications/${app.id}/addPassword`, {
      passwordCredential: { displayName: 'conformance' },
    });
    const credential = new ClientSecretCredential(h.tenantId, app.appId, secretText, { authorityHost, disableInstanceDiscovery: true });
    for (const scope of Object.values(SCOPES)) {
      const token = await credential.getToken(scope);
      const claims = decodeTestToken(`Bearer ${token.token}`);
      expect(claims?.aud).toBe(scope.replace(/\/\.default$/, ''));
      expect(claims?.oid).toBe(sp.id);
      expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
    }
  });

  it('ClientSecretCredential fails with Entra’s own error for a wrong secret and an unknown tenant', async () => {
    const app = await graphPost<{ id: string; appId: string }>('/applications', { displayName: unique('conformance-wrong') });
    await graphPost('/servicePrincipals', { appId: app.appId });
    await graphPost(`/applications/${app.id}/addPassword`, { passwordCredential: {} });
    const wrong = new ClientSecretCredential(h.tenantId, app.appId, 'not-the-secret', { authorityHost, disableInstanceDiscovery: true });
    await expect(wrong.getToken(SCOPES.arm)).rejects.toThrow(/AADSTS7000215/);
    const tenant = new ClientSecretCredential('00000000-0000-0000-0000-000000000001', app.appId, 'x', {
      authorityHost,
      disableInstanceDiscovery: true,
    });
    await expect(tenant.getToken(SCOPES.arm)).rejects.toThrow(/AADSTS90002|invalid_tenant|endpoints_resolution_error/);
  });

  it('ClientAssertionCredential exchanges a connection’s Azure DevOps OIDC token (workload identity federation)', async () => {
    const web = new WebApi(orgUrl, getBearerHandler(makeTestToken(SCOPES.devops)));
    const platform = h.projects.find((p) => p.name === 'platform')!;
    const endpoints = await (await web.getServiceEndpointApi()).getServiceEndpoints(platform.id);
    const wif = endpoints.find((e) => e.authorization?.scheme === 'WorkloadIdentityFederation')!;
    const appId = wif.authorization!.parameters!['serviceprincipalid']!;
    const task = await web.getTaskApi();
    const credential = new ClientAssertionCredential(
      h.tenantId,
      appId,
      async () => (await task.createOidcToken({}, platform.id, 'build', crypto.randomUUID(), crypto.randomUUID(), wif.id!)).oidcToken!,
      { authorityHost, disableInstanceDiscovery: true },
    );
    const token = await credential.getToken(SCOPES.arm);
    expect(decodeTestToken(`Bearer ${token.token}`)?.appid).toBe(appId);
  });
});
