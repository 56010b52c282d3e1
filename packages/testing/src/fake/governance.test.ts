import { describe, expect, it } from 'vitest';
import { useFreshFakes } from '../vitest/_freshFakes';
import { decodeTestToken, makeTestToken } from '../credential';
import { ARM, call, DEVOPS, ENTRA } from './_testClient';
import { builtInGroupId, type FakeOptions } from './index';

const { start } = useFreshFakes();

const SUB = 'a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
const MI = `${ARM}/subscriptions/${SUB}/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-prod`;
const V = '?api-version=2024-11-30';
const FIC = (subject: string) => ({
  properties: { issuer: 'https://login.microsoftonline.com/t/v2.0', subject, audiences: ['api://AzureADTokenExchange'] },
});
const DEVOPS_TOKEN = makeTestToken('499b84ac-1321-427f-aa17-267ca6975798/.default');

function setup(options: FakeOptions = {}) {
  const fake = start(options);
  return fake;
}

describe('user-assigned managed identities', () => {
  it('creates (201) with a service principal, re-puts (200, same ids), refuses a new location, deletes (200, then 204)', async () => {
    const fake = setup();
    const created = await call('PUT', MI + V, { json: { location: 'westeurope' } });
    expect(created.status).toBe(201);
    const { clientId, principalId } = created.body.properties;
    expect(fake.state.servicePrincipal(principalId)?.appId).toBe(clientId);
    const again = await call('PUT', MI + V, { json: { location: 'westeurope', tags: { owner: 'platform' } } });
    expect(again.status).toBe(200);
    expect(again.body.properties).toMatchObject({ clientId, principalId });
    expect(again.body.id).toContain('/resourcegroups/rg-id/');
    const moved = await call('PUT', MI + V, { json: { location: 'eastus' } });
    expect([moved.status, moved.body.error.code]).toEqual([400, 'InvalidResourceLocation']);
    expect((await call('DELETE', MI + V)).status).toBe(200);
    expect((await call('DELETE', MI + V)).status).toBe(204);
    expect((await call('GET', MI + V)).status).toBe(404);
    expect(fake.state.servicePrincipal(principalId)).toBeUndefined();
  });

  it('refuses a body without location and a preview api-version it does not serve', async () => {
    setup();
    expect((await call('PUT', MI + V, { json: {} })).body.error.code).toBe('LocationRequired');
    expect((await call('GET', `${MI}?api-version=2021-09-30-preview`)).body.error.code).toBe('InvalidApiVersionParameter');
  });
});

describe('federated credentials on a managed identity', () => {
  it('answers a second concurrent write to the same identity 409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity', async () => {
    setup({ latencyInMs: 30 });
    await call('PUT', MI + V, { json: { location: 'westeurope' } });
    const [a, b] = await Promise.all([
      call('PUT', `${MI}/federatedIdentityCredentials/one${V}`, { json: FIC('s1') }),
      call('PUT', `${MI}/federatedIdentityCredentials/two${V}`, { json: FIC('s2') }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect([a, b].find((r) => r.status === 409)!.body.error.code).toBe(
      'ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity',
    );
  });

  it('writes to different identities in parallel freely', async () => {
    setup({ latencyInMs: 30 });
    const other = MI.replace('id-prod', 'id-dev');
    await call('PUT', MI + V, { json: { location: 'westeurope' } });
    await call('PUT', other + V, { json: { location: 'westeurope' } });
    const results = await Promise.all([
      call('PUT', `${MI}/federatedIdentityCredentials/one${V}`, { json: FIC('s1') }),
      call('PUT', `${other}/federatedIdentityCredentials/one${V}`, { json: FIC('s1') }),
    ]);
    expect(results.map((r) => r.status)).toEqual([201, 201]);
  });

  it('is idempotent (200), refuses a duplicate issuer+subject under another name, and the 21st credential', async () => {
    setup();
    await call('PUT', MI + V, { json: { location: 'westeurope' } });
    expect((await call('PUT', `${MI}/federatedIdentityCredentials/cred0${V}`, { json: FIC('s0') })).status).toBe(201);
    expect((await call('PUT', `${MI}/federatedIdentityCredentials/cred0${V}`, { json: FIC('s0') })).status).toBe(200);
    const dup = await call('PUT', `${MI}/federatedIdentityCredentials/other${V}`, { json: FIC('s0') });
    expect([dup.status, dup.body.error.message]).toEqual([400, 'Issuer and subject combination already exists for this Managed Identity.']);
    for (let i = 1; i < 20; i++)
      expect((await call('PUT', `${MI}/federatedIdentityCredentials/cred${i}${V}`, { json: FIC(`s${i}`) })).status).toBe(201);
    const over = await call('PUT', `${MI}/federatedIdentityCredentials/cred20${V}`, { json: FIC('s20') });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toContain('20');
    const page = await call('GET', `${MI}/federatedIdentityCredentials${V}&$top=15`);
    expect(page.body.value).toHaveLength(15);
    const rest = await call('GET', page.body.nextLink);
    expect(rest.body.value).toHaveLength(5);
  });

  it('refuses credentials in a region without support (405) and under a missing identity (404)', async () => {
    setup();
    expect((await call('PUT', `${MI}/federatedIdentityCredentials/cred${V}`, { json: FIC('s') })).status).toBe(404);
    await call('PUT', MI + V, { json: { location: 'New Zealand North' } });
    const r = await call('PUT', `${MI}/federatedIdentityCredentials/cred${V}`, { json: FIC('s') });
    expect(r.status).toBe(405);
    expect(r.body.error.message).toContain('Support for federated identity credentials not enabled');
  });

  it('the token endpoint accepts an assertion matching a managed identity credential and issues a token for its principal', async () => {
    const fake = setup();
    const project = fake.state.addProject('P');
    const created = (await call('PUT', MI + V, { json: { location: 'westeurope' } })).body;
    const endpoint = fake.state.addServiceEndpoint({ name: 'conn', projects: 'P', servicePrincipalId: created.properties.clientId });
    const fed = fake.state.federation(endpoint.id)!;
    await call('PUT', `${MI}/federatedIdentityCredentials/ado${V}`, {
      json: { properties: { issuer: fed.issuer, subject: fed.subject, audiences: ['api://AzureADTokenExchange'] } },
    });
    const PLAN = '11111111-2222-3333-4444-555555555555';
    const assertion = (
      await call(
        'POST',
        `${DEVOPS}/${project.id}/_apis/distributedtask/hubs/build/plans/${PLAN}/jobs/${PLAN}/oidctoken?serviceConnectionId=${endpoint.id}&api-version=7.1-preview.1`,
        { json: {} },
      )
    ).body.oidcToken as string;
    const token = await call('POST', `${ENTRA}/${fake.state.tenantId}/oauth2/v2.0/token`, {
      form: {
        client_id: created.properties.clientId,
        scope: 'https://management.azure.com/.default',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        grant_type: 'client_credentials',
      },
    });
    expect(token.status).toBe(200);
    expect(decodeTestToken(`Bearer ${token.body.access_token}`)?.oid).toBe(created.properties.principalId);
  });
});

describe('check configurations', () => {
  const setupChecks = () => {
    const fake = setup();
    const project = fake.state.addProject('P');
    const endpoint = fake.state.addServiceEndpoint({ name: 'conn', projects: 'P' });
    const url = `${DEVOPS}/${project.id}/_apis/pipelines/checks/configurations`;
    const body = {
      type: { id: '2ef31ad6-baa0-403a-8b45-2cbc9b4e5563', name: 'ExclusiveLock' },
      resource: { type: 'endpoint', id: endpoint.id },
      settings: {},
      timeout: 43200,
    };
    return { fake, endpoint, url, body };
  };

  it('adds (200), lists {count,value} with settings only under $expand=settings, patches with a new version, deletes', async () => {
    const { endpoint, url, body } = setupChecks();
    const created = await call('POST', `${url}?api-version=7.1-preview.1`, { json: body });
    expect(created.status).toBe(200);
    const list = `${url}?resourceType=endpoint&resourceId=${endpoint.id}&api-version=7.1-preview.1`;
    const plain = await call('GET', list);
    expect(plain.body).toMatchObject({ count: 1, value: [{ id: created.body.id }] });
    expect(plain.body.value[0].settings).toBeUndefined();
    expect((await call('GET', `${list}&$expand=settings`)).body.value[0].settings).toEqual({});
    const patched = await call('PATCH', `${url}/${created.body.id}?api-version=7.1-preview.1`, {
      json: { ...body, id: created.body.id, timeout: 60 },
    });
    expect(patched.body).toMatchObject({ timeout: 60, version: 2 });
    expect((await call('DELETE', `${url}/${created.body.id}?api-version=7.1-preview.1`)).status).toBe(204);
    expect((await call('DELETE', `${url}/${created.body.id}?api-version=7.1-preview.1`)).status).toBe(404);
  });

  it('refuses the GA api-version, a type change on PATCH and a check on an unknown connection; allows a second check of one type, as the service does', async () => {
    const { url, body } = setupChecks();
    expect((await call('POST', `${url}?api-version=7.1`, { json: body })).body.typeKey).toBe('VssVersionOutOfRangeException');
    const created = (await call('POST', `${url}?api-version=7.1-preview.1`, { json: body })).body;
    const changed = await call('PATCH', `${url}/${created.id}?api-version=7.1-preview.1`, {
      json: { ...body, type: { id: '8c6f20a7-a545-4486-9777-f762fafe0d4d' }, settings: { approvers: [{ id: created.createdBy.id }] } },
    });
    expect(changed.status).toBe(400);
    const orphan = await call('POST', `${url}?api-version=7.1-preview.1`, {
      json: { ...body, resource: { type: 'endpoint', id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(orphan.status).toBe(404);
    expect((await call('POST', `${url}?api-version=7.1-preview.1`, { json: body })).status).toBe(200);
  });

  it('refuses, on POST and PATCH alike, a bad body (400) and an unknown project (404) before any change; an unknown id is 404 on GET, PATCH and DELETE', async () => {
    const { fake, url, body } = setupChecks();
    const v = '?api-version=7.1-preview.1';
    const created = (await call('POST', url + v, { json: body })).body;
    const badBody = { ...body, type: { id: 'not-a-guid' } };
    const otherProject = url.replace(/\/[^/]+\/_apis/, '/NoSuchProject/_apis');
    expect((await call('POST', url + v, { json: badBody })).status).toBe(400);
    expect((await call('PATCH', `${url}/${created.id}${v}`, { json: { ...badBody, id: created.id } })).status).toBe(400);
    const noProject = await call('POST', otherProject + v, { json: body });
    expect([noProject.status, noProject.body.typeKey]).toEqual([404, 'ProjectDoesNotExistWithNameException']);
    expect((await call('PATCH', `${otherProject}/${created.id}${v}`, { json: { ...body, id: created.id, timeout: 5 } })).status).toBe(404);
    expect(fake.state.governance.checks().map((c) => [c.id, c.timeout, c.version])).toEqual([[created.id, 43200, 1]]);
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const r = await call(method, `${url}/999${v}`, method === 'PATCH' ? { json: { ...body, id: 999 } } : {});
      expect([method, r.status, r.body.typeKey]).toEqual([method, 404, 'CheckConfigurationNotFoundException']);
    }
  });
});

describe('security roles and identities', () => {
  const setupRoles = () => {
    const fake = setup();
    const project = fake.state.addProject('Fabrikam');
    const endpoint = fake.state.addServiceEndpoint({ name: 'conn', projects: 'Fabrikam' });
    const url = `${DEVOPS}/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/${project.id}_${endpoint.id}?api-version=7.1-preview.1`;
    return { fake, project, endpoint, url };
  };

  it('lists the creator as Administrator, adds a known group, silently drops an unknown id, removes with PATCH', async () => {
    const { fake, endpoint, url } = setupRoles();
    const first = await call('GET', url);
    expect(first.body).toMatchObject({
      count: 1,
      value: [{ identity: { id: endpoint.createdBy.id }, role: { name: 'Administrator' }, access: 'assigned' }],
    });
    const approvers = fake.state.governance.addDevOpsIdentity({ providerDisplayName: '[Fabrikam]\\Release Approvers' });
    const put = await call('PUT', url, {
      json: [
        { roleName: 'User', userId: approvers.id },
        { roleName: 'User', userId: '00000000-0000-4000-8000-00000000dead' },
      ],
    });
    expect(put.body.count).toBe(1);
    expect((await call('GET', url)).body.count).toBe(2);
    expect((await call('PATCH', url, { json: [approvers.id] })).status).toBe(200);
    expect((await call('GET', url)).body.count).toBe(1);
  });

  it('names built-in groups of projects added or renamed after the first read (not a stale copy)', async () => {
    const { fake, project, endpoint, url } = setupRoles();
    await call('GET', url); // the first read builds the built-in groups of the projects there are
    fake.state.renameProject('Fabrikam', 'Tailspin');
    const renamed = builtInGroupId('Tailspin', 'Contributors');
    fake.state.governance.setRoleAssignment('distributedtask.serviceendpointrole', `${project.id}_${endpoint.id}`, renamed, 'User');
    const after = (await call('GET', url)).body.value.find((a: { identity: { id: string } }) => a.identity.id === renamed);
    expect(after?.identity.displayName).toBe('[Tailspin]\\Contributors');
    fake.state.addProject('Later');
    const later = builtInGroupId('Later', 'Readers');
    fake.state.governance.setRoleAssignment('distributedtask.serviceendpointrole', `${project.id}_${endpoint.id}`, later, 'User');
    const added = (await call('GET', url)).body.value.find((a: { identity: { id: string } }) => a.identity.id === later);
    expect(added?.identity.displayName).toBe('[Later]\\Readers');
  });

  it('shows project-level entries as inherited until inheritance is turned off', async () => {
    const { fake, project, url } = setupRoles();
    const contributors = builtInGroupId('Fabrikam', 'Contributors');
    fake.state.governance.setRoleAssignment('distributedtask.project.serviceendpointrole', project.id, contributors, 'Administrator');
    expect((await call('GET', url)).body.value.find((a: { identity: { id: string } }) => a.identity.id === contributors)).toMatchObject({
      access: 'inherited',
    });
    expect((await call('PATCH', url.replace('?', '?inheritPermissions=false&'))).status).toBe(200);
    expect((await call('GET', url)).body.value.some((a: { identity: { id: string } }) => a.identity.id === contributors)).toBe(false);
  });

  it('refuses a PATCH with inheritPermissions other than true/false, or a body that is not a list of ids, changing nothing', async () => {
    const { fake, project, endpoint, url } = setupRoles();
    const resource = `${project.id}_${endpoint.id}`;
    const maybe = await call('PATCH', url.replace('?', '?inheritPermissions=maybe&'));
    expect([maybe.status, maybe.body.typeKey]).toEqual([400, 'ArgumentException']);
    expect(fake.state.governance.inheritance('distributedtask.serviceendpointrole', resource)).toBe(true);
    for (const json of [[], [{ id: endpoint.createdBy.id }], { ids: [endpoint.createdBy.id] }]) {
      expect((await call('PATCH', url, { json })).status).toBe(400);
    }
    expect((await call('GET', url)).body).toMatchObject({ count: 1, value: [{ identity: { id: endpoint.createdBy.id } }] });
  });

  it('refuses the GA api-version, a resource id without the project, and Creator on a connection', async () => {
    const { endpoint, url } = setupRoles();
    expect((await call('GET', url.replace('7.1-preview.1', '7.1'))).status).toBe(400);
    expect((await call('GET', url.replace(/resources\/[^?]+/, `resources/${endpoint.id}`))).status).toBe(400);
    expect((await call('PUT', url, { json: [{ roleName: 'Creator', userId: endpoint.createdBy.id }] })).status).toBe(400);
  });

  it('finds built-in and seeded groups on vssps by exact name; an unknown name is 200 with count 0', async () => {
    const { fake } = setupRoles();
    fake.state.governance.addDevOpsIdentity({ providerDisplayName: 'Ada', mailAddress: 'ada@contoso.com' });
    const search = (filter: string, value: string) =>
      call(
        'GET',
        `https://vssps.dev.azure.com/contoso/_apis/identities?searchFilter=${filter}&filterValue=${encodeURIComponent(value)}&queryMembership=None&api-version=7.1`,
        { token: DEVOPS_TOKEN },
      );
    expect((await search('General', '[Fabrikam]\\Contributors')).body).toMatchObject({
      count: 1,
      value: [{ id: builtInGroupId('Fabrikam', 'Contributors'), isContainer: true }],
    });
    expect((await search('MailAddress', 'ada@contoso.com')).body.value[0].isContainer).toBe(false);
    const none = await search('General', '[Fabrikam]\\Nobody');
    expect([none.status, none.body]).toEqual([200, { count: 0, value: [] }]);
    expect((await search('Nickname', 'x')).status).toBe(400);
  });
});
