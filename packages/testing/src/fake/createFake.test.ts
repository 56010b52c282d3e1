import { describe, expect, it, vi } from 'vitest';
import { useFreshFakes } from '../vitest/_freshFakes';
import { makeTestToken } from '../credential';
import { call, DEVOPS, GRAPH } from './_testClient';
import { createFake, type Fake } from './index';

const { start, server } = useFreshFakes();

/** Status of 40 GETs (0 = network error). */
async function statuses(fake: Fake): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 40; i++) {
    try {
      out.push((await call('GET', `${DEVOPS}/_apis/connectionData`)).status);
    } catch {
      out.push(0);
    }
  }
  expect(fake.requests.map((r) => r.status)).toEqual(out);
  return out;
}

describe('injected faults', () => {
  it('are deterministic for a seed and differ between seeds', async () => {
    const knobs = { throttleRate: 0.2, serverErrorRate: 0.2, resetRate: 0.2 };
    const a = await statuses(start({ ...knobs, seed: 7 }));
    server.resetHandlers();
    const b = await statuses(start({ ...knobs, seed: 7 }));
    server.resetHandlers();
    const c = await statuses(start({ ...knobs, seed: 8 }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const s of [0, 200, 429, 503]) expect(a).toContain(s);
  });

  it('answer 429 with Retry-After in the service error shape, before any state change', async () => {
    const fake = start({ throttleRate: 1, retryAfterSeconds: 7 });
    const r = await call('PATCH', `${GRAPH}/applications(uniqueName='x')`, {
      json: { displayName: 'x' },
      headers: { Prefer: 'create-if-missing' },
    });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(r.body.error.code).toBe('TooManyRequests');
    expect(fake.state.applications()).toHaveLength(0);
    expect(fake.requests).toEqual([
      { service: 'graph', operation: 'applications.update', method: 'PATCH', path: "/applications(uniqueName='x')", status: 429 },
    ]);
  });

  it('answer 503 and network errors before any state change', async () => {
    const fake = start({ serverErrorRate: 1 });
    const p = fake.state.addProject('A');
    const body = {
      name: 'c',
      type: 'Generic',
      url: 'https://example.com/',
      authorization: { scheme: 'None', parameters: {} },
      serviceEndpointProjectReferences: [{ projectReference: { id: p.id }, name: 'c' }],
    };
    expect((await call('POST', `${DEVOPS}/_apis/serviceendpoint/endpoints?api-version=7.1`, { json: body })).status).toBe(503);
    fake.setOptions({ serverErrorRate: 0, resetRate: 1 });
    await expect(call('POST', `${DEVOPS}/_apis/serviceendpoint/endpoints?api-version=7.1`, { json: body })).rejects.toThrow();
    expect(fake.state.serviceEndpoints()).toHaveLength(0);
    fake.setOptions({ resetRate: 0 });
    expect((await call('POST', `${DEVOPS}/_apis/serviceendpoint/endpoints?api-version=7.1`, { json: body })).status).toBe(200);
    expect(fake.requests.map((r) => r.status)).toEqual([503, 0, 200]);
  });

  it('adds latency to every response (on a fake clock)', async () => {
    vi.useFakeTimers();
    try {
      const fake = createFake({ latencyInMs: 40 });
      for (const path of ['/_apis/connectionData', '/_apis/nothing-here']) {
        let answered = false;
        const pending = fake.handle(new Request(`${DEVOPS}${path}`)).then(() => (answered = true));
        await vi.advanceTimersByTimeAsync(39);
        expect(answered).toBe(false);
        await vi.advanceTimersByTimeAsync(1);
        await pending;
        expect(answered).toBe(true);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects knobs out of range and fixed options on setOptions', () => {
    expect(() => createFake({ throttleRate: 2 })).toThrow(RangeError);
    const fake = createFake();
    expect(() => fake.setOptions({ tenantId: 'x' })).toThrow(TypeError);
    expect(() => fake.setOptions({ resetRate: -1 })).toThrow(RangeError);
  });
});

describe('the fake without MSW', () => {
  it('answers plain Requests through handle(), with the same checks and state', async () => {
    const fake = createFake();
    const graphToken = `Bearer ${makeTestToken('https://graph.microsoft.com/.default')}`;
    const created = await fake.handle(
      new Request(`${GRAPH}/applications`, {
        method: 'POST',
        headers: { Authorization: graphToken, 'Content-Type': 'application/json' },
        body: JSON.stringify({ displayName: 'plain' }),
      }),
    );
    expect(created.status).toBe(201);
    const wrongAudience = await fake.handle(
      new Request(`${GRAPH}/applications`, {
        headers: { Authorization: `Bearer ${makeTestToken('https://management.azure.com/.default')}` },
      }),
    );
    expect(wrongAudience.status).toBe(401);
    expect(fake.state.applications().map((a) => a.displayName)).toEqual(['plain']);
    expect((await fake.handle(new Request('https://example.com/x'))).status).toBe(404);
  });

  it('serves every service below custom base URLs on one origin (the emulator layout)', async () => {
    const root = 'http://127.0.0.1:4010';
    const fake = createFake({ baseUrls: { graph: `${root}/graph/v1.0`, arm: `${root}/arm`, devops: root, entra: `${root}/entra` } });
    fake.state.addProject('Only');
    const devops = await fake.handle(
      new Request(`${root}/contoso/_apis/projects?api-version=7.1`, {
        headers: { Authorization: `Bearer ${makeTestToken('499b84ac-1321-427f-aa17-267ca6975798/.default')}` },
      }),
    );
    expect(await devops.json()).toMatchObject({ count: 1 });
    const arm = await fake.handle(
      new Request(`${root}/arm/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01`, {
        headers: { Authorization: `Bearer ${makeTestToken('https://management.azure.com/.default')}` },
      }),
    );
    expect(arm.status).toBe(200);
    expect(fake.requests.map((r) => r.service)).toEqual(['devops', 'arm']);
  });

  it('reset() empties state and log, keeps the built-in roles and repeats the seeded ids', async () => {
    const fake = createFake({ seed: 3 });
    const first = fake.state.addProject('A').id;
    await fake.handle(new Request(`${DEVOPS}/_apis/connectionData`));
    fake.reset();
    expect(fake.requests).toHaveLength(0);
    expect(fake.state.projects()).toHaveLength(0);
    expect(fake.state.roleDefinitions()).toHaveLength(5);
    expect(fake.state.addProject('A').id).toBe(first);
  });
});

describe('failRequests', () => {
  it('fails matching requests with the service error body, the given number of times, and forgets the rule on reset', async () => {
    const fake = start();
    fake.state.addProject('platform');
    fake.failRequests({ service: 'devops', method: 'GET', path: /_apis\/projects\/platform$/, status: 500, code: 'Boom', times: 1 });
    const get = () => call('GET', `${DEVOPS}/_apis/projects/platform?api-version=7.1`);
    const first = await get();
    expect(first.status).toBe(500);
    expect(JSON.stringify(first.body)).toContain('Boom');
    expect((await get()).status).toBe(200);
    fake.failRequests({ path: /projects/ });
    expect((await get()).status).toBe(403);
    fake.reset();
    fake.state.addProject('platform');
    expect((await get()).status).toBe(200);
  });
});
