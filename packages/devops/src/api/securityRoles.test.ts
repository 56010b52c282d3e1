import { createTestCredential, loadFixture } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { ORG, testClient, useContractServer } from '../../test/server';
import { securityRoleAssignmentListSchema } from '../schemas/securityRoles';
import { searchIdentities } from './identities';
import {
  listSecurityRoleAssignments,
  removeSecurityRoleAssignments,
  SERVICE_ENDPOINT_ROLE_SCOPE,
  serviceEndpointRoleResource,
  setSecurityRoleAssignments,
  setSecurityRoleInheritance,
} from './securityRoles';

const { seen } = useContractServer();
const RESOURCE = serviceEndpointRoleResource('28dfcdfe-1601-476a-9ce5-4f022eb6ee7f', 'ccb06a43-4fd5-430f-8c4d-de63b02c7784');
const PATH = `/${ORG}/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/${RESOURCE}`;
const USER = '4189bd2b-de9c-45de-a886-4e3d9c03f1f9';

describe('security role assignments on a connection', () => {
  it('sets with the example body [{ roleName, userId }] at 7.1-preview.1', async () => {
    const { client } = testClient();
    const body = loadFixture<{ parameters: { body: unknown } }>('ado-securityRoles-7.1-AddRoleAssignments.json').parameters.body;
    const result = (
      await setSecurityRoleAssignments(client, SERVICE_ENDPOINT_ROLE_SCOPE, RESOURCE, [{ roleName: 'Administrator', userId: USER }])
    )._unsafeUnwrap();
    expect(result).toMatchObject([
      { identity: { id: USER }, role: { name: 'Administrator', scope: SERVICE_ENDPOINT_ROLE_SCOPE }, access: 'assigned' },
    ]);
    expect(seen[0]!.method).toBe('PUT');
    expect(seen[0]!.url.pathname).toBe(PATH);
    expect(seen[0]!.url.search).toBe('?api-version=7.1-preview.1');
    expect(JSON.parse(seen[0]!.body)).toEqual(body);
  });

  it('an unknown identity id is silently dropped by the service (200, count 0)', async () => {
    const { client } = testClient();
    const result = (
      await setSecurityRoleAssignments(client, SERVICE_ENDPOINT_ROLE_SCOPE, RESOURCE, [{ roleName: 'User', userId: 'not-an-id' }])
    )._unsafeUnwrap();
    expect(result).toEqual([]);
  });

  it('lists, removes (PATCH with an array of ids) and switches inheritance (PATCH ?inheritPermissions)', async () => {
    const { client } = testClient();
    expect((await listSecurityRoleAssignments(client, SERVICE_ENDPOINT_ROLE_SCOPE, RESOURCE))._unsafeUnwrap()[0]!.role.name).toBe(
      'Administrator',
    );
    (await removeSecurityRoleAssignments(client, SERVICE_ENDPOINT_ROLE_SCOPE, RESOURCE, [USER]))._unsafeUnwrap();
    (await setSecurityRoleInheritance(client, SERVICE_ENDPOINT_ROLE_SCOPE, RESOURCE, false))._unsafeUnwrap();
    expect(seen.map((s) => s.method)).toEqual(['GET', 'PATCH', 'PATCH']);
    expect(JSON.parse(seen[1]!.body)).toEqual([USER]);
    expect(seen[2]!.url.search).toBe('?inheritPermissions=false&api-version=7.1-preview.1');
    expect(seen[2]!.body).toBe('');
  });

  describe('the handler refuses a changed request', () => {
    it('a resource id without the project id', async () => {
      const { client } = testClient();
      const r = await setSecurityRoleAssignments(client, SERVICE_ENDPOINT_ROLE_SCOPE, 'ccb06a43-4fd5-430f-8c4d-de63b02c7784', [
        { roleName: 'User', userId: USER },
      ]);
      expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest' });
    });
    it('a role the connection scope does not know (Creator)', async () => {
      const { client } = testClient();
      const r = await setSecurityRoleAssignments(client, SERVICE_ENDPOINT_ROLE_SCOPE, RESOURCE, [{ roleName: 'Creator', userId: USER }]);
      expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest' });
    });
    it('a removal body of objects instead of ids', async () => {
      const { client } = testClient();
      const r = await client.transport.send({
        method: 'PATCH',
        path: PATH.slice(ORG.length + 1),
        query: { 'api-version': '7.1-preview.1' },
        body: [{ userId: USER }],
        operation: 'x',
      });
      expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest' });
    });
    it('the GA api-version', async () => {
      const { client } = testClient();
      const r = await client.transport.send({
        method: 'GET',
        path: PATH.slice(ORG.length + 1),
        query: { 'api-version': '7.1' },
        operation: 'x',
      });
      expect(r._unsafeUnwrapErr()).toMatchObject({ code: 'VssVersionOutOfRangeException' });
    });
  });

  it('the schema parses the example response', () => {
    const body = loadFixture<{ responses: { 200: { body: unknown } } }>('ado-securityRoles-7.1-AddRoleAssignments.json').responses[200]
      .body;
    expect(securityRoleAssignmentListSchema.parse(body)[0]!.role.allowPermissions).toBe(3);
  });
});

describe('searchIdentities', () => {
  it('asks vssps.dev.azure.com with searchFilter, filterValue, queryMembership=None and 7.1', async () => {
    const { client } = testClient();
    const found = (await searchIdentities(client, 'General', 'Project Collection Valid Users'))._unsafeUnwrap();
    expect(found).toMatchObject([{ id: '7c86b535-818b-423f-b0fd-19a2e9f32710', isContainer: true }]);
    expect(seen[0]!.url.origin).toBe('https://vssps.dev.azure.com');
    expect(seen[0]!.url.pathname).toBe(`/${ORG}/_apis/identities`);
    expect(Object.fromEntries(seen[0]!.url.searchParams)).toEqual({
      searchFilter: 'General',
      filterValue: 'Project Collection Valid Users',
      queryMembership: 'None',
      'api-version': '7.1',
    });
  });

  it('an unknown name is 200 with count 0: an empty list, not an error', async () => {
    const { client } = testClient();
    expect((await searchIdentities(client, 'General', 'nobody-by-this-name'))._unsafeUnwrap()).toEqual([]);
  });

  it('the handler refuses an unknown searchFilter', async () => {
    const { client } = testClient();
    expect((await searchIdentities(client, 'Nickname' as 'General', 'x'))._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest' });
  });

  it('the public endpoint given explicitly still looks identities up on vssps', async () => {
    const { client } = testClient({ endpoint: 'https://dev.azure.com/' });
    (await searchIdentities(client, 'General', 'Project Collection Valid Users'))._unsafeUnwrap();
    expect(seen[0]!.url.origin).toBe('https://vssps.dev.azure.com');
  });

  it('asks the credential once for a token that both endpoints (the organization and vssps) send', async () => {
    const inner = createTestCredential();
    let asked = 0;
    const credential = {
      getToken: (scope: string | string[], options?: Parameters<typeof inner.getToken>[1]) => {
        asked++;
        return inner.getToken(scope, options);
      },
    };
    const { client } = testClient({ credential });
    (await searchIdentities(client, 'General', 'Project Collection Valid Users'))._unsafeUnwrap();
    (await listSecurityRoleAssignments(client, SERVICE_ENDPOINT_ROLE_SCOPE, RESOURCE)).isOk();
    expect(seen.map((r) => r.url.origin)).toEqual(['https://vssps.dev.azure.com', 'https://dev.azure.com']);
    expect(asked).toBe(1);
  });

  it('with another endpoint (the emulator) the identities go to that host', async () => {
    const { client } = testClient({ endpoint: 'https://dev.azure.com/emulator' });
    expect(client.identities?.baseUrl).toBe('https://dev.azure.com/emulator/fabrikam');
  });
});
