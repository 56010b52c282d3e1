/**
 * The contract handlers refuse what wif must never send: a role assignment without
 * principalType ServicePrincipal, a connection without scopeLevel, a credential whose audience is not
 * a token-exchange audience. Each test also shows the well-formed request passing, so the refusal is
 * about the one field.
 */
import { describe, expect, it } from 'vitest';
import { useContractServer } from '../vitest/index';
import { createTestCredential } from '../credential';
import { armContractHandlers } from './arm';
import { devopsContractHandlers } from './devops';
import { graphContractHandlers } from './graph';

useContractServer([...armContractHandlers(), ...graphContractHandlers(), ...devopsContractHandlers()]);

const credential = createTestCredential();
const bearer = async (scope: string): Promise<string> => `Bearer ${(await credential.getToken(scope))!.token}`;
const SUB = 'a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
const G = '11111111-2222-3333-4444-555555555555';

async function send(url: string, method: string, scope: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method,
    headers: { authorization: await bearer(scope), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

describe('ARM role assignment handler', () => {
  const url = `https://management.azure.com/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/${G}?api-version=2022-04-01`;
  const properties = {
    roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
    principalId: '22222222-3333-4444-5555-666666666666',
  };
  const scope = 'https://management.azure.com/.default';

  it('refuses an assignment without principalType (ARM would take it as User)', async () => {
    const r = await send(url, 'PUT', scope, { properties });
    expect(r.status).toBe(400);
    expect(r.text).toContain('UnmatchedPrincipalType');
  });

  it('refuses principalType User for a service principal', async () => {
    expect((await send(url, 'PUT', scope, { properties: { ...properties, principalType: 'User' } })).status).toBe(400);
  });

  it('accepts principalType ServicePrincipal', async () => {
    expect((await send(url, 'PUT', scope, { properties: { ...properties, principalType: 'ServicePrincipal' } })).status).toBe(201);
  });
});

describe('Graph federated identity credential handler', () => {
  const url = `https://graph.microsoft.com/v1.0/applications/${G}/federatedIdentityCredentials`;
  const scope = 'https://graph.microsoft.com/.default';
  const fic = (audience: string) => ({
    name: 'ado-sc-test',
    issuer: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0',
    subject: 'sc://contoso/platform/sc-test',
    audiences: [audience],
  });

  it('refuses an audience that is not a token-exchange audience', async () => {
    const r = await send(url, 'POST', scope, fic('api://SomethingElse'));
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/not a token-exchange audience/);
  });

  it('accepts api://AzureADTokenExchange', async () => {
    expect((await send(url, 'POST', scope, fic('api://AzureADTokenExchange'))).status).toBe(201);
  });
});

describe('Azure DevOps service endpoint handler', () => {
  const url = 'https://dev.azure.com/contoso/_apis/serviceendpoint/endpoints?api-version=7.1';
  const scope = '499b84ac-1321-427f-aa17-267ca6975798/.default';
  const endpoint = (data: Record<string, string>) => ({
    name: 'sc-test',
    type: 'azurerm',
    url: 'https://management.azure.com/',
    authorization: {
      scheme: 'WorkloadIdentityFederation',
      parameters: { tenantid: '72f988bf-86f1-41af-91ab-2d7cd011db47', serviceprincipalid: G },
    },
    data: { creationMode: 'Manual', environment: 'AzureCloud', subscriptionId: SUB, subscriptionName: 'Sub', ...data },
    isShared: false,
    serviceEndpointProjectReferences: [{ projectReference: { id: G, name: 'platform' }, name: 'sc-test' }],
  });

  it('refuses a connection without scopeLevel', async () => {
    const r = await send(url, 'POST', scope, endpoint({}));
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/scopeLevel/);
  });

  it('accepts scopeLevel Subscription', async () => {
    const r = await send(url, 'POST', scope, endpoint({ scopeLevel: 'Subscription' }));
    expect(r.status, r.text).toBeLessThan(300);
  });
});
