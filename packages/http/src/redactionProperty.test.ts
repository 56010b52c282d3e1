/**
 * The redaction property: whatever a service echoes — in an error message, an error code, a request
 * id header or body field — a registered secret never comes back out of the transport, at any offset
 * around any length limit, and however many secrets were registered before or after it.
 */
import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SERVICE_MESSAGE } from './errors';
import { createTransport, type LogEntry, PersonalAccessTokenCredential, redact, registerSecret, type Service } from './index';

const LIMITS = [MAX_SERVICE_MESSAGE, 120] as const;
const FIELDS = ['message', 'code', 'requestIdHeader', 'requestIdBody'] as const;
type Field = (typeof FIELDS)[number];
const SERVICES: readonly Service[] = ['graph', 'arm', 'devops', 'entra'];

/** An error answer whose `field` holds `text`. */
function answer(service: Service, field: Field, text: string): { status: number; body: unknown; headers: Record<string, string> } {
  const message = field === 'message' ? text : 'Something failed.';
  const code = field === 'code' ? text : 'SomeCode';
  const rid = field === 'requestIdBody' ? text : 'rid-1';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const header = field === 'requestIdHeader' ? text : 'hdr-1';
  switch (service) {
    case 'graph':
      headers['request-id'] = header;
      return {
        status: 403,
        headers,
        body: { error: { code, message, innerError: field === 'requestIdHeader' ? {} : { 'request-id': rid } } },
      };
    case 'arm':
      headers['x-ms-request-id'] = field === 'requestIdBody' ? rid : header;
      return { status: 403, headers, body: { error: { code, message } } };
    case 'devops':
      headers['x-vss-e2eid'] = field === 'requestIdBody' ? rid : header;
      return { status: 401, headers, body: { message, typeKey: code } };
    case 'entra':
      headers['x-ms-request-id'] = header;
      return {
        status: 400,
        headers,
        body: {
          error: code,
          error_description: `${message}\r\nTrace ID: x`,
          error_codes: [700024],
          ...(field === 'requestIdBody' ? { trace_id: rid } : {}),
        },
      };
  }
}

function clientAnswering(a: { status: number; body: unknown; headers: Record<string, string> }): HttpClient {
  return {
    async sendRequest(request: PipelineRequest) {
      return { request, status: a.status, headers: createHttpHeaders(a.headers), bodyAsText: JSON.stringify(a.body) };
    },
  };
}

/** Every piece of the secret at least 8 long (a prefix or suffix a cut would leave behind). */
function leaks(output: string, secret: string): string | undefined {
  for (let n = Math.min(8, secret.length); n <= secret.length; n++) {
    const head = secret.slice(0, n);
    const tail = secret.slice(secret.length - n);
    if (output.includes(head)) return head;
    if (output.includes(tail)) return tail;
  }
  return undefined;
}

async function runOnce(service: Service, field: Field, text: string): Promise<string> {
  const logs: LogEntry[] = [];
  const t = createTransport({
    service,
    baseUrl: 'https://service.example',
    auth: { kind: 'none' },
    retry: { maxRetries: 0 },
    logger: (e) => logs.push(e),
    httpClient: clientAnswering(answer(service, field, text)),
  });
  const r = await t.send({ method: 'GET', path: '/x', operation: 'GET x' });
  expect(r.isErr()).toBe(true);
  const e = r._unsafeUnwrapErr();
  return `${JSON.stringify(e)}\n${e.message}\n${JSON.stringify(logs)}`;
}

/** `secret` at `offset` in a text of filler (no whitespace, so the offset survives flattening). */
const placed = (secret: string, offset: number, total: number): string =>
  `${'#'.repeat(Math.max(0, offset))}${secret}${'#'.repeat(Math.max(0, total - offset - secret.length))}`;

const alnum = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${min},${max}}$`));

describe('redaction property', () => {
  it('a pinned PAT survives 10,000 later registrations and is redacted at every offset around every limit', async () => {
    const pat = 'p'.repeat(4) + 'Q9z8y7x6w5v4u3t2s1r0qAbCdEfGhIjKlMnOpQrStUvWxYz01234'.slice(0, 48);
    new PersonalAccessTokenCredential(pat);
    for (let i = 0; i < 10_000; i++) registerSecret(`rotating-token-${i}-${'z'.repeat(8)}`);
    expect(redact(`x${pat}x`)).toBe('x[REDACTED]x');
    for (const service of SERVICES) {
      for (const field of FIELDS) {
        for (const limit of LIMITS) {
          for (let offset = limit - pat.length - 2; offset <= limit + 2; offset++) {
            const out = await runOnce(service, field, placed(pat, offset, limit + 80));
            expect(leaks(out, pat), `${service} ${field} offset ${offset}`).toBeUndefined();
          }
        }
      }
    }
  });

  it('a secret registered after 10,000 others is redacted wherever a service echoes it', async () => {
    for (let i = 0; i < 10_000; i++) registerSecret(`earlier-token-${i}-${'y'.repeat(8)}`);
    await fc.assert(
      fc.asyncProperty(
        alnum(20, 60),
        fc.constantFrom(...SERVICES),
        fc.constantFrom(...FIELDS),
        fc.constantFrom(...LIMITS),
        fc.integer({ min: -70, max: 5 }),
        async (secret, service, field, limit, delta) => {
          registerSecret(secret);
          const out = await runOnce(service, field, placed(secret, limit + delta, limit + 100));
          expect(leaks(out, secret)).toBeUndefined();
        },
      ),
      { numRuns: 400 },
    );
  });

  it('secret shapes (JWT with or without signature, Bearer, client secret, key=value) are redacted before the cut', async () => {
    const shapes = fc.oneof(
      fc.tuple(alnum(20, 40), alnum(20, 80), alnum(0, 40)).map(([a, b, c]) => `eyJ${a}.eyJ${b}${c ? `.${c}` : ''}`),
      fc.tuple(alnum(3, 3), fc.integer({ min: 0, max: 9 }), alnum(34, 34)).map(([a, d, b]) => `${a}${d}Q~${b}`),
    );
    await fc.assert(
      fc.asyncProperty(
        shapes,
        fc.constantFrom(...SERVICES),
        fc.constantFrom(...FIELDS),
        fc.constantFrom(...LIMITS),
        fc.integer({ min: -120, max: 5 }),
        async (secret, service, field, limit, delta) => {
          const out = await runOnce(service, field, placed(secret, limit + delta, limit + 140));
          expect(leaks(out, secret)).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a credential whose error text quotes a secret yields an Authentication error without it', async () => {
    const secret = 'CredErr-9f8e7d6c5b4a3210-zyxwvutsrq';
    registerSecret(secret);
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzb21lb25lIn0.c2lnbmF0dXJl';
    const t = createTransport({
      service: 'arm',
      baseUrl: 'https://management.azure.com',
      auth: {
        kind: 'bearer',
        scope: 'https://management.azure.com/.default',
        credential: {
          getToken: () => Promise.reject(new Error(`token request failed: ${secret} assertion=${jwt} client_secret=abcdefgh12345678`)),
        },
      },
      retry: { maxRetries: 0 },
      httpClient: clientAnswering({ status: 200, body: {}, headers: {} }),
    });
    const e = (await t.send({ method: 'GET', path: '/x', operation: 'GET x' }))._unsafeUnwrapErr();
    expect(e.kind).toBe('Authentication');
    expect(e.message).toContain('token request failed');
    const out = JSON.stringify(e);
    expect(out).not.toContain(secret.slice(0, 12));
    expect(out).not.toContain('eyJhbGciOiJSUzI1NiJ9');
    expect(out).not.toContain('abcdefgh12345678');
  });
});
