import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { FAST_RETRY, useContractServer } from '@wif/testing/vitest';
import { armContractHandlers, serviceError } from '@wif/testing';
import { collect } from '@wif/http';
import { createArmClient } from '../client';
import { BUILT_IN_ROLES, roleDefinitionGuid } from '../roles';
import { getRoleDefinition, listRoleDefinitions } from './roleDefinitions';

const BASE = 'https://management.azure.com';
const SUB = 'a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
const SUB_SCOPE = `/subscriptions/${SUB}`;
const MG_SCOPE = '/providers/Microsoft.Management/managementGroups/mg-platform';
const DEFS = 'providers/Microsoft.Authorization/roleDefinitions';

const { server, urls, clientOptions } = useContractServer(armContractHandlers());

const arm = () => createArmClient(clientOptions({ retry: { ...FAST_RETRY, maxRetries: 2 } }));
const filterOf = (url: string) => new URL(url).searchParams.get('$filter');

describe('listRoleDefinitions', () => {
  it('finds a built-in role by exact name, in the subscription id form', async () => {
    const found = (await collect(listRoleDefinitions(arm(), SUB_SCOPE, { roleName: 'Contributor' }), 10))._unsafeUnwrap();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      id: `${SUB_SCOPE}/${DEFS}/${BUILT_IN_ROLES.Contributor}`,
      name: BUILT_IN_ROLES.Contributor,
      type: 'Microsoft.Authorization/roleDefinitions',
      properties: { roleName: 'Contributor', type: 'BuiltInRole' },
    });
    const url = new URL(urls[0]!);
    expect(`${url.origin}${url.pathname}`).toBe(`${BASE}${SUB_SCOPE}/${DEFS}`);
    expect([...url.searchParams]).toEqual([
      ['api-version', '2022-04-01'],
      ['$filter', "roleName eq 'Contributor'"],
    ]);
  });

  it('answers the tenant id form at a management group', async () => {
    const found = (await collect(listRoleDefinitions(arm(), MG_SCOPE, { roleName: 'Reader' }), 10))._unsafeUnwrap();
    expect(found.map((d) => d.id)).toEqual([`/${DEFS}/${BUILT_IN_ROLES.Reader}`]);
  });

  it('percent-encodes spaces and doubles a quote inside the name', async () => {
    const found = (await collect(listRoleDefinitions(arm(), SUB_SCOPE, { roleName: "Bob's Role Based Access" }), 10))._unsafeUnwrap();
    expect(found).toEqual([]);
    expect(filterOf(urls[0]!)).toBe("roleName eq 'Bob''s Role Based Access'");
    expect(new URL(urls[0]!).search).toContain('roleName%20eq%20');
  });

  it('finds a name with spaces', async () => {
    const found = (
      await collect(listRoleDefinitions(arm(), SUB_SCOPE, { roleName: 'Role Based Access Control Administrator' }), 10)
    )._unsafeUnwrap();
    expect(found.map((d) => roleDefinitionGuid(d.id))).toEqual([BUILT_IN_ROLES['Role Based Access Control Administrator']]);
  });

  it('finds nothing for another casing (the contract matches exactly)', async () => {
    expect((await collect(listRoleDefinitions(arm(), SUB_SCOPE, { roleName: 'contributor' }), 10))._unsafeUnwrap()).toEqual([]);
  });

  it('filters by type alone on the service', async () => {
    const custom = (await collect(listRoleDefinitions(arm(), SUB_SCOPE, { type: 'CustomRole' }), 100))._unsafeUnwrap();
    expect(custom).toEqual([]);
    expect(filterOf(urls[0]!)).toBe("type eq 'CustomRole'");
    const builtIn = (await collect(listRoleDefinitions(arm(), SUB_SCOPE, { type: 'BuiltInRole' }), 100))._unsafeUnwrap();
    expect(builtIn.map((d) => d.properties.roleName).sort()).toEqual(Object.keys(BUILT_IN_ROLES).sort());
  });

  it('with a name and a type, sends the name and checks the type itself', async () => {
    const asCustom = (await collect(listRoleDefinitions(arm(), SUB_SCOPE, { roleName: 'Owner', type: 'CustomRole' }), 10))._unsafeUnwrap();
    const asBuiltIn = (
      await collect(listRoleDefinitions(arm(), SUB_SCOPE, { roleName: 'Owner', type: 'BuiltInRole' }), 10)
    )._unsafeUnwrap();
    expect(asCustom).toEqual([]);
    expect(asBuiltIn.map((d) => d.name)).toEqual([BUILT_IN_ROLES.Owner]);
    expect(urls.map(filterOf)).toEqual(["roleName eq 'Owner'", "roleName eq 'Owner'"]);
  });

  it('sends no filter when asked for everything, and follows nextLink', async () => {
    server.use(...armContractHandlers({ pageSize: 2 }));
    const pages: number[] = [];
    for await (const page of listRoleDefinitions(arm(), SUB_SCOPE)) pages.push(page._unsafeUnwrap().length);
    expect(pages).toEqual([2, 2, 1]);
    expect(filterOf(urls[0]!)).toBeNull();
    expect(urls.slice(1).map((u) => new URL(u).searchParams.get('api-version'))).toEqual(['2022-04-01', '2022-04-01']);
  });

  it('maps a 403 on the list', async () => {
    server.use(
      http.get(`${BASE}/*`, () =>
        serviceError(
          'arm',
          403,
          'AuthorizationFailed',
          "The client does not have authorization to perform action 'Microsoft.Authorization/roleDefinitions/read'.",
        ),
      ),
    );
    const result = await collect(listRoleDefinitions(arm(), SUB_SCOPE, { roleName: 'Owner' }), 10);
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'Forbidden', code: 'AuthorizationFailed', operation: 'GET roleDefinitions' });
  });
});

describe('getRoleDefinition', () => {
  it('reads a role definition by GUID', async () => {
    const definition = (
      await getRoleDefinition(arm(), `${SUB_SCOPE}/resourceGroups/testrg`, BUILT_IN_ROLES['User Access Administrator'])
    )._unsafeUnwrap();
    expect(definition).toMatchObject({
      name: BUILT_IN_ROLES['User Access Administrator'],
      properties: { roleName: 'User Access Administrator' },
    });
    expect(urls).toEqual([
      `${BASE}${SUB_SCOPE}/resourceGroups/testrg/${DEFS}/${BUILT_IN_ROLES['User Access Administrator']}?api-version=2022-04-01`,
    ]);
  });

  it('maps an unknown role to NotFound (RoleDefinitionDoesNotExist)', async () => {
    const error = (await getRoleDefinition(arm(), SUB_SCOPE, '00000000-0000-0000-0000-000000000001'))._unsafeUnwrapErr();
    expect(error).toMatchObject({
      kind: 'NotFound',
      status: 404,
      code: 'RoleDefinitionDoesNotExist',
      retryable: false,
      operation: 'GET roleDefinition',
    });
  });
});
