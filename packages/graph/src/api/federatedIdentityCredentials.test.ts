import { graphContractHandlers, serviceError } from '@wif/testing';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import { createGraphClient } from '../client';
import {
  createFederatedIdentityCredential,
  deleteFederatedIdentityCredential,
  listFederatedIdentityCredentials,
  updateFederatedIdentityCredential,
} from './federatedIdentityCredentials';

const GRAPH = 'https://graph.microsoft.com/v1.0';
const APP = '03ef14b0-ca33-4840-8f4f-d6e91916010e';
const FICS = `${GRAPH}/applications/${APP}/federatedIdentityCredentials`;
const ISSUER = 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0';
const SUBJECT =
  '/eid1/c/pub/t/v4j5cvGGr0GRqy180BHbRw/a/rISbSSETf0KqFyZ8ppdXmA/sc/0d4e1a3c-7c1b-4a28-9f3b-4f1e2a6b9c01/5b1f6a9e-2c4d-4e8f-9a0b-1c2d3e4f5a6b';
const AUDIENCE = 'api://AzureADTokenExchange';

const { server, urls, clientOptions } = useContractServer(graphContractHandlers());

const graph = createGraphClient(clientOptions());
const fic = (id: string) => ({ id, name: `n-${id}`, issuer: ISSUER, subject: SUBJECT, audiences: [AUDIENCE] });

describe('listFederatedIdentityCredentials', () => {
  it('lists the credentials of an application', async () => {
    expect((await listFederatedIdentityCredentials(graph, APP))._unsafeUnwrap()).toEqual([
      {
        id: 'bdad0963-4a7a-43ae-b569-e67e1da3f2c0',
        name: 'testing',
        issuer: 'https://login.microsoftonline.com/3d1e2be9-a10a-4a0c-8380-7ce190f98ed9/v2.0',
        subject: 'a7d388c3-5e3f-4959-ac7d-786b3383006a',
        description: 'This is my test  federated identity credential 03',
        audiences: [AUDIENCE],
      },
    ]);
    expect(urls).toEqual([FICS]);
  });

  it('follows next links', async () => {
    server.use(
      http.get(FICS, ({ request }) =>
        new URL(request.url).searchParams.has('$skiptoken')
          ? HttpResponse.json({ value: [fic('b')] })
          : HttpResponse.json({ value: [fic('a')], '@odata.nextLink': `${FICS}?$skiptoken=p2` }),
      ),
    );
    expect((await listFederatedIdentityCredentials(graph, APP))._unsafeUnwrap().map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('is InvalidResponse past the cap', async () => {
    server.use(http.get(FICS, () => HttpResponse.json({ value: Array.from({ length: 101 }, (_, i) => fic(String(i))) })));
    expect((await listFederatedIdentityCredentials(graph, APP))._unsafeUnwrapErr()).toMatchObject({ kind: 'InvalidResponse', status: 200 });
  });

  it('maps 404 for an unknown application', async () => {
    server.use(http.get(FICS, () => serviceError('graph', 404, 'Request_ResourceNotFound', 'No such application.')));
    expect((await listFederatedIdentityCredentials(graph, APP))._unsafeUnwrapErr().kind).toBe('NotFound');
  });
});

describe('createFederatedIdentityCredential', () => {
  const body = { name: 'ado-contoso-web-prod', issuer: ISSUER, subject: SUBJECT, audiences: [AUDIENCE], description: 'Azure DevOps' };

  it('creates the credential (201) and returns it', async () => {
    expect((await createFederatedIdentityCredential(graph, APP, body))._unsafeUnwrap()).toEqual({
      id: 'd9b7bf1e-429e-4678-8132-9b00c9846cc4',
      ...body,
    });
    expect(urls).toEqual([FICS]);
  });

  it.each([
    ['not exactly one audience', { audiences: [AUDIENCE, 'api://other'] }, 'exactly one audience'],
    ['a name that is too short', { name: 'ab' }, "name 'ab' is invalid"],
    ['a name starting with a dash', { name: '-ado' }, "name '-ado' is invalid"],
    ['an empty subject', { subject: '' }, 'subject'],
  ])('is rejected for %s (400)', async (_, change, message) => {
    const e = (await createFederatedIdentityCredential(graph, APP, { ...body, ...change }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'BadRequest', code: 'Request_BadRequest' });
    expect(e.message).toContain(message);
  });

  it('maps a duplicate name', async () => {
    server.use(
      http.post(FICS, () =>
        serviceError(
          'graph',
          400,
          'Request_MultipleObjectsWithSameKeyValue',
          'FederatedIdentityCredential with name ado-contoso-web-prod already exists.',
        ),
      ),
    );
    expect((await createFederatedIdentityCredential(graph, APP, body))._unsafeUnwrapErr()).toMatchObject({
      kind: 'BadRequest',
      code: 'Request_MultipleObjectsWithSameKeyValue',
      retryable: false,
    });
  });
});

describe('updateFederatedIdentityCredential', () => {
  it('patches by name (204)', async () => {
    expect(
      (await updateFederatedIdentityCredential(graph, APP, 'ado-contoso-web-prod', { subject: SUBJECT, audiences: [AUDIENCE] })).isOk(),
    ).toBe(true);
    expect(urls).toEqual([`${FICS}/ado-contoso-web-prod`]);
  });

  it('pins the request: name cannot be changed, audiences must be one (400)', async () => {
    const rename = await graph.transport.send({
      method: 'PATCH',
      path: `/applications/${APP}/federatedIdentityCredentials/x`,
      body: { name: 'y' },
      operation: 'test',
    });
    expect(rename._unsafeUnwrapErr().kind).toBe('BadRequest');
    expect((await updateFederatedIdentityCredential(graph, APP, 'x', { audiences: [] }))._unsafeUnwrapErr().kind).toBe('BadRequest');
  });
});

describe('deleteFederatedIdentityCredential', () => {
  it('deletes by id (204)', async () => {
    const id = 'bdad0963-4a7a-43ae-b569-e67e1da3f2c0';
    expect((await deleteFederatedIdentityCredential(graph, APP, id)).isOk()).toBe(true);
    expect(urls).toEqual([`${FICS}/${id}`]);
  });

  it('maps 404 when it is already gone', async () => {
    server.use(
      http.delete(`${FICS}/:name`, () =>
        serviceError('graph', 404, 'Request_ResourceNotFound', 'FederatedIdentityCredential with name x not found.'),
      ),
    );
    expect((await deleteFederatedIdentityCredential(graph, APP, 'x'))._unsafeUnwrapErr()).toMatchObject({
      kind: 'NotFound',
      code: 'Request_ResourceNotFound',
    });
  });
});
