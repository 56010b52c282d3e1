import { describe, expect, it } from 'vitest';
import { useFreshFakes } from '../vitest/_freshFakes';
import { call, GRAPH } from './_testClient';

const { start } = useFreshFakes();

const batch = (requests: unknown): ReturnType<typeof call> => call('POST', `${GRAPH}/$batch`, { json: { requests } });

describe('Graph JSON batching (POST /$batch)', () => {
  it("answers the documented example's shape: 200, one response per request id, each with its own status", async () => {
    // The request of https://learn.microsoft.com/en-us/graph/json-batching ("First JSON batch request"),
    // verbatim: the fake serves none of these resources, so each sub-request gets Graph's 404 on its own.
    const fake = start();
    const r = await batch([
      { id: '1', method: 'GET', url: '/me/drive/root:/{file}:/content' },
      { id: '2', method: 'GET', url: '/me/planner/tasks' },
      { id: '3', method: 'GET', url: '/groups/{id}/events' },
      { id: '4', url: '/me', method: 'PATCH', body: { city: 'Redmond' }, headers: { 'Content-Type': 'application/json' } },
      {
        id: '5',
        url: 'users?$select=id,displayName,userPrincipalName&$filter=city eq null&$count=true',
        method: 'GET',
        headers: { ConsistencyLevel: 'eventual' },
      },
    ]);
    expect(r.status).toBe(200);
    const responses = r.body.responses as { id: string; status: number; body?: { error?: { code: string } } }[];
    expect(responses.map((x) => x.id).sort()).toEqual(['1', '2', '3', '4', '5']);
    for (const x of responses) {
      expect(x.status).toBe(404);
      expect(typeof x.body?.error?.code).toBe('string');
    }
    // One HTTP request reached the service (its sub-requests are logged as batched).
    expect(fake.requests.filter((q) => !q.batched).map((q) => q.operation)).toEqual(['POST $batch']);
  });

  it('runs each sub-request through the Graph routes: 200 with the body, 404 for a missing app, in one request', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'a' });
    fake.state.addServicePrincipal({ appId: app.appId });
    const r = await batch([
      { id: 'app', method: 'GET', url: `/applications(appId='${app.appId}')?$select=id,appId,displayName,signInAudience` },
      { id: 'sp', method: 'GET', url: `/servicePrincipals(appId='${app.appId}')` },
      { id: 'fic', method: 'GET', url: `/applications/${app.id}/federatedIdentityCredentials` },
      { id: 'gone', method: 'GET', url: `/applications(appId='00000000-0000-0000-0000-000000000009')` },
    ]);
    expect(r.status).toBe(200);
    const by = new Map((r.body.responses as { id: string; status: number; body: any }[]).map((x) => [x.id, x]));
    expect(by.get('app')).toMatchObject({ status: 200, body: { id: app.id, appId: app.appId } });
    expect(by.get('sp')).toMatchObject({ status: 200, body: { appId: app.appId } });
    expect(by.get('fic')).toMatchObject({ status: 200, body: { value: [] } });
    expect(by.get('gone')).toMatchObject({ status: 404, body: { error: { code: 'Request_ResourceNotFound' } } });
    expect(fake.requests.filter((q) => !q.batched)).toHaveLength(1);
    expect(
      fake.requests
        .filter((q) => q.batched)
        .map((q) => q.operation)
        .sort(),
    ).toEqual(['applications.get', 'applications.get', 'federatedIdentityCredentials.list', 'servicePrincipals.get']);
  });

  it('answers a sub-request 429 on its own, inside a 200 batch, next to its siblings 200', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'a' });
    // Throttle only what comes after the batch itself got through: every sub-request.
    fake.failRequests({ service: 'graph', path: /^\/applications/, status: 429, code: 'TooManyRequests' });
    const r = await batch([
      { id: '1', method: 'GET', url: `/applications(appId='${app.appId}')` },
      { id: '2', method: 'GET', url: `/servicePrincipals?$top=1` },
    ]);
    expect(r.status).toBe(200);
    const by = new Map((r.body.responses as { id: string; status: number; body: any }[]).map((x) => [x.id, x]));
    expect(by.get('1')).toMatchObject({ status: 429, body: { error: { code: 'TooManyRequests' } } });
    expect(by.get('2')?.status).toBe(200);
  });

  it('sends 424 to a request whose dependency failed, and runs dependents after their dependency', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'a' });
    const r = await batch([
      { id: '1', method: 'GET', url: `/applications(appId='00000000-0000-0000-0000-000000000009')` },
      { id: '2', method: 'GET', url: `/applications/${app.id}`, dependsOn: ['1'] },
      { id: '3', method: 'GET', url: `/applications/${app.id}` },
      { id: '4', method: 'GET', url: `/applications/${app.id}`, dependsOn: ['3'] },
    ]);
    const by = new Map((r.body.responses as { id: string; status: number }[]).map((x) => [x.id, x.status]));
    expect(Object.fromEntries(by)).toEqual({ '1': 404, '2': 424, '3': 200, '4': 200 });
  });

  it.each([
    ['more than 20 requests', Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/applications' }))],
    ['a request without id', [{ method: 'GET', url: '/applications' }]],
    ['a request without method', [{ id: '1', url: '/applications' }]],
    ['a request without url', [{ id: '1', method: 'GET' }]],
    [
      'two requests with one id (compared without case)',
      [
        { id: 'a', method: 'GET', url: '/applications' },
        { id: 'A', method: 'GET', url: '/applications' },
      ],
    ],
    ['a body without a Content-Type header', [{ id: '1', method: 'PATCH', url: '/applications/x', body: { notes: 'n' } }]],
    ['a dependsOn naming no request of the batch', [{ id: '1', method: 'GET', url: '/applications', dependsOn: ['9'] }]],
    [
      'a dependsOn cycle',
      [
        { id: '1', method: 'GET', url: '/applications', dependsOn: ['2'] },
        { id: '2', method: 'GET', url: '/applications', dependsOn: ['1'] },
      ],
    ],
    ['an absolute url', [{ id: '1', method: 'GET', url: `${GRAPH}/applications` }]],
  ])('refuses the whole batch with 400 for %s, running nothing', async (_, requests) => {
    const fake = start();
    const before = fake.state.applications().length;
    const r = await batch(requests);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('BadRequest');
    expect(fake.state.applications()).toHaveLength(before);
  });

  it('accepts exactly 20 requests', async () => {
    start();
    const r = await batch(Array.from({ length: 20 }, (_, i) => ({ id: String(i), method: 'GET', url: '/applications?$top=1' })));
    expect(r.status).toBe(200);
    expect(r.body.responses).toHaveLength(20);
  });

  it('refuses a body that is not { requests: [...] } with 400', async () => {
    start();
    const r = await call('POST', `${GRAPH}/$batch`, { json: [{ id: '1', method: 'GET', url: '/applications' }] });
    expect(r.status).toBe(400);
  });

  it('checks the token of the batch: none is 401 and no sub-request runs', async () => {
    const fake = start();
    const r = await call('POST', `${GRAPH}/$batch`, {
      json: { requests: [{ id: '1', method: 'GET', url: '/applications' }] },
      token: null,
    });
    expect(r.status).toBe(401);
    expect(fake.requests.filter((q) => q.batched)).toEqual([]);
  });
});
