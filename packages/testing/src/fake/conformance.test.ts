/**
 * The fake's responses against the official examples in `fixtures/`: for every operation with an
 * example, the same request goes to the fake, and its response must have every key the example
 * response has, recursively, with the same JSON type (a `null` on either side counts as a nullable
 * value of any type). Organization/project names are the fake's; ids are the example's.
 */
import { describe, expect, it } from 'vitest';
import { useFreshFakes } from '../vitest/_freshFakes';
import { loadFixture } from '../fixtures';
import { ARM, call, DEVOPS, ENTRA, GRAPH, type CallResult } from './_testClient';
import { type Fake } from './index';

const { start } = useFreshFakes();

type Json = any;
const fixture = (name: string): Json => loadFixture<Json>(name);

/** Where `actual` lacks a key of `expected` or has another JSON type there. */
export function shapeProblems(expected: unknown, actual: unknown, path = '$'): string[] {
  if (expected === null || actual === null) return [];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array`];
    if (expected.length === 0) return [];
    if (actual.length === 0) return [`${path}: expected a non-empty array like the example`];
    return actual.flatMap((item, i) => shapeProblems(expected[Math.min(i, expected.length - 1)], item, `${path}[${i}]`));
  }
  if (typeof expected === 'object') {
    if (typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: expected an object`];
    const a = actual as Record<string, unknown>;
    return Object.entries(expected as Record<string, unknown>).flatMap(([k, v]) =>
      k in a ? shapeProblems(v, a[k], `${path}.${k}`) : [`${path}.${k}: missing`],
    );
  }
  return typeof expected === typeof actual ? [] : [`${path}: expected ${typeof expected}, got ${typeof actual}`];
}

function expectLike(actual: CallResult, status: number, body?: unknown): void {
  expect(actual.status).toBe(status);
  if (body !== undefined) expect(shapeProblems(body, actual.body)).toEqual([]);
}

it('shapeProblems reports missing keys, wrong types and empty arrays', () => {
  expect(shapeProblems({ a: { b: 1, c: 'x' }, d: [{ e: true }], n: null }, { a: { b: 'no' }, d: [], n: 5 })).toEqual([
    '$.a.b: expected number, got string',
    '$.a.c: missing',
    '$.d: expected a non-empty array like the example',
  ]);
  expect(shapeProblems({ v: [{ x: 1 }] }, { v: [{ x: 2, extra: true }] })).toEqual([]);
});

describe('Graph', () => {
  it('POST /applications (graph-v1.0-application-create)', async () => {
    start();
    const f = fixture('graph-v1.0-application-create.json');
    expectLike(await call('POST', f.request.url, { json: f.request.body }), f.response.status, f.response.body);
  });

  it('PATCH /applications(uniqueName) upsert (graph-v1.0-application-upsert-create)', async () => {
    start();
    const f = fixture('graph-v1.0-application-upsert-create.json');
    expectLike(
      await call('PATCH', f.request.url, { json: f.request.body, headers: f.request.headers }),
      f.response.status,
      f.response.body,
    );
    expectLike(
      await call('PATCH', f.request.url, { json: f.request.body, headers: f.request.headers }),
      f.responseWhenAlreadyExists.status,
    );
  });

  it('GET /applications(appId)?$select (graph-v1.0-application-get-by-appId-select)', async () => {
    const fake = start();
    const f = fixture('graph-v1.0-application-get-by-appId-select.json');
    fake.state.addApplication({
      displayName: 'PostmanWeb',
      appId: f.response.body.appId,
      properties: { requiredResourceAccess: f.response.body.requiredResourceAccess },
    });
    expectLike(await call('GET', f.request.url), f.response.status, f.response.body);
  });

  it('POST /servicePrincipals (graph-v1.0-servicePrincipal-create)', async () => {
    const fake = start();
    const f = fixture('graph-v1.0-servicePrincipal-create.json');
    fake.state.addApplication({ displayName: 'My App', appId: f.request.body.appId });
    expectLike(await call('POST', f.request.url, { json: f.request.body }), f.response.status, f.response.body);
  });

  it('POST and GET federatedIdentityCredentials (graph-v1.0-federatedIdentityCredential-create, -list)', async () => {
    const fake = start();
    const create = fixture('graph-v1.0-federatedIdentityCredential-create.json');
    const list = fixture('graph-v1.0-federatedIdentityCredential-list.json');
    fake.state.addApplication({ displayName: 'app', id: 'bcd7c908-1c4d-4d48-93ee-ff38349a75c8' });
    expectLike(await call('POST', create.request.url, { json: create.request.body }), create.response.status, create.response.body);
    expectLike(await call('GET', list.request.url), list.response.status, list.response.body);
  });

  it('PATCH federatedIdentityCredentials(name) upsert (graph-v1.0-federatedIdentityCredential-upsert)', async () => {
    const fake = start();
    const f = fixture('graph-v1.0-federatedIdentityCredential-upsert.json');
    fake.state.addApplication({ displayName: 'app', uniqueName: 'app-65278' });
    // The doc example omits the Prefer header its own text requires (docs/reference/graph.md §5).
    const headers = { Prefer: 'create-if-missing' };
    expectLike(await call('PATCH', f.request.url, { json: f.request.body, headers }), f.response.status, f.response.body);
    expectLike(await call('PATCH', f.request.url, { json: f.request.body, headers }), f.responseWhenAlreadyExists.status);
  });

  it('accepts the Azure DevOps docs FIC request (ado-docs-wif-fic-credential-request)', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'app' });
    const created = fixture('graph-v1.0-federatedIdentityCredential-create.json');
    expectLike(
      await call('POST', `${GRAPH}/applications/${app.id}/federatedIdentityCredentials`, {
        json: fixture('ado-docs-wif-fic-credential-request.json'),
      }),
      201,
      created.response.body,
    );
  });

  it('answers errors in the documented shape (graph-error-example)', async () => {
    start();
    expectLike(await call('GET', `${GRAPH}/applications/00000000-0000-0000-0000-000000000000`), 404, fixture('graph-error-example.json'));
  });
});

describe('ARM', () => {
  const PRINCIPAL = 'ce2ce14e-85d7-4629-bdbc-454d0519d987';
  const ROLE = '0b5fe924-9a61-425c-96af-cfe6e287ca2d';
  function armFake(): Fake {
    const fake = start();
    fake.state.addPrincipal(PRINCIPAL, 'User');
    fake.state.addRoleDefinition({
      id: ROLE,
      roleName: 'Example role',
      permissions: [{ actions: ['*/read'], dataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'] }],
    });
    return fake;
  }
  const url = (scope: string, rest: string) => `${ARM}/${scope}/providers/Microsoft.Authorization/${rest}?api-version=2022-04-01`;

  it.each(['Subscription', 'ResourceGroup', 'Resource'])(
    'PUT roleAssignments (arm-roleAssignments-2022-04-01-CreateFor%s): 201, then 200',
    async (level) => {
      armFake();
      const f = fixture(`arm-roleAssignments-2022-04-01-CreateFor${level}.json`);
      const p = f.parameters;
      const target = url(p.scope, `roleAssignments/${p.roleAssignmentName as string}`);
      expectLike(await call('PUT', target, { json: p.parameters }), 201, f.responses['201'].body);
      expectLike(await call('PUT', target, { json: p.parameters }), 200, f.responses['200'].body);
    },
  );

  it('GET and DELETE roleAssignments (arm-roleAssignments-2022-04-01-Get, -Delete)', async () => {
    const fake = armFake();
    const get = fixture('arm-roleAssignments-2022-04-01-Get.json');
    const del = fixture('arm-roleAssignments-2022-04-01-Delete.json');
    fake.state.addRoleAssignment({
      name: get.parameters.roleAssignmentName,
      scope: get.parameters.scope,
      roleDefinitionId: ROLE,
      principalId: PRINCIPAL,
      principalType: 'User',
    });
    const target = url(get.parameters.scope, `roleAssignments/${get.parameters.roleAssignmentName as string}`);
    expectLike(await call('GET', target), 200, get.responses['200'].body);
    expectLike(await call('DELETE', target), 200, del.responses['200'].body);
    expectLike(await call('DELETE', target), 204);
  });

  it('lists roleAssignments (arm-roleAssignments-2022-04-01-ListForScope, -ListForResourceGroup)', async () => {
    const fake = armFake();
    const scope = fixture('arm-roleAssignments-2022-04-01-ListForScope.json');
    const rg = fixture('arm-roleAssignments-2022-04-01-ListForResourceGroup.json');
    for (const item of rg.responses['200'].body.value) {
      fake.state.addRoleAssignment({
        name: item.name,
        scope: item.properties.scope,
        roleDefinitionId: ROLE,
        principalId: PRINCIPAL,
        principalType: 'User',
      });
    }
    expectLike(await call('GET', url(scope.parameters.scope, 'roleAssignments')), 200, scope.responses['200'].body);
    const p = rg.parameters;
    expectLike(
      await call(
        'GET',
        url(`subscriptions/${p.subscriptionId as string}/resourceGroups/${p.resourceGroupName as string}`, 'roleAssignments'),
      ),
      200,
      rg.responses['200'].body,
    );
  });

  it('GET roleDefinitions/{id} (arm-roleDefinitions-2022-04-01-GetRoleDefinitionByName)', async () => {
    armFake();
    const f = fixture('arm-roleDefinitions-2022-04-01-GetRoleDefinitionByName.json');
    // The example's scope and id are placeholders; a real pair is used.
    expectLike(
      await call('GET', url('subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2', `roleDefinitions/${ROLE}`)),
      200,
      f.responses['200'].body,
    );
  });
});

describe('Azure DevOps', () => {
  const PROJECT = 'c7e5f0b3-71fa-4429-9fb3-3321963a7c06';
  const ENDPOINT = '5e47a0d8-c745-44f8-8f93-784f18ff31c4';
  const V = 'api-version=7.1';
  /** The fake with the examples' project and their Generic connection. */
  function devopsFake(): Fake {
    const fake = start();
    fake.state.addProject('TestProject', { id: PROJECT });
    fake.state.addServiceEndpoint({
      id: ENDPOINT,
      name: 'MyNewServiceEndpoint',
      projects: PROJECT,
      type: 'Generic',
      url: 'https://myserver',
      scheme: 'UsernamePassword',
      parameters: { username: 'myusername', password: null },
    });
    return fake;
  }

  it('GET projects (ado-core-7.1-GET__projects)', async () => {
    const fake = start();
    const f = fixture('ado-core-7.1-GET__projects.json');
    for (const p of f.responses['200'].body.value)
      fake.state.addProject(p.name, { id: p.id, ...(p.description ? { description: p.description } : {}) });
    expectLike(await call('GET', `${DEVOPS}/_apis/projects?${V}`), 200, f.responses['200'].body);
  });

  it('POST endpoints, secret-based (ado-serviceEndpoint-7.1-CreateAzureRMEndpoint)', async () => {
    const fake = start();
    fake.state.addProject('TestProject', { id: PROJECT });
    const f = fixture('ado-serviceEndpoint-7.1-CreateAzureRMEndpoint.json');
    const r = await call('POST', `${DEVOPS}/_apis/serviceendpoint/endpoints?${V}`, { json: f.parameters.body });
    expectLike(r, 200, f.responses['200'].body);
    expect(r.body.authorization.parameters.serviceprincipalkey).toBeNull();
  });

  it('POST endpoints, WIF (ado-docs-wif-create-request → ado-docs-wif-create-response-authorization-parameters)', async () => {
    const fake = start();
    fake.state.addProject('TestProject', { id: PROJECT });
    const r = await call('POST', `${DEVOPS}/_apis/serviceendpoint/endpoints?${V}`, { json: fixture('ado-docs-wif-create-request.json') });
    expect(r.status).toBe(200);
    expect(shapeProblems(fixture('ado-docs-wif-create-response-authorization-parameters.json'), r.body.authorization.parameters)).toEqual(
      [],
    );
  });

  it('GET one endpoint (ado-serviceEndpoint-7.1-GetServiceEndpointDetails)', async () => {
    devopsFake();
    const f = fixture('ado-serviceEndpoint-7.1-GetServiceEndpointDetails.json');
    expectLike(await call('GET', `${DEVOPS}/TestProject/_apis/serviceendpoint/endpoints/${ENDPOINT}?${V}`), 200, f.responses['200'].body);
  });

  it('GET endpoints by name and by type (ado-serviceEndpoint-7.1-GetServiceEndpointsByName, -ListEndpoints)', async () => {
    devopsFake();
    const byName = fixture('ado-serviceEndpoint-7.1-GetServiceEndpointsByName.json');
    const byType = fixture('ado-serviceEndpoint-7.1-ListEndpoints.json');
    expectLike(
      await call('GET', `${DEVOPS}/${PROJECT}/_apis/serviceendpoint/endpoints?endpointNames=MyNewServiceEndpoint&${V}`),
      200,
      byName.responses['200'].body,
    );
    expectLike(
      await call('GET', `${DEVOPS}/${PROJECT}/_apis/serviceendpoint/endpoints?type=Generic&${V}`),
      200,
      byType.responses['200'].body,
    );
  });

  it('PUT one endpoint and many (ado-serviceEndpoint-7.1-UpdateServiceEndpoint, -UpdateServiceEndpoints)', async () => {
    devopsFake();
    const one = fixture('ado-serviceEndpoint-7.1-UpdateServiceEndpoint.json');
    const many = fixture('ado-serviceEndpoint-7.1-UpdateServiceEndpoints.json');
    const r = await call('PUT', `${DEVOPS}/_apis/serviceendpoint/endpoints/${ENDPOINT}?${V}`, { json: one.parameters.body });
    expectLike(r, 200, one.responses['200'].body);
    expect(r.body.authorization.parameters.password).toBeNull();
    expectLike(
      await call('PUT', `${DEVOPS}/_apis/serviceendpoint/endpoints?${V}`, { json: many.parameters.body }),
      200,
      many.responses['200'].body,
    );
  });

  it('PATCH share and DELETE (ado-serviceEndpoint-7.1-ShareServiceEndpoint, -DeleteServiceEndpoint)', async () => {
    const fake = devopsFake();
    const share = fixture('ado-serviceEndpoint-7.1-ShareServiceEndpoint.json');
    const del = fixture('ado-serviceEndpoint-7.1-DeleteServiceEndpoint.json');
    fake.state.addProject('TestProject2', { id: share.parameters.body[0].projectReference.id });
    expectLike(await call('PATCH', `${DEVOPS}/_apis/serviceendpoint/endpoints/${ENDPOINT}?${V}`, { json: share.parameters.body }), 204);
    expectLike(
      await call('DELETE', `${DEVOPS}/_apis/serviceendpoint/endpoints/${ENDPOINT}?projectIds=${del.parameters.projectIds as string}&${V}`),
      204,
    );
  });

  it('POST oidctoken (ado-distributedTask-7.1-oidctoken-excerpt: TaskHubOidcToken)', async () => {
    const fake = start();
    fake.state.addProject('TestProject', { id: PROJECT });
    const e = fake.state.addServiceEndpoint({ name: 'wif', projects: PROJECT });
    const schema = fixture('ado-distributedTask-7.1-oidctoken-excerpt.json').definitions.TaskHubOidcToken.properties as Record<
      string,
      { type: string }
    >;
    const expected = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, v.type === 'string' ? '' : {}]));
    const job = '11111111-2222-3333-4444-555555555555';
    const r = await call(
      'POST',
      `${DEVOPS}/${PROJECT}/_apis/distributedtask/hubs/build/plans/${job}/jobs/${job}/oidctoken?serviceConnectionId=${e.id}&api-version=7.1-preview.1`,
      { json: {} },
    );
    expectLike(r, 200, expected);
  });
});

describe('Entra token endpoint', () => {
  it('success and error bodies (entra-token-success-example, entra-token-error-example)', async () => {
    const fake = start();
    fake.state.addProject('P');
    const app = fake.state.addApplication({ displayName: 'a' });
    fake.state.addServicePrincipal({ appId: app.appId });
    const e = fake.state.addServiceEndpoint({ name: 'c', projects: 'P', servicePrincipalId: app.appId });
    const fed = fake.state.federation(e.id)!;
    fake.state.addFederatedCredential(app.id, { name: 'ado', issuer: fed.issuer, subject: fed.subject });
    const job = '11111111-2222-3333-4444-555555555555';
    const project = fake.state.project('P')!.id;
    const minted = await call(
      'POST',
      `${DEVOPS}/${project}/_apis/distributedtask/hubs/build/plans/${job}/jobs/${job}/oidctoken?serviceConnectionId=${e.id}&api-version=7.1-preview.1`,
      { json: {} },
    );
    const form = (scope: string) => ({
      client_id: app.appId,
      scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: minted.body.oidcToken as string,
      grant_type: 'client_credentials',
    });
    const url = `${ENTRA}/${fake.state.tenantId}/oauth2/v2.0/token`;
    expectLike(
      await call('POST', url, { form: form('https://management.azure.com/.default') }),
      200,
      fixture('entra-token-success-example.json'),
    );
    const error = fixture('entra-token-error-example.json');
    const bad = await call('POST', url, { form: form('https://example.contoso.com/activity.read') });
    expectLike(bad, 400, error);
    expect(bad.body.error).toBe(error.error);
    expect(bad.body.error_codes).toEqual(error.error_codes);
  });
});
