import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { FAST_RETRY, useContractServer } from '@wif/testing/vitest';
import { armContractHandlers, loadFixture, serviceError } from '@wif/testing';
import { createArmClient } from '../client';
import {
  IdentityFederatedCredentialListSchema,
  IdentityFederatedCredentialSchema,
  UserAssignedIdentityListSchema,
  UserAssignedIdentitySchema,
} from '../schemas/managedIdentity';
import {
  createOrUpdateUserAssignedIdentity,
  deleteIdentityFederatedCredential,
  deleteUserAssignedIdentity,
  getIdentityFederatedCredential,
  getUserAssignedIdentity,
  listIdentityFederatedCredentials,
  listUserAssignedIdentities,
  putIdentityFederatedCredential,
} from './managedIdentities';

const BASE = 'https://management.azure.com';
const SUB = 'c267c0e7-0a73-4789-9e17-d26aeb0904e5';
const REF = { subscriptionId: SUB, resourceGroup: 'rg-identities', name: 'id-prod' };
const IDENTITY_PATH = `/subscriptions/${SUB}/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-prod`;
const FIC = {
  issuer: 'https://login.microsoftonline.com/b6c948ef-f6b5-4384-8354-da3a15eca969/v2.0',
  subject: '/eid1/c/pub/t/abc/a/def/sc/org/conn',
  audiences: ['api://AzureADTokenExchange'],
};

const { server, requests: seen, clientOptions } = useContractServer(armContractHandlers());

const arm = () => createArmClient(clientOptions({ retry: { ...FAST_RETRY, maxRetries: 1 } }));
const example = <T>(name: string) => loadFixture<T>(name);

describe('user-assigned identities', () => {
  it('creates with the example request shape and reads clientId, principalId and tenantId from the 201', async () => {
    const requestBody = example<{ parameters: { parameters: { location: string; tags: Record<string, string> } } }>(
      'arm-msi-2024-11-30-IdentityCreate.json',
    ).parameters.parameters;
    const result = (await createOrUpdateUserAssignedIdentity(arm(), REF, requestBody))._unsafeUnwrap();
    expect(result.created).toBe(true);
    expect(result.identity).toMatchObject({
      name: 'id-prod',
      location: 'eastus',
      properties: { clientId: '4024ab25-56a8-4370-aea6-6389221caf29', principalId: '25cc773c-7f05-40fc-a104-32d2300754ad' },
    });
    expect(seen[0]!.method).toBe('PUT');
    expect(seen[0]!.url.href).toBe(`${BASE}${IDENTITY_PATH}?api-version=2024-11-30`);
    expect(JSON.parse(seen[0]!.body)).toEqual(requestBody);
  });

  it('reports created: false on 200 (the identity existed)', async () => {
    server.use(
      http.put(`${BASE}${IDENTITY_PATH}`, () =>
        HttpResponse.json(example<{ responses: { 200: { body: object } } }>('arm-msi-2024-11-30-IdentityCreate.json').responses[200].body),
      ),
    );
    expect((await createOrUpdateUserAssignedIdentity(arm(), REF, { location: 'eastus' }))._unsafeUnwrap().created).toBe(false);
  });

  it('gets, deletes (200 and 204) and lists', async () => {
    expect((await getUserAssignedIdentity(arm(), REF))._unsafeUnwrap().properties.tenantId).toBe('b6c948ef-f6b5-4384-8354-da3a15eca969');
    expect((await deleteUserAssignedIdentity(arm(), REF))._unsafeUnwrap()).toBe(true);
    server.use(http.delete(`${BASE}${IDENTITY_PATH}`, () => new HttpResponse(null, { status: 204 })));
    expect((await deleteUserAssignedIdentity(arm(), REF))._unsafeUnwrap()).toBe(false);
    const pages = [];
    for await (const page of listUserAssignedIdentities(arm(), SUB, 'rg-identities')) pages.push(page._unsafeUnwrap());
    expect(pages.flat().map((i) => i.name)).toEqual(['identityName']);
    expect(seen.map((s) => s.method)).toEqual(['GET', 'DELETE', 'DELETE', 'GET']);
    expect(seen.every((s) => s.url.href.includes('api-version=2024-11-30'))).toBe(true);
  });

  it('a missing identity is NotFound', async () => {
    server.use(
      http.get(`${BASE}${IDENTITY_PATH}`, () =>
        serviceError(
          'arm',
          404,
          'ResourceNotFound',
          "The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/id-prod' was not found.",
        ),
      ),
    );
    expect((await getUserAssignedIdentity(arm(), REF))._unsafeUnwrapErr()).toMatchObject({ kind: 'NotFound', code: 'ResourceNotFound' });
  });

  describe('the contract refuses a changed request', () => {
    it('a body without location', async () => {
      const r = await arm().transport.send({
        method: 'PUT',
        path: IDENTITY_PATH,
        query: { 'api-version': '2024-11-30' },
        body: { tags: {} },
        operation: 'x',
      });
      expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'LocationRequired' });
    });
    it('another api-version', async () => {
      const r = await arm().transport.send({ method: 'GET', path: IDENTITY_PATH, query: { 'api-version': '2022-04-01' }, operation: 'x' });
      expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'InvalidApiVersionParameter' });
    });
    it('a name against the rules', async () => {
      const r = await createOrUpdateUserAssignedIdentity(arm(), { ...REF, name: '-x' }, { location: 'eastus' });
      expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'InvalidResourceName' });
    });
  });
});

describe('federated identity credentials of an identity', () => {
  const FIC_PATH = `${IDENTITY_PATH}/federatedIdentityCredentials/ado-prod`;

  it('puts the example shape { properties: { issuer, subject, audiences } }', async () => {
    const result = (await putIdentityFederatedCredential(arm(), REF, 'ado-prod', FIC))._unsafeUnwrap();
    expect(result).toMatchObject({ created: true, credential: { name: 'ado-prod', properties: FIC } });
    expect(seen[0]!.url.href).toBe(`${BASE}${FIC_PATH}?api-version=2024-11-30`);
    const sent = JSON.parse(seen[0]!.body) as unknown;
    expect(sent).toEqual({ properties: FIC });
    const exampleRequest = example<{ parameters: { parameters: object } }>('arm-msi-2024-11-30-FederatedIdentityCredentialCreate.json')
      .parameters.parameters;
    expect(Object.keys(sent as object)).toEqual(Object.keys(exampleRequest));
  });

  it('gets, deletes and lists (with $top)', async () => {
    expect((await getIdentityFederatedCredential(arm(), REF, 'ado-prod'))._unsafeUnwrap().properties.audiences).toEqual([
      'api://AzureADTokenExchange',
    ]);
    expect((await deleteIdentityFederatedCredential(arm(), REF, 'ado-prod'))._unsafeUnwrap()).toBe(true);
    const all = [];
    for await (const page of listIdentityFederatedCredentials(arm(), REF, { top: 20 })) all.push(...page._unsafeUnwrap());
    expect(all).toHaveLength(1);
    expect(seen[2]!.url.href).toBe(`${BASE}${IDENTITY_PATH}/federatedIdentityCredentials?api-version=2024-11-30&$top=20`);
  });

  it('surfaces the concurrency 409 with its code (the caller serialises and retries)', async () => {
    server.use(
      http.put(`${BASE}${FIC_PATH}`, () =>
        serviceError(
          'arm',
          409,
          'ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity',
          'Too many Federated Identity Credentials are written concurrently for the managed identity.',
        ),
      ),
    );
    const error = (await putIdentityFederatedCredential(arm(), REF, 'ado-prod', FIC))._unsafeUnwrapErr();
    expect(error).toMatchObject({
      kind: 'Conflict',
      status: 409,
      code: 'ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity',
    });
  });

  describe('the contract refuses a changed request', () => {
    it.each([
      ['two audiences', { ...FIC, audiences: ['api://AzureADTokenExchange', 'other'] }, 'exactly one audience'],
      ['no audience', { ...FIC, audiences: [] }, 'exactly one audience'],
      ['an empty subject', { ...FIC, subject: '' }, 'empty properties'],
    ])('%s', async (_n, body, message) => {
      const error = (await putIdentityFederatedCredential(arm(), REF, 'ado-prod', body))._unsafeUnwrapErr();
      expect(error).toMatchObject({ kind: 'BadRequest', status: 400 });
      expect(error.message).toContain(message);
    });
    it('a flat body without properties', async () => {
      const r = await arm().transport.send({
        method: 'PUT',
        path: FIC_PATH,
        query: { 'api-version': '2024-11-30' },
        body: FIC,
        operation: 'x',
      });
      expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest' });
    });
    it('an invalid credential name', async () => {
      const error = (await putIdentityFederatedCredential(arm(), REF, '_x', FIC))._unsafeUnwrapErr();
      expect(error.message).toContain("Federated Identity Credential name '_x' is invalid.");
    });
  });
});

describe('the schemas parse every managed-identity example', () => {
  type Ex = { responses: Record<string, { body?: unknown }> };
  const bodies = (n: string) =>
    Object.values(loadFixture<Ex>(n).responses)
      .map((r) => r.body)
      .filter((b) => b !== undefined);
  it.each(['IdentityCreate', 'IdentityGet'])('%s', (n) => {
    for (const b of bodies(`arm-msi-2024-11-30-${n}.json`)) expect(UserAssignedIdentitySchema.parse(b).properties.clientId).toMatch(/-/);
  });
  it('IdentityListByResourceGroup', () =>
    expect(UserAssignedIdentityListSchema.parse(bodies('arm-msi-2024-11-30-IdentityListByResourceGroup.json')[0]).value).toHaveLength(1));
  it.each(['FederatedIdentityCredentialCreate', 'FederatedIdentityCredentialGet'])('%s', (n) => {
    for (const b of bodies(`arm-msi-2024-11-30-${n}.json`))
      expect(IdentityFederatedCredentialSchema.parse(b).properties.audiences).toHaveLength(1);
  });
  it('FederatedIdentityCredentialList', () =>
    expect(
      IdentityFederatedCredentialListSchema.parse(bodies('arm-msi-2024-11-30-FederatedIdentityCredentialList.json')[0]).nextLink,
    ).toContain('$skipToken'));
});
