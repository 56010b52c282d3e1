import { collect } from '@wif/http';
import { graphContractHandlers, serviceError } from '@wif/testing';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import { createGraphClient } from '../client';
import { createServicePrincipal, deleteServicePrincipal, getServicePrincipal, listServicePrincipals } from './servicePrincipals';

const GRAPH = 'https://graph.microsoft.com/v1.0';
// From graph-v1.0-servicePrincipal-create.json.
const SP_ID = '59e617e5-e447-4adc-8b88-00af644d7c92';
const APP_ID = '65415bb1-9267-4313-bbf5-ae259732ee12';
const OTHER_APP_ID = '631a96bc-a705-4eda-9f99-fdaf9f54f6a2';

const { server, urls, clientOptions } = useContractServer(graphContractHandlers());

const graph = createGraphClient(clientOptions());

describe('createServicePrincipal', () => {
  it('creates the service principal for an appId (201)', async () => {
    const sp = (await createServicePrincipal(graph, { appId: OTHER_APP_ID, tags: ['wif-managed'] }))._unsafeUnwrap();
    expect(sp).toEqual({
      id: SP_ID,
      appId: OTHER_APP_ID,
      displayName: 'foo',
      appOwnerOrganizationId: '1bc1c026-2f7b-48a5-98da-afa2fd8bc7bc',
      tags: ['wif-managed'],
    });
    expect(urls).toEqual([`${GRAPH}/servicePrincipals`]);
  });

  it('pins the request: appId is required (400)', async () => {
    const e = await graph.transport.send({ method: 'POST', path: '/servicePrincipals', body: { tags: [] }, operation: 'test' });
    expect(e._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'Request_BadRequest' });
  });

  it('maps a duplicate create', async () => {
    server.use(
      http.post(`${GRAPH}/servicePrincipals`, () =>
        serviceError('graph', 409, 'Request_MultipleObjectsWithSameKeyValue', 'The service principal already exists.'),
      ),
    );
    expect((await createServicePrincipal(graph, { appId: APP_ID }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'Conflict',
      code: 'Request_MultipleObjectsWithSameKeyValue',
      retryable: false,
    });
  });
});

describe('getServicePrincipal', () => {
  it('reads by appId', async () => {
    expect((await getServicePrincipal(graph, { appId: OTHER_APP_ID }))._unsafeUnwrap()).toMatchObject({ id: SP_ID, appId: OTHER_APP_ID });
    expect(urls).toEqual([`${GRAPH}/servicePrincipals(appId='${OTHER_APP_ID}')`]);
  });

  it('reads by object id', async () => {
    const other = '11111111-2222-4333-8444-555555555555';
    expect((await getServicePrincipal(graph, { id: other }))._unsafeUnwrap()).toMatchObject({ id: other, appId: APP_ID });
  });

  it('maps 404 while the new service principal is not yet visible', async () => {
    server.use(
      http.get(`${GRAPH}/servicePrincipals(appId=:key)`, () => serviceError('graph', 404, 'Request_ResourceNotFound', 'Not found.')),
    );
    expect((await getServicePrincipal(graph, { appId: APP_ID }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'NotFound',
      code: 'Request_ResourceNotFound',
    });
  });
});

describe('listServicePrincipals', () => {
  it('filters by appId and selects fields', async () => {
    const found = (
      await collect(listServicePrincipals(graph, { filter: `appId eq '${APP_ID}'`, select: ['tags'], top: 5 }), 10)
    )._unsafeUnwrap();
    expect(found).toEqual([{ id: SP_ID, appId: APP_ID, tags: [] }]);
    expect(new URL(urls[0]!).searchParams.get('$select')).toBe('id,appId,tags');
  });

  it('returns nothing for an appId without a service principal', async () => {
    expect((await collect(listServicePrincipals(graph, { filter: `appId eq '${OTHER_APP_ID}'` }), 10))._unsafeUnwrap()).toEqual([]);
  });
});

describe('deleteServicePrincipal', () => {
  it('deletes by object id (204)', async () => {
    expect((await deleteServicePrincipal(graph, SP_ID)).isOk()).toBe(true);
    expect(urls).toEqual([`${GRAPH}/servicePrincipals/${SP_ID}`]);
  });

  it('is rejected for an invalid object id (400)', async () => {
    expect((await deleteServicePrincipal(graph, 'nope'))._unsafeUnwrapErr().kind).toBe('BadRequest');
  });
});
