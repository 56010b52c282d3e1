import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import type { TokenCredential } from '@azure/core-auth';
import { createTokenCaches, createTransport, PersonalAccessTokenCredential, type TransportConfig } from './index';
import * as z from 'zod';

const { server } = useContractServer();

const credential = {
  async getToken(scope: string | string[]) {
    return { token: `tok-${String(scope)}-0123456789`, expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};
const fast = { retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } };

/** An ARM transport signed in with `credential` (bearer, ARM's scope), fast retries, and `extra` options. */
const armTransport = (cred: TokenCredential, extra: Partial<TransportConfig> = {}) =>
  createTransport({
    service: 'arm',
    baseUrl: 'https://management.azure.com',
    auth: { kind: 'bearer', credential: cred, scope: 'https://management.azure.com/.default' },
    ...fast,
    ...extra,
  });

describe('transport', () => {
  it('sends a bearer token for the configured scope and parses JSON', async () => {
    let auth: string | null = null;
    server.use(
      http.get('https://management.azure.com/things', ({ request }) => {
        auth = request.headers.get('authorization');
        return HttpResponse.json({ value: [1, 2] });
      }),
    );
    const t = armTransport(credential);
    const r = await t.sendJson({ method: 'GET', path: '/things', operation: 'GET things' }, z.object({ value: z.array(z.number()) }));
    expect(r._unsafeUnwrap().body.value).toEqual([1, 2]);
    expect(auth).toBe('Bearer tok-https://management.azure.com/.default-0123456789');
  });

  it('retries 429 honouring Retry-After and then succeeds', async () => {
    let calls = 0;
    server.use(
      http.get('https://management.azure.com/x', () => {
        calls++;
        return calls < 3 ? new HttpResponse(null, { status: 429, headers: { 'Retry-After': '0' } }) : HttpResponse.json({});
      }),
    );
    const t = createTransport({ service: 'arm', baseUrl: 'https://management.azure.com', auth: { kind: 'none' }, ...fast });
    const r = await t.send({ method: 'GET', path: '/x', operation: 'GET x' });
    expect(r.isOk()).toBe(true);
    expect(calls).toBe(3);
  });

  it('does not retry a 400 and maps the ARM error body', async () => {
    let calls = 0;
    server.use(
      http.put('https://management.azure.com/y', () => {
        calls++;
        return HttpResponse.json(
          { error: { code: 'PrincipalNotFound', message: 'Principal abc does not exist.' } },
          { status: 400, headers: { 'x-ms-request-id': 'req-1' } },
        );
      }),
    );
    const t = createTransport({ service: 'arm', baseUrl: 'https://management.azure.com', auth: { kind: 'none' }, ...fast });
    const r = await t.send({ method: 'PUT', path: '/y', body: {}, operation: 'PUT y' });
    const e = r._unsafeUnwrapErr();
    expect(calls).toBe(1);
    expect(e).toMatchObject({
      kind: 'BadRequest',
      service: 'arm',
      status: 400,
      code: 'PrincipalNotFound',
      requestId: 'req-1',
      retryable: false,
    });
  });

  it('never retries an Azure DevOps duplicate-name 500', async () => {
    let calls = 0;
    server.use(
      http.post('https://dev.azure.com/org/_apis/x', () => {
        calls++;
        return HttpResponse.json(
          { message: 'exists', typeKey: 'DuplicateServiceConnectionException', typeName: 'X.DuplicateServiceConnectionException, X' },
          { status: 500 },
        );
      }),
    );
    const t = createTransport({
      service: 'devops',
      baseUrl: 'https://dev.azure.com/org',
      auth: { kind: 'pat', credential: new PersonalAccessTokenCredential('secret-pat-value-123') },
      ...fast,
    });
    const e = (await t.send({ method: 'POST', path: '/_apis/x', body: {}, operation: 'POST x' }))._unsafeUnwrapErr();
    expect(calls).toBe(1);
    expect(e).toMatchObject({ kind: 'ServiceUnavailable', code: 'DuplicateServiceConnectionException', retryable: false });
    expect(JSON.stringify(e)).not.toContain('secret-pat-value-123');
  });

  it('refuses to follow a next link to another host', async () => {
    const t = createTransport({ service: 'arm', baseUrl: 'https://management.azure.com', auth: { kind: 'none' }, ...fast });
    const e = (await t.send({ method: 'GET', path: 'https://evil.example.com/steal', operation: 'GET page' }))._unsafeUnwrapErr();
    expect(e.kind).toBe('InvalidResponse');
  });

  it('maps a credential failure to Authentication without the token text', async () => {
    const failing = {
      async getToken(): Promise<never> {
        throw new Error('AADSTS700016: no app');
      },
    };
    const t = createTransport({
      service: 'arm',
      baseUrl: 'https://management.azure.com',
      auth: { kind: 'bearer', credential: failing, scope: 's/.default' },
      ...fast,
    });
    const e = (await t.send({ method: 'GET', path: '/z', operation: 'GET z' }))._unsafeUnwrapErr();
    expect(e.kind).toBe('Authentication');
  });

  it('sends User-Agent (with the prefix) and one x-ms-client-request-id for every attempt; never logs Authorization', async () => {
    const seen: { ua: string | null; id: string | null; auth: string | null }[] = [];
    server.use(
      http.get('https://management.azure.com/ua', ({ request }) => {
        seen.push({
          ua: request.headers.get('user-agent'),
          id: request.headers.get('x-ms-client-request-id'),
          auth: request.headers.get('authorization'),
        });
        return seen.length === 1 ? new HttpResponse(null, { status: 503, headers: { 'Retry-After': '0' } }) : HttpResponse.json({});
      }),
    );
    const entries: string[] = [];
    const t = armTransport(credential, { userAgentPrefix: 'my-pipeline/1.2', logger: (e) => entries.push(JSON.stringify(e)) });
    expect((await t.send({ method: 'GET', path: '/ua', operation: 'GET ua' })).isOk()).toBe(true);
    expect(seen).toHaveLength(2);
    expect(seen[0]!.ua).toMatch(/^my-pipeline\/1\.2 wif-sdk\/0\.1\.0 Node\/v\d+/);
    expect(seen[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]!.id).toBe(seen[0]!.id);
    expect(seen[1]!.auth).toBe('Bearer tok-https://management.azure.com/.default-0123456789');
    expect(entries.length).toBeGreaterThanOrEqual(2);
    for (const entry of entries) {
      expect(entry).not.toContain('tok-https');
      expect(entry.toLowerCase()).not.toContain('authorization');
    }
  });

  it('gets one token for many requests, and answers a CAE claims challenge once with a token for those claims', async () => {
    const claims = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}';
    const asked: (string | undefined)[] = [];
    const caeCredential = {
      async getToken(_scope: string | string[], options?: { claims?: string; enableCae?: boolean }) {
        asked.push(options?.claims);
        expect(options?.enableCae).toBe(true);
        return { token: options?.claims ? 'fresh-token-0123456789' : 'first-token-0123456789', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const auths: (string | null)[] = [];
    server.use(
      http.get('https://management.azure.com/cae', ({ request }) => {
        const auth = request.headers.get('authorization');
        auths.push(auth);
        if (auth === 'Bearer first-token-0123456789' && auths.length === 2) {
          return new HttpResponse(null, {
            status: 401,
            headers: { 'WWW-Authenticate': `Bearer realm="", error="insufficient_claims", claims="${btoa(claims)}"` },
          });
        }
        return HttpResponse.json({});
      }),
    );
    const t = armTransport(caeCredential);
    expect((await t.send({ method: 'GET', path: '/cae', operation: 'GET cae' })).isOk()).toBe(true);
    expect((await t.send({ method: 'GET', path: '/cae', operation: 'GET cae' })).isOk()).toBe(true);
    expect(asked).toEqual([undefined, claims]);
    expect(auths).toEqual(['Bearer first-token-0123456789', 'Bearer first-token-0123456789', 'Bearer fresh-token-0123456789']);
  });

  it('transports given the same token caches ask the credential once per scope; without them, each asks', async () => {
    const asked: string[] = [];
    const slow = {
      async getToken(scope: string | string[]) {
        asked.push(String(scope));
        return { token: `tok-${asked.length}-0123456789`, expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const seen: (string | null)[] = [];
    server.use(
      http.get('https://management.azure.com/shared', ({ request }) => {
        seen.push(request.headers.get('authorization'));
        return HttpResponse.json({});
      }),
    );
    const make = (tokens?: ReturnType<typeof createTokenCaches>) => armTransport(slow, tokens ? { tokens } : {});
    const tokens = createTokenCaches();
    for (const t of [make(tokens), make(tokens)])
      expect((await t.send({ method: 'GET', path: '/shared', operation: 'GET shared' })).isOk()).toBe(true);
    expect(asked).toEqual(['https://management.azure.com/.default']);
    expect(seen).toEqual(['Bearer tok-1-0123456789', 'Bearer tok-1-0123456789']);
    for (const t of [make(), make()]) expect((await t.send({ method: 'GET', path: '/shared', operation: 'GET shared' })).isOk()).toBe(true);
    expect(asked).toHaveLength(3);
  });

  it('sends each request its own request id, and the token the cache holds now (a refreshed one once it landed)', async () => {
    let n = 0;
    // Tokens inside the 2-minute refresh window from the start: every request after the first starts a refresh.
    const shortLived = {
      async getToken() {
        n++;
        return { token: `tok-${n}-0123456789`, expiresOnTimestamp: Date.now() + 100_000 };
      },
    };
    const seen: { id: string | null; auth: string | null }[] = [];
    server.use(
      http.get('https://management.azure.com/ids', ({ request }) => {
        seen.push({ id: request.headers.get('x-ms-client-request-id'), auth: request.headers.get('authorization') });
        return HttpResponse.json({});
      }),
    );
    const t = armTransport(shortLived);
    for (let i = 0; i < 3; i++) expect((await t.send({ method: 'GET', path: '/ids', operation: 'GET ids' })).isOk()).toBe(true);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer tok-1-0123456789', 'Bearer tok-1-0123456789', 'Bearer tok-2-0123456789']);
    expect(new Set(seen.map((s) => s.id)).size).toBe(3);
  });

  it('does not follow a redirect: a 3xx is an error answer, sent once', async () => {
    let calls = 0;
    server.use(
      http.get('https://dev.azure.com/org/_apis/moved', () => {
        calls++;
        return new HttpResponse(null, { status: 302, headers: { Location: 'https://evil.example.com/collect' } });
      }),
    );
    const t = createTransport({ service: 'devops', baseUrl: 'https://dev.azure.com/org', auth: { kind: 'none' }, ...fast });
    const e = (await t.send({ method: 'GET', path: '/_apis/moved', operation: 'GET moved' }))._unsafeUnwrapErr();
    expect(calls).toBe(1);
    expect(e).toMatchObject({ kind: 'BadRequest', status: 302 });
  });
});
