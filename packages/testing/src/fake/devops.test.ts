import { describe, expect, it } from 'vitest';
import { useFreshFakes } from '../vitest/_freshFakes';
import { call, DEVOPS } from './_testClient';
import { dotnetGuidBase64Url } from './index';

const { start } = useFreshFakes();

const TENANT = 'ff882432-09b0-437b-bd22-ca13c0037ded';
const APP_ID = '00001111-aaaa-2222-bbbb-3333cccc4444';

function wifBody(projectId: string, name = 'wif-conn', extra: Record<string, string> = {}) {
  return {
    data: {
      subscriptionId: '11111111-1111-1111-1111-111111111111',
      subscriptionName: 'Sub',
      environment: 'AzureCloud',
      scopeLevel: 'Subscription',
      creationMode: 'Manual',
    },
    name,
    type: 'AzureRM',
    url: 'https://management.azure.com/',
    authorization: { scheme: 'WorkloadIdentityFederation', parameters: { tenantid: TENANT, serviceprincipalid: APP_ID, ...extra } },
    isShared: false,
    isReady: true,
    serviceEndpointProjectReferences: [{ projectReference: { id: projectId, name: 'ignored' }, name }],
  };
}

const create = (body: unknown) => call('POST', `${DEVOPS}/_apis/serviceendpoint/endpoints?api-version=7.1`, { json: body });

describe('projects', () => {
  it('pages with $top and the x-ms-continuationtoken header, default page 100', async () => {
    const fake = start();
    for (let i = 0; i < 205; i++) fake.state.addProject(`p${i}`);
    const all = await call('GET', `${DEVOPS}/_apis/projects?api-version=7.1`);
    expect(all.body.count).toBe(100);
    expect(all.headers.get('x-ms-continuationtoken')).toBe('100');
    const names: string[] = [];
    let token: string | null = null;
    do {
      const page = await call('GET', `${DEVOPS}/_apis/projects?api-version=7.1&$top=60${token ? `&continuationToken=${token}` : ''}`);
      names.push(...page.body.value.map((p: { name: string }) => p.name));
      token = page.headers.get('x-ms-continuationtoken');
    } while (token);
    expect(names).toHaveLength(205);
    expect(new Set(names).size).toBe(205);
    expect((await call('GET', `${DEVOPS}/_apis/projects?api-version=7.1&stateFilter=deleted`)).body.count).toBe(0);
    expect((await call('GET', `${DEVOPS}/_apis/projects?api-version=7.1&stateFilter=bogus`)).status).toBe(400);
  });

  it('gets a project by id or name; a missing one is a 404', async () => {
    const fake = start();
    const p = fake.state.addProject('Fabrikam Fiber');
    expect((await call('GET', `${DEVOPS}/_apis/projects/${p.id}?api-version=7.1`)).body.name).toBe('Fabrikam Fiber');
    expect((await call('GET', `${DEVOPS}/_apis/projects/fabrikam%20fiber?api-version=7.1`)).body.id).toBe(p.id);
    const missing = await call('GET', `${DEVOPS}/_apis/projects/nope?api-version=7.1`);
    expect(missing.status).toBe(404);
    expect(missing.body.typeKey).toBe('ProjectDoesNotExistWithNameException');
  });

  it('serves connectionData with the organization id', async () => {
    const fake = start({ organizationId: '5d2a1a3e-9f6b-4b3c-8c1d-2e7f0a9b8c7d' });
    const r = await call('GET', `${DEVOPS}/_apis/connectionData`);
    expect(r.body.instanceId).toBe(fake.state.organizationId);
    expect(r.body.instanceId).toBe('5d2a1a3e-9f6b-4b3c-8c1d-2e7f0a9b8c7d');
  });
});

describe('service connections', () => {
  it('encodes the tenant GUID little-endian for the Entra subject (docs/reference/federation.md example)', () => {
    expect(dotnetGuidBase64Url(TENANT)).toBe('MiSI_7AJe0O9IsoTwAN97Q');
    expect(dotnetGuidBase64Url('499b84ac-1321-427f-aa17-267ca6975798')).toBe('rISbSSETf0KqFyZ8ppdXmA');
  });

  it('creates a WIF connection with the Entra issuer and subject, ignoring client-sent values', async () => {
    const fake = start();
    const p = fake.state.addProject('TestProject');
    const r = await create(wifBody(p.id, 'wif-conn', { workloadIdentityFederationSubject: 'sent-by-client' }));
    expect(r.status).toBe(200);
    expect(r.body.authorization.parameters).toEqual({
      tenantid: TENANT,
      serviceprincipalid: APP_ID,
      workloadIdentityFederationIssuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      workloadIdentityFederationSubject: `/eid1/c/pub/t/MiSI_7AJe0O9IsoTwAN97Q/a/rISbSSETf0KqFyZ8ppdXmA/sc/${fake.state.organizationId}/${r.body.id as string}`,
      workloadIdentityFederationIssuerType: 'EntraID',
    });
  });

  it('creates a WIF connection in the legacy format; a rename changes its subject', async () => {
    const fake = start({ issuerMode: 'legacy', organization: 'contoso' });
    const p = fake.state.addProject('Proj');
    const r = await create(wifBody(p.id, 'old-name'));
    expect(r.body.authorization.parameters.workloadIdentityFederationIssuer).toBe(
      `https://vstoken.dev.azure.com/${fake.state.organizationId}`,
    );
    expect(r.body.authorization.parameters.workloadIdentityFederationSubject).toBe('sc://contoso/Proj/old-name');
    const put = await call('PUT', `${DEVOPS}/_apis/serviceendpoint/endpoints/${r.body.id as string}?api-version=7.1`, {
      json: { ...r.body, name: 'new-name' },
    });
    expect(put.status).toBe(200);
    expect(put.body.authorization.parameters.workloadIdentityFederationSubject).toBe('sc://contoso/Proj/new-name');
    fake.state.renameProject('Proj', 'Renamed');
    expect(fake.state.federation(r.body.id)?.subject).toBe('sc://contoso/Renamed/new-name');
    // Found by its new name (any case), no longer by the old one; the old name is free again.
    expect(fake.state.project('renamed')?.id).toBe(fake.state.project('Renamed')?.id);
    expect(fake.state.project('Proj')).toBeUndefined();
    expect(fake.state.addProject('proj').name).toBe('proj');
    expect(() => fake.state.addProject('RENAMED')).toThrow(TypeError);
  });

  it('moves a legacy WIF connection to the Entra issuer when it is saved in an Entra organization', async () => {
    const fake = start();
    const p = fake.state.addProject('Proj');
    const seeded = fake.state.addServiceEndpoint({ name: 'legacy', projects: 'Proj', federation: 'legacy', servicePrincipalId: APP_ID });
    const got = await call('GET', `${DEVOPS}/${p.id}/_apis/serviceendpoint/endpoints/${seeded.id}?api-version=7.1`);
    expect(got.body.authorization.parameters.workloadIdentityFederationIssuer).toMatch(/^https:\/\/vstoken\.dev\.azure\.com\//);
    const put = await call('PUT', `${DEVOPS}/_apis/serviceendpoint/endpoints/${seeded.id}?api-version=7.1`, { json: got.body });
    expect(put.body.authorization.parameters.workloadIdentityFederationIssuer).toBe(
      `https://login.microsoftonline.com/${fake.state.tenantId}/v2.0`,
    );
    expect(put.body.authorization.parameters.workloadIdentityFederationIssuerType).toBe('EntraID');
  });

  it('rejects a duplicate name in the same project with HTTP 500 DuplicateServiceConnectionException', async () => {
    const fake = start();
    const p = fake.state.addProject('A');
    const q = fake.state.addProject('B');
    expect((await create(wifBody(p.id, 'same'))).status).toBe(200);
    const dup = await create(wifBody(p.id, 'SAME'));
    expect(dup.status).toBe(500);
    expect(dup.body.typeKey).toBe('DuplicateServiceConnectionException');
    expect((await create(wifBody(q.id, 'same'))).status).toBe(200);
  });

  it('rejects azurerm bodies the service rejects: automatic mode, missing ids, unknown environment', async () => {
    const fake = start();
    const p = fake.state.addProject('A');
    const base = wifBody(p.id);
    const bad = [
      { ...base, data: { ...base.data, creationMode: 'Automatic' } },
      { ...base, authorization: { scheme: 'WorkloadIdentityFederation', parameters: { tenantid: TENANT } } },
      { ...base, data: { ...base.data, environment: 'Mars' } },
      { ...base, data: { ...base.data, subscriptionName: '' } },
    ];
    for (const body of bad) {
      const r = await create(body);
      expect(r.status).toBe(400);
      expect(r.body.typeKey).toBe('ArgumentException');
    }
    expect(fake.state.serviceEndpoints()).toHaveLength(0);
  });

  it('echoes a secret back as null and never stores it', async () => {
    const fake = start();
    const p = fake.state.addProject('A');
    const body = {
      ...wifBody(p.id, 'secret'),
      authorization: {
        scheme: 'ServicePrincipal',
        parameters: { tenantid: TENANT, serviceprincipalid: APP_ID, authenticationType: 'spnKey', serviceprincipalkey: 'hunter2' },
      },
    };
    const r = await create(body);
    expect(r.body.authorization.parameters.serviceprincipalkey).toBeNull();
    expect(JSON.stringify(fake.state.serviceEndpoints())).not.toContain('hunter2');
  });

  it('lists by type, authSchemes, names and includeFailed', async () => {
    const fake = start();
    const p = fake.state.addProject('A');
    fake.state.addServiceEndpoint({ name: 'wif', projects: 'A' });
    fake.state.addServiceEndpoint({ name: 'secret', projects: 'A', scheme: 'ServicePrincipal' });
    fake.state.addServiceEndpoint({
      name: 'failed',
      projects: 'A',
      isReady: false,
      operationStatus: { state: 'Failed', statusMessage: 'boom' },
    });
    fake.state.addServiceEndpoint({ name: 'generic', projects: 'A', type: 'Generic', scheme: 'UsernamePassword' });
    const names = async (query: string) =>
      (await call('GET', `${DEVOPS}/${p.id}/_apis/serviceendpoint/endpoints?api-version=7.1${query}`)).body.value
        .map((e: { name: string }) => e.name)
        .sort();
    expect(await names('')).toEqual(['generic', 'secret', 'wif']);
    expect(await names('&type=azurerm&includeFailed=true')).toEqual(['failed', 'secret', 'wif']);
    expect(await names('&authSchemes=ServicePrincipal')).toEqual(['secret']);
    expect(await names('&endpointNames=WIF,generic')).toEqual(['generic', 'wif']);
  });

  it('shares into another project and deletes per project (gone when removed from all)', async () => {
    const fake = start();
    const a = fake.state.addProject('A');
    const b = fake.state.addProject('B');
    const created = await create(wifBody(a.id, 'shared'));
    const id: string = created.body.id;
    const share = await call('PATCH', `${DEVOPS}/_apis/serviceendpoint/endpoints/${id}?api-version=7.1`, {
      json: [{ projectReference: { id: b.id, name: 'B' }, name: 'shared-in-b' }],
    });
    expect(share.status).toBe(204);
    const inB = await call('GET', `${DEVOPS}/${b.id}/_apis/serviceendpoint/endpoints/${id}?api-version=7.1`);
    expect(inB.body).toMatchObject({ name: 'shared-in-b', isShared: true });
    expect(inB.body.serviceEndpointProjectReferences).toHaveLength(2);
    expect((await call('DELETE', `${DEVOPS}/_apis/serviceendpoint/endpoints/${id}?api-version=7.1`)).status).toBe(400);
    expect((await call('DELETE', `${DEVOPS}/_apis/serviceendpoint/endpoints/${id}?projectIds=${a.id}&api-version=7.1`)).status).toBe(204);
    expect(fake.state.serviceEndpoint(id)?.projectReferences.map((r) => r.projectId)).toEqual([b.id]);
    expect((await call('GET', `${DEVOPS}/${a.id}/_apis/serviceendpoint/endpoints/${id}?api-version=7.1`)).body).toBeNull();
    await call('DELETE', `${DEVOPS}/_apis/serviceendpoint/endpoints/${id}?projectIds=${b.id}&api-version=7.1`);
    expect(fake.state.serviceEndpoint(id)).toBeUndefined();
  });

  it('converts an automatic-mode ServicePrincipal connection and adds the FIC to its app', async () => {
    const fake = start();
    fake.state.addProject('A');
    const app = fake.state.addApplication({ displayName: 'ado-made' });
    const e = fake.state.addServiceEndpoint({
      name: 'auto',
      projects: 'A',
      scheme: 'ServicePrincipal',
      creationMode: 'Automatic',
      servicePrincipalId: app.appId,
    });
    const manual = fake.state.addServiceEndpoint({
      name: 'manual',
      projects: 'A',
      scheme: 'ServicePrincipal',
      servicePrincipalId: app.appId,
    });
    const url = (id: string) => `${DEVOPS}/A/_apis/serviceendpoint/endpoints/${id}?operation=ConvertAuthenticationScheme&api-version=7.1`;
    const get = async (id: string) => (await call('GET', `${DEVOPS}/A/_apis/serviceendpoint/endpoints/${id}?api-version=7.1`)).body;
    const asWif = (body: { authorization: { scheme: string } }) => ({
      ...body,
      authorization: { ...body.authorization, scheme: 'WorkloadIdentityFederation' },
    });
    expect((await call('PUT', url(manual.id), { json: asWif(await get(manual.id)) })).status).toBe(400);
    const r = await call('PUT', url(e.id), { json: asWif(await get(e.id)) });
    expect(r.status).toBe(200);
    expect(r.body.authorization.scheme).toBe('WorkloadIdentityFederation');
    expect(r.body.authorization.parameters.serviceprincipalkey).toBeUndefined();
    expect(r.body.data.revertSchemeDeadline).toEqual(expect.any(String));
    const fed = fake.state.federation(e.id);
    expect(fake.state.federatedCredentials(app.id).map((f) => [f.issuer, f.subject])).toEqual([[fed?.issuer, fed?.subject]]);
  });

  it('merges pipeline permissions on PATCH', async () => {
    const fake = start();
    const p = fake.state.addProject('A');
    const e = fake.state.addServiceEndpoint({ name: 'c', projects: 'A' });
    const url = `${DEVOPS}/${p.id}/_apis/pipelines/pipelinePermissions/endpoint/${e.id}?api-version=7.1-preview.1`;
    expect((await call('GET', url)).body).toEqual({ resource: { type: 'endpoint', id: e.id }, pipelines: [] });
    await call('PATCH', url, {
      json: {
        pipelines: [
          { id: 1, authorized: true },
          { id: 2, authorized: true },
        ],
      },
    });
    const r = await call('PATCH', url, { json: { pipelines: [{ id: 2, authorized: false }], allPipelines: { authorized: false } } });
    expect(r.body.pipelines.map((x: { id: number; authorized: boolean }) => [x.id, x.authorized])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(r.body.pipelines[0]).toMatchObject({ authorizedBy: { id: expect.any(String) }, authorizedOn: expect.any(String) });
    expect(r.body.allPipelines.authorized).toBe(false);
    expect(
      fake.state
        .pipelinePermissions('A', e.id)
        ?.pipelines.filter((x) => x.authorized)
        .map((x) => x.id),
    ).toEqual([1]);
    const mismatch = await call('PATCH', url, {
      json: { resource: { type: 'endpoint', id: '99999999-9999-9999-9999-999999999999' }, pipelines: [{ id: 3, authorized: true }] },
    });
    expect(mismatch.status).toBe(400);
  });

  it('mints OIDC tokens only for existing WIF connections of the project', async () => {
    const fake = start();
    const p = fake.state.addProject('A');
    const wif = fake.state.addServiceEndpoint({ name: 'wif', projects: 'A' });
    const secret = fake.state.addServiceEndpoint({ name: 'secret', projects: 'A', scheme: 'ServicePrincipal' });
    const plan = '11111111-2222-3333-4444-555555555555';
    const url = (id: string) =>
      `${DEVOPS}/${p.id}/_apis/distributedtask/hubs/build/plans/${plan}/jobs/${plan}/oidctoken?serviceConnectionId=${id}&api-version=7.1-preview.1`;
    const ok = await call('POST', url(wif.id), { json: {} });
    expect(ok.status).toBe(200);
    const claims = JSON.parse(Buffer.from((ok.body.oidcToken as string).split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({
      iss: fake.state.federation(wif.id)?.issuer,
      sub: fake.state.federation(wif.id)?.subject,
      aud: 'api://AzureADTokenExchange',
    });
    expect((await call('POST', url(secret.id), { json: {} })).status).toBe(400);
    expect((await call('POST', url('99999999-9999-9999-9999-999999999999'), { json: {} })).status).toBe(404);
  });
});

describe('service connection usage history', () => {
  it("lists a project's uses of a connection newest first, paged by top and x-ms-continuationtoken; refuses what the service refuses", async () => {
    const fake = start();
    const platform = fake.state.addProject('platform');
    fake.state.addProject('web');
    const e = fake.state.addServiceEndpoint({ name: 'sc-a', projects: ['platform', 'web'] });
    for (let i = 1; i <= 3; i++)
      fake.state.addServiceEndpointExecution(e.id, {
        project: 'platform',
        definition: { id: i, name: `p${i}` },
        startTime: `2026-03-0${i}T10:00:00.000Z`,
      });
    fake.state.addServiceEndpointExecution(e.id, { project: 'web', definition: { id: 9, name: 'web-only' } });
    const url = (q: string) => `${DEVOPS}/platform/_apis/serviceendpoint/${e.id}/executionhistory?api-version=7.1${q}`;
    const first = await call('GET', url('&top=2'));
    expect(first.status).toBe(200);
    expect(first.body.value.map((r: { data: { definition: { name: string } } }) => r.data.definition.name)).toEqual(['p3', 'p2']);
    expect(first.headers.get('x-ms-continuationtoken')).toBe('2');
    const second = await call('GET', url('&top=2&continuationToken=2'));
    expect(second.body.value.map((r: { data: { definition: { name: string } } }) => r.data.definition.name)).toEqual(['p1']);
    expect(second.headers.get('x-ms-continuationtoken')).toBeNull();
    expect((await call('GET', url('&top=0'))).status).toBe(400);
    expect((await call('GET', url('&top=x'))).status).toBe(400);
    expect((await call('GET', `${DEVOPS}/nope/_apis/serviceendpoint/${e.id}/executionhistory?api-version=7.1`)).status).toBe(404);
    const other = fake.state.addServiceEndpoint({ name: 'sc-web', projects: ['web'] });
    expect((await call('GET', `${DEVOPS}/${platform.id}/_apis/serviceendpoint/${other.id}/executionhistory?api-version=7.1`)).status).toBe(
      404,
    );
    expect((await call('GET', url('').replace('api-version=7.1', 'api-version=7.1-preview.1'))).status).toBe(400);
    // Deleting the connection takes its history with it.
    fake.state.deleteServiceEndpoint(e.id);
    expect(fake.state.serviceEndpointExecutions(e.id)).toEqual([]);
  });
});
