import { createFake, createTestCredential } from '@wif/testing';
import { useContractServer } from '@wif/testing/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getApplication, updateApplication } from './api/applications';
import { listFederatedIdentityCredentials } from './api/federatedIdentityCredentials';
import { getServicePrincipal } from './api/servicePrincipals';
import { withGraphBatching } from './batch';
import { createGraphClient } from './client';

const server = useContractServer();
afterEach(() => {
  vi.useRealTimers();
});

const graph = (): ReturnType<typeof createGraphClient> =>
  createGraphClient({ credential: createTestCredential(), retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } });

function seeded(n: number): { fake: ReturnType<typeof createFake>; appIds: string[] } {
  const fake = createFake();
  server.use(...fake.handlers);
  const appIds = Array.from({ length: n }, (_, i) => {
    const app = fake.state.addApplication({ displayName: `app-${i}` });
    fake.state.addServicePrincipal({ appId: app.appId });
    return app.appId;
  });
  return { fake, appIds };
}

describe('withGraphBatching', () => {
  it('sends 25 reads started together as two $batch requests (20 + 5), each read getting its own answer', async () => {
    const { fake, appIds } = seeded(24);
    const batched = withGraphBatching(graph());
    const missing = '00000000-0000-0000-0000-00000000beef';
    const results = await Promise.all([...appIds, missing].map((appId) => getApplication(batched, { appId })));
    expect(results.slice(0, 24).map((r) => r._unsafeUnwrap().appId)).toEqual(appIds);
    expect(results[24]!._unsafeUnwrapErr()).toMatchObject({ kind: 'NotFound', status: 404, operation: 'GET application' });
    expect(fake.requests.filter((r) => !r.batched).map((r) => r.operation)).toEqual(['POST $batch', 'POST $batch']);
  });

  it('batches the different reads of the audit together: app, service principal, credential list', async () => {
    const { fake, appIds } = seeded(1);
    const batched = withGraphBatching(graph());
    const app = fake.state.applications()[0]!;
    const [a, sp, fics] = await Promise.all([
      getApplication(batched, { appId: appIds[0]! }, { select: ['signInAudience'] }),
      getServicePrincipal(batched, { appId: appIds[0]! }),
      listFederatedIdentityCredentials(batched, app.id),
    ]);
    expect(a._unsafeUnwrap().id).toBe(app.id);
    expect(sp._unsafeUnwrap().appId).toBe(appIds[0]);
    expect(fics._unsafeUnwrap()).toEqual([]);
    expect(fake.requests.filter((r) => !r.batched)).toHaveLength(1);
  });

  it('sends writes directly, not in a batch', async () => {
    const { fake } = seeded(1);
    const batched = withGraphBatching(graph());
    const app = fake.state.applications()[0]!;
    (await updateApplication(batched, app.id, { notes: 'n' }))._unsafeUnwrap();
    expect(fake.requests.map((r) => r.method)).toEqual(['PATCH']);
  });

  it('retries a sub-request answered 429 on its own, in a later batch, and tells onThrottled', async () => {
    const { fake, appIds } = seeded(3);
    fake.failRequests({
      service: 'graph',
      path: new RegExp(`^/applications\\(appId='${appIds[1]}'\\)`),
      status: 429,
      code: 'TooManyRequests',
      times: 1,
    });
    const throttled: (number | undefined)[] = [];
    const batched = withGraphBatching(graph(), { throttleDelayInMs: 1, onThrottled: (ms) => throttled.push(ms) });
    const results = await Promise.all(appIds.map((appId) => getApplication(batched, { appId })));
    expect(results.map((r) => r._unsafeUnwrap().appId)).toEqual(appIds);
    expect(throttled).toEqual([undefined]);
    // The first batch held all three; the second only the throttled one.
    expect(fake.requests.filter((r) => !r.batched).map((r) => r.operation)).toEqual(['POST $batch', 'POST $batch']);
    expect(fake.requests.filter((r) => r.batched)).toHaveLength(4);
  });

  it("waits the sub-response's Retry-After before the retry, and gives up as Throttled after maxThrottleRetries", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const bodies: { requests: { id: string; url: string }[] }[] = [];
    const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const body = JSON.parse(String(init?.body ?? (input instanceof Request ? await input.text() : ''))) as (typeof bodies)[number];
      bodies.push(body);
      return Response.json({
        responses: body.requests.map((r) => ({
          id: r.id,
          status: 429,
          headers: { 'Retry-After': '2', 'Content-Type': 'application/json' },
          body: { error: { code: 'TooManyRequests', message: 'Too many requests.' } },
        })),
      });
    };
    const client = createGraphClient({ credential: createTestCredential(), fetch: fetchImpl as typeof fetch });
    const batched = withGraphBatching(client, { maxThrottleRetries: 1 });
    const pending = getApplication(batched, { appId: '00000000-0000-0000-0000-000000000001' });
    await vi.waitFor(() => expect(bodies).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(1_900);
    expect(bodies).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    await vi.waitFor(() => expect(bodies).toHaveLength(2));
    const r = await pending;
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'Throttled', retryAfterInMs: 2_000 });
    expect(bodies[1]!.requests).toHaveLength(1);
  });

  it('fails every read of a batch the service refused as a whole with that error', async () => {
    const { fake, appIds } = seeded(2);
    fake.failRequests({ service: 'graph', path: /^\/\$batch$/, status: 403, code: 'Authorization_RequestDenied' });
    const batched = withGraphBatching(graph());
    const results = await Promise.all(appIds.map((appId) => getApplication(batched, { appId })));
    for (const r of results) expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'Forbidden', operation: 'POST $batch' });
  });

  it('runs each $batch through schedule (e.g. a pool), once per batch', async () => {
    const { appIds } = seeded(21);
    let scheduled = 0;
    const batched = withGraphBatching(graph(), {
      schedule: (send) => {
        scheduled += 1;
        return send();
      },
    });
    await Promise.all(appIds.map((appId) => getApplication(batched, { appId })));
    expect(scheduled).toBe(2);
  });

  it('answers an aborted read Aborted without sending it', async () => {
    const { fake, appIds } = seeded(1);
    const batched = withGraphBatching(graph());
    const controller = new AbortController();
    const pending = getApplication(batched, { appId: appIds[0]! }, { abortSignal: controller.signal });
    controller.abort();
    expect((await pending)._unsafeUnwrapErr().kind).toBe('Aborted');
    expect(fake.requests).toHaveLength(0);
  });
});
