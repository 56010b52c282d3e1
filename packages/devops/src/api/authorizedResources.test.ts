import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ORG, testClient, useContractServer } from '../../test/server';
import { listAuthorizedResources } from './authorizedResources';

const { server, seen } = useContractServer();
const PROJECT = 'd6b3e0ea-8197-4dec-831b-50e2e06ff95f';
const PATH = `/${ORG}/${PROJECT}/_apis/build/authorizedresources`;
const ID = '5e47a0d8-c745-44f8-8f93-784f18ff31c4';

describe('listAuthorizedResources', () => {
  it('GETs the project list of one type at 7.1-preview.1 and unwraps {count,value}', async () => {
    const { client } = testClient();
    const refs = (await listAuthorizedResources(client, PROJECT, { type: 'endpoint' }))._unsafeUnwrap();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.url.pathname).toBe(PATH);
    expect(Object.fromEntries(seen[0]!.url.searchParams)).toEqual({ type: 'endpoint', 'api-version': '7.1-preview.1' });
    expect(refs).toEqual([expect.objectContaining({ authorized: true, type: 'endpoint' })]);
  });

  it('narrows to one resource with id', async () => {
    const { client } = testClient();
    const refs = (await listAuthorizedResources(client, PROJECT, { type: 'endpoint', id: ID }))._unsafeUnwrap();
    expect(seen[0]!.url.searchParams.get('id')).toBe(ID);
    expect(refs.map((r) => r.id)).toEqual([ID]);
  });

  it('a bare array (not the {count,value} wrapper) is an InvalidResponse, not an empty list', async () => {
    const { client } = testClient();
    server.use(http.get(`https://dev.azure.com${PATH}`, () => HttpResponse.json([{ id: ID, authorized: true }])));
    expect((await listAuthorizedResources(client, PROJECT, { type: 'endpoint' }))._unsafeUnwrapErr().kind).toBe('InvalidResponse');
  });

  it('the contract handler refuses what the service refuses: a GA api-version, an unknown type, an id without a type, a PATCH body that is not a list', async () => {
    const { client } = testClient();
    const send = (method: 'GET' | 'PATCH', query: Record<string, string>, body?: unknown) =>
      client.transport.send({ method, path: `/${PROJECT}/_apis/build/authorizedresources`, query, body, operation: 'x' });
    expect((await send('GET', { type: 'endpoint', 'api-version': '7.1' }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'BadRequest',
      code: 'VssVersionOutOfRangeException',
    });
    expect((await send('GET', { type: 'robot', 'api-version': '7.1-preview.1' }))._unsafeUnwrapErr().kind).toBe('BadRequest');
    expect((await send('GET', { id: ID, 'api-version': '7.1-preview.1' }))._unsafeUnwrapErr().kind).toBe('BadRequest');
    const patch = { 'api-version': '7.1-preview.1' };
    expect((await send('PATCH', patch, { id: ID, type: 'endpoint', authorized: true }))._unsafeUnwrapErr().kind).toBe('BadRequest');
    expect((await send('PATCH', patch, [{ id: ID, type: 'endpoint' }]))._unsafeUnwrapErr().kind).toBe('BadRequest');
    expect((await send('PATCH', patch, [{ id: ID, type: 'endpoint', authorized: true }])).isOk()).toBe(true);
  });
});
