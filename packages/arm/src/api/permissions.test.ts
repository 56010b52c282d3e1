import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { FAST_RETRY, useContractServer } from '@wif/testing/vitest';
import { armContractHandlers, loadFixture, serviceError } from '@wif/testing';
import { createArmClient } from '../client';
import { PermissionListSchema } from '../schemas/permission';
import { listPermissions } from './permissions';

const BASE = 'https://management.azure.com';
const SUB = 'a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-web-prod`;
// The realistic subscription answer of Microsoft's "Check if user can assign access" article.
const CONTRIBUTOR_AND_READER = [
  { actions: ['*'], notActions: ['Microsoft.Authorization/*/Write', 'Microsoft.Authorization/*/Delete'] },
  { actions: ['*/read'], notActions: [] },
];

const { server, urls, clientOptions } = useContractServer([
  ...armContractHandlers({ pageSize: 1, permissions: (scope) => (scope.includes('rg-') ? CONTRIBUTOR_AND_READER : []) }),
]);

const arm = () => createArmClient(clientOptions({ retry: { ...FAST_RETRY, maxRetries: 2 } }));

describe('listPermissions', () => {
  it('reads every entry at a resource group, following nextLink', async () => {
    const entries = (await listPermissions(arm(), RG))._unsafeUnwrap();
    expect(entries).toEqual(CONTRIBUTOR_AND_READER);
    expect(urls).toHaveLength(2);
    const first = new URL(urls[0]!);
    expect(`${first.origin}${first.pathname}`).toBe(`${BASE}${RG}/providers/Microsoft.Authorization/permissions`);
    expect([...first.searchParams]).toEqual([['api-version', '2022-04-01']]);
  });

  it('answers the empty list when the caller holds nothing there', async () => {
    expect((await listPermissions(arm(), `/subscriptions/${SUB}`))._unsafeUnwrap()).toEqual([]);
  });

  it('passes the service error through (no access to the scope)', async () => {
    server.use(
      http.get(`${BASE}${RG}/providers/Microsoft.Authorization/permissions`, () =>
        serviceError('arm', 403, 'AuthorizationFailed', 'The client does not have authorization to perform action.'),
      ),
    );
    expect((await listPermissions(arm(), RG))._unsafeUnwrapErr()).toMatchObject({ kind: 'Forbidden', code: 'AuthorizationFailed' });
  });

  it('the contract handler refuses another api-version, as ARM does', async () => {
    const sent = await arm().transport.send({
      method: 'GET',
      path: `${RG}/providers/Microsoft.Authorization/permissions`,
      query: { 'api-version': '2015-07-01' },
      operation: 'GET permissions',
    });
    expect(sent._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'InvalidApiVersionParameter' });
  });

  it('answers the official example when no permissions are configured', async () => {
    server.resetHandlers(...armContractHandlers());
    expect((await listPermissions(arm(), RG))._unsafeUnwrap()).toEqual([{ actions: [], notActions: [] }]);
  });

  it.each([
    'arm-permissions-2015-07-01-GetPermissions.json',
    'arm-permissions-2015-07-01-GetResourcePermissions.json',
    'arm-permissions-2018-01-01-preview-GetPermissions.json',
    'arm-permissions-2022-05-01-preview-GetResourcePermissions.json',
  ])('the schema parses %s', (name) => {
    const body = loadFixture<{ responses: { '200': { body: unknown } } }>(name).responses['200'].body;
    expect(PermissionListSchema.parse(body).value).toHaveLength(1);
  });

  it('rejects an answer without value', async () => {
    server.use(http.get(`${BASE}${RG}/providers/Microsoft.Authorization/permissions`, () => HttpResponse.json({ permissions: [] })));
    expect((await listPermissions(arm(), RG))._unsafeUnwrapErr().kind).toBe('InvalidResponse');
  });
});
