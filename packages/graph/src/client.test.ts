import type { TokenCredential } from '@azure/core-auth';
import type { LogEntry } from '@wif/http';
import { createTestCredential, decodeTestToken, graphContractHandlers, serviceError } from '@wif/testing';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import { getApplication, listApplications } from './api/applications';
import { createGraphClient, type GraphClientOptions } from './client';

const GRAPH = 'https://graph.microsoft.com/v1.0';
const APP_ID = '03ef14b0-ca33-4840-8f4f-d6e91916010e';
const fast = { retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } };

const { server } = useContractServer(graphContractHandlers());

function client(options: Partial<GraphClientOptions> = {}) {
  return createGraphClient({ credential: createTestCredential(), ...fast, ...options });
}

describe('createGraphClient', () => {
  it('sends a Graph-scoped bearer token and caches it across requests', async () => {
    const credential = createTestCredential();
    const graph = client({ credential });
    expect((await getApplication(graph, { id: APP_ID })).isOk()).toBe(true);
    expect((await getApplication(graph, { appId: 'x' })).isOk()).toBe(true);
    expect(credential.requestedScopes).toEqual(['https://graph.microsoft.com/.default']);
  });

  it('is refused with a token for another audience (the handler checks the scope)', async () => {
    const e = (await getApplication(client({ scope: 'https://management.azure.com/.default' }), { id: APP_ID }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'Unauthorized', status: 401, code: 'InvalidAuthenticationToken' });
  });

  it('authenticates against the plain-HTTP emulator on 127.0.0.1', async () => {
    const endpoint = 'http://127.0.0.1:7071/graph/v1.0';
    server.use(...graphContractHandlers({ baseUrl: endpoint }));
    const app = (await getApplication(client({ endpoint }), { id: APP_ID }))._unsafeUnwrap();
    expect(app.id).toBe(APP_ID);
  });

  it('attaches tokens for a non-Graph https host through customHosts', async () => {
    const endpoint = 'https://graph.contoso.test/v1.0';
    let audience: string | undefined;
    server.use(
      http.get(`${endpoint}/applications/:id`, ({ request, params }) => {
        audience = decodeTestToken(request.headers.get('authorization'))?.aud;
        return HttpResponse.json({ id: params['id'], appId: 'a', displayName: 'd' });
      }),
    );
    const graph = client({ endpoint, scope: 'https://graph.contoso.test/.default' });
    expect((await getApplication(graph, { id: APP_ID })).isOk()).toBe(true);
    expect(audience).toBe('https://graph.contoso.test');
  });

  it('uses the sovereign-cloud endpoint and scope of the preset', async () => {
    server.use(...graphContractHandlers({ baseUrl: 'https://graph.microsoft.us/v1.0' }));
    const credential = createTestCredential();
    expect((await getApplication(client({ credential, cloud: 'AzureUSGovernment' }), { id: APP_ID })).isOk()).toBe(true);
    expect(credential.requestedScopes).toEqual(['https://graph.microsoft.us/.default']);
  });

  it('throws for plain HTTP to a remote host (programmer error)', () => {
    expect(() => client({ endpoint: 'http://graph.example.com/v1.0' })).toThrow(TypeError);
  });

  it('sends the user agent prefix and goes through a replacement fetch', async () => {
    let userAgent: string | null = null;
    let fetched = 0;
    server.use(
      http.get(`${GRAPH}/applications/:id`, ({ request }) => {
        userAgent = request.headers.get('user-agent');
        return HttpResponse.json({ id: APP_ID, appId: 'a', displayName: 'd' });
      }),
    );
    const countingFetch: typeof fetch = (input, init) => {
      fetched++;
      return fetch(input, init);
    };
    expect((await getApplication(client({ userAgentPrefix: 'vending/1.2', fetch: countingFetch }), { id: APP_ID })).isOk()).toBe(true);
    expect(fetched).toBe(1);
    expect(userAgent).toMatch(/^vending\/1\.2 wif-sdk\//);
  });

  it('maps a credential failure to Authentication without sending anything', async () => {
    let calls = 0;
    server.use(http.all(`${GRAPH}/*`, () => (calls++, HttpResponse.json({}))));
    const failing: TokenCredential = { getToken: () => Promise.reject(new Error('AADSTS700016: app not found')) };
    const e = (await getApplication(client({ credential: failing }), { id: APP_ID }))._unsafeUnwrapErr();
    expect(e.kind).toBe('Authentication');
    expect(calls).toBe(0);
  });

  it('never shows the token in an error or a log line, even when the service echoes it', async () => {
    const token = 'graph-access-token-value-0123456789';
    const credential: TokenCredential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
    server.use(
      http.get(`${GRAPH}/applications/:id`, ({ request }) =>
        serviceError(
          'graph',
          403,
          'Authorization_RequestDenied',
          `Insufficient privileges for ${request.headers.get('authorization')?.slice('Bearer '.length)}.`,
        ),
      ),
    );
    const logs: LogEntry[] = [];
    const e = (await getApplication(client({ credential, logger: (entry) => logs.push(entry) }), { id: APP_ID }))._unsafeUnwrapErr();
    expect(e.kind).toBe('Forbidden');
    expect(e.message).toContain('Insufficient privileges for [REDACTED]');
    expect(logs.length).toBeGreaterThan(0);
    expect(JSON.stringify([e, logs])).not.toContain(token);
  });

  it('does not follow a next link to another host', async () => {
    let calls = 0;
    server.use(
      http.get(`${GRAPH}/applications`, () => {
        calls++;
        return HttpResponse.json({ value: [], '@odata.nextLink': 'https://evil.example.com/v1.0/applications?$skiptoken=x' });
      }),
    );
    const results = [];
    for await (const page of listApplications(client())) results.push(page);
    expect(results.map((r) => r.isOk())).toEqual([true, false]);
    expect(results[1]!._unsafeUnwrapErr().kind).toBe('InvalidResponse');
    expect(calls).toBe(1);
  });
});

describe('error mapping', () => {
  const cases = [
    { status: 400, code: 'Request_BadRequest', kind: 'BadRequest', retryable: false },
    { status: 401, code: 'InvalidAuthenticationToken', kind: 'Unauthorized', retryable: false },
    { status: 403, code: 'Authorization_RequestDenied', kind: 'Forbidden', retryable: false },
    { status: 404, code: 'Request_ResourceNotFound', kind: 'NotFound', retryable: false },
    { status: 409, code: 'Request_MultipleObjectsWithSameKeyValue', kind: 'Conflict', retryable: false },
    { status: 429, code: 'TooManyRequests', kind: 'Throttled', retryable: true, retryAfterInMs: 7000 },
    { status: 503, code: 'serviceNotAvailable', kind: 'ServiceUnavailable', retryable: true, retryAfterInMs: 7000 },
  ] as const;

  it.each(cases)('maps $status to $kind with code and request id', async ({ status, code, kind, retryable, ...rest }) => {
    server.use(http.get(`${GRAPH}/applications/:id`, () => serviceError('graph', status, code, 'Graph says no.', { 'Retry-After': '7' })));
    const e = (await getApplication(client({ retry: { maxRetries: 0 } }), { id: APP_ID }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind, status, code, retryable, requestId: expect.stringMatching(/^00000000-/), ...rest });
  });

  it('retries 429 honouring Retry-After, then succeeds', async () => {
    let calls = 0;
    server.use(
      http.get(`${GRAPH}/applications/:id`, () =>
        ++calls < 3
          ? serviceError('graph', 429, 'TooManyRequests', 'Slow down.', { 'Retry-After': '0' })
          : HttpResponse.json({ id: APP_ID, appId: 'a', displayName: 'd' }),
      ),
    );
    expect((await getApplication(client(), { id: APP_ID }))._unsafeUnwrap().id).toBe(APP_ID);
    expect(calls).toBe(3);
  });

  it('retries 503 a bounded number of times, then fails retryable', async () => {
    let calls = 0;
    server.use(http.get(`${GRAPH}/applications/:id`, () => (calls++, serviceError('graph', 503, 'serviceNotAvailable', 'Down.'))));
    const e = (await getApplication(client({ retry: { ...fast.retry, maxRetries: 2 } }), { id: APP_ID }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'ServiceUnavailable', retryable: true });
    expect(calls).toBe(3);
  });

  it('does not retry a 400', async () => {
    let calls = 0;
    server.use(http.get(`${GRAPH}/applications/:id`, () => (calls++, serviceError('graph', 400, 'Request_BadRequest', 'Bad.'))));
    expect((await getApplication(client(), { id: APP_ID }))._unsafeUnwrapErr().kind).toBe('BadRequest');
    expect(calls).toBe(1);
  });

  it('does not sleep for a Retry-After longer than allowed, and reports it', async () => {
    let calls = 0;
    server.use(
      http.get(
        `${GRAPH}/applications/:id`,
        () => (calls++, serviceError('graph', 429, 'TooManyRequests', 'Later.', { 'Retry-After': '120' })),
      ),
    );
    const e = (await getApplication(client({ retry: { ...fast.retry, maxRetryAfterInMs: 1000 } }), { id: APP_ID }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'Throttled', retryAfterInMs: 120_000 });
    expect(calls).toBe(1);
  });

  it('retries a connection failure', async () => {
    let calls = 0;
    // What undici throws when the connection is refused.
    const refusing: typeof fetch = (input, init) =>
      ++calls === 1
        ? Promise.reject(
            Object.assign(new TypeError('fetch failed'), {
              cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
            }),
          )
        : fetch(input, init);
    expect((await getApplication(client({ fetch: refusing }), { id: APP_ID })).isOk()).toBe(true);
    expect(calls).toBe(2);
  });

  it('retries a timed-out attempt, then reports Network', async () => {
    let calls = 0;
    server.use(
      http.get(`${GRAPH}/applications/:id`, async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 500));
        return HttpResponse.json({ id: APP_ID, appId: 'a', displayName: 'd' });
      }),
    );
    const e = (
      await getApplication(client({ timeoutInMs: 30, retry: { ...fast.retry, maxRetries: 1 } }), { id: APP_ID })
    )._unsafeUnwrapErr();
    expect(e.kind).toBe('Network');
    expect(calls).toBe(2);
  });

  it('stops waiting for a retry when the caller aborts', async () => {
    server.use(
      http.get(`${GRAPH}/applications/:id`, () => serviceError('graph', 429, 'TooManyRequests', 'Later.', { 'Retry-After': '30' })),
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const e = (await getApplication(client(), { id: APP_ID }, { abortSignal: controller.signal }))._unsafeUnwrapErr();
    expect(e.kind).toBe('Aborted');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
