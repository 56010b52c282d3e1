import type { HttpClient } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { createTransport } from './index';
import { emit, sanitizeUrl, type LogEntry } from './logger';
import { clip, redact, redactDeep, registerSecret } from './redact';

// Secret-looking values built at run time, so that no scanner mistakes this file for a leak.
const JWT = ['eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9', 'eyJpc3MiOiJodHRwczovL3Zzc3RzIiwic3ViIjoic2MifQ', 'c2lnbmF0dXJlLXNpZ25hdHVyZQ'].join(
  '.',
);
const CLIENT_SECRET = `abc8Q~${'k'.repeat(16)}${'Z9'.repeat(8)}`;
const OPAQUE_TOKEN = `opaque-access-token-${'q'.repeat(24)}`;

describe('redact: secrets the SDK never handled, by shape', () => {
  it.each([
    ['lower-case bearer', 'auth was bearer abcdefgh12345678 here', 'abcdefgh12345678'],
    ['lower-case basic', 'header basic dXNlcjpwYXNzd29yZA== sent', 'dXNlcjpwYXNzd29yZA'],
    ['Authorization: Bearer', 'Authorization: Bearer opaque-token-value', 'opaque-token-value'],
    ['serviceprincipalkey: X', 'serviceprincipalkey: Sup3rS3cretKey', 'Sup3rS3cretKey'],
    ['password = X', 'password = hunter2hunter2', 'hunter2hunter2'],
    ['<password>X</password>', '<Password>hunter2hunter2</Password>', 'hunter2hunter2'],
    ['URL-encoded client_secret%3D', 'body=grant%26client_secret%3Dhunter2hunter2%26scope%3Dx', 'hunter2hunter2'],
    ['an escaped quote inside a JSON value', '{"password":"abc\\"hunter2hunter2"}', 'hunter2hunter2'],
    ['a JSON value inside a JSON string', '{"m":"{\\"password\\":\\"ab\\\\\\"hunter2hunter2\\"}"}', 'hunter2hunter2'],
    ['a JWT with no signature part', 'x eyJhbGciOiJub25lIn0.eyJzdWIiOiJhYmMifQ y', 'eyJzdWIiOiJhYmMifQ'],
    ['a JWT header alone (a cut token)', 'x eyJhbGciOiJSUzI1NiIsInR5cCI6 y', 'eyJhbGciOiJSUzI1NiIsInR5cCI6'],
    ['a SAS sig=', 'https://a.blob.core.windows.net/c?sv=2020&sig=hunter2hunter2%3D&se=1', 'hunter2hunter2'],
  ])('%s', (_name, text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
  });

  it('removes the union of overlapping matches (a registered value inside a JWT)', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eHh4eHh4eCJ9.c2lnbmF0dXJlc2ln';
    registerSecret('OiJSUzI1NiJ9.eyJzdWIi');
    expect(redact(`a ${jwt} b`)).toBe('a [REDACTED] b');
  });

  it('keeps ordinary text', () => {
    expect(redact('x-ms-continuationtoken is a header; basic auth is off')).toBe('x-ms-continuationtoken is a header; basic auth is off');
  });
});

describe('redact: what a request carries', () => {
  it.each([
    ['an Authorization header dump', `Authorization: Bearer ${OPAQUE_TOKEN}`, OPAQUE_TOKEN],
    ['an authorization field in JSON', `{"headers":{"authorization":"Bearer ${OPAQUE_TOKEN}"}}`, OPAQUE_TOKEN],
    [
      'a Basic PAT header',
      `authorization: Basic ${Buffer.from(`:${OPAQUE_TOKEN}`).toString('base64')}`,
      Buffer.from(`:${OPAQUE_TOKEN}`).toString('base64').slice(0, 24),
    ],
    ['a bearer token in prose', `retrying with bearer ${OPAQUE_TOKEN} now`, OPAQUE_TOKEN],
    ['an Entra client secret by shape', `the secret is ${CLIENT_SECRET}.`, CLIENT_SECRET],
    ['a client secret in a form body', `grant_type=client_credentials&client_secret=${CLIENT_SECRET}&scope=x`, CLIENT_SECRET],
    ['a client assertion JWT in a form body', `client_assertion_type=jwt-bearer&client_assertion=${JWT}`, JWT.split('.')[1]!],
    ['an assertion JWT on its own', `presented ${JWT} to Entra`, JWT.split('.')[1]!],
    ['a SAS signature in a query string', 'https://s.blob.core.windows.net/c/b?sv=2024&sig=S1gnatureValue%2B%3D&se=2026', 'S1gnatureValue'],
    [
      'an authorization code in a query string',
      'https://localhost/cb?state=1&code=0.AXoAauthCodeValue_123&session_state=2',
      'authCodeValue',
    ],
    ['an authorization code first in a query string', 'redirected to https://localhost/cb?code=AuthCodeValue456', 'AuthCodeValue456'],
    // A personal access token's shape: 52 characters of base32.
    ['a PAT after the word PAT', 'using PAT 7xq2k4m6n8p3r5t7v2w4y6z3b5d7f2h4j6k8m3n5p7q2r4s6t3v5', 'n8p3r5t7v2w4y6z3'],
  ])('%s', (_name, text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
  });

  it('keeps prose about a PAT: a word after "PAT" is not one', () => {
    const prose = 'Sign in again (az login) or check that the PAT is valid and not expired; a PAT from AZURE_DEVOPS_EXT_PAT.';
    expect(redact(prose)).toBe(prose);
  });

  it('keeps the parts of a query string that are not secret, and the word code in an error', () => {
    const out = redact('https://s.blob.core.windows.net/c/b?sv=2024&sig=S1gnatureValue&se=2026');
    expect(out).toBe('https://s.blob.core.windows.net/c/b?sv=2024&sig=[REDACTED]&se=2026');
    expect(redact('error code=Request_BadRequest: Invalid value')).toBe('error code=Request_BadRequest: Invalid value');
    expect(redact('see https://login.microsoftonline.com/error?code=50173')).toBe('see https://login.microsoftonline.com/error?code=50173');
    expect(redact('{"error":{"code":"Authorization_RequestDenied"}}')).toBe('{"error":{"code":"Authorization_RequestDenied"}}');
  });

  it('sanitizeUrl removes secret query values and userinfo, keeping the rest of the URL', () => {
    const url = sanitizeUrl(`https://user:${OPAQUE_TOKEN}@dev.azure.com/o/_apis/x?api-version=7.1&code=AuthCodeValue789&sig=Sig123456`);
    expect(url).not.toContain(OPAQUE_TOKEN);
    expect(url).not.toContain('AuthCodeValue789');
    expect(url).not.toContain('Sig123456');
    expect(url).toContain('https://dev.azure.com/o/_apis/x?api-version=7.1');
  });

  it('a registered opaque token is removed wherever it appears, whatever its shape', () => {
    const token = `tok${'3'.repeat(30)}`;
    expect(redact(`x ${token} y`)).toBe(`x ${token} y`);
    registerSecret(token);
    expect(redact(`x ${token} y (${token})`)).toBe('x [REDACTED] y ([REDACTED])');
  });

  it('redact runs before clip, so a cut secret cannot survive', () => {
    const text = `prefix ${JWT} suffix`;
    expect(clip(redact(text), 20)).toBe('prefix [REDACTED] su…');
    // The other order leaves a piece of the token that no longer has a secret's shape.
    expect(redact(clip(text, 20))).toContain(JWT.slice(0, 10));
  });
});

describe('redactDeep: nested objects', () => {
  it('replaces secret-named fields at any depth and redacts secret shapes in other strings', () => {
    const endpoint = {
      name: 'prod',
      authorization: { scheme: 'ServicePrincipal', parameters: { serviceprincipalid: 'app', serviceprincipalkey: CLIENT_SECRET } },
      data: [{ note: `token was Bearer ${OPAQUE_TOKEN}` }, { deeper: { client_assertion: JWT, accessToken: OPAQUE_TOKEN } }],
      count: 3,
      empty: null,
    };
    const out = redactDeep(endpoint);
    const text = JSON.stringify(out);
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain(OPAQUE_TOKEN);
    expect(text).not.toContain(JWT.split('.')[1]!);
    expect(out.name).toBe('prod');
    expect(out.count).toBe(3);
    expect(out.empty).toBeNull();
    expect(out.data[0]).toEqual({ note: 'token was Bearer [REDACTED]' });
    // `authorization` is itself a secret-named field: the whole value goes
    expect(out.authorization).toBe('[REDACTED]');
    expect(endpoint.authorization.parameters.serviceprincipalkey).toBe(CLIENT_SECRET);
  });

  it('copies only what it redacts: clean parts come back as they are, the input is never changed', () => {
    const clean = { name: 'sc-web', details: { scope: '/subscriptions/x', roles: ['Reader'] } };
    expect(redactDeep(clean)).toBe(clean);
    const finding = { connection: clean, details: { note: `Bearer ${OPAQUE_TOKEN}`, tags: ['a', `Bearer ${OPAQUE_TOKEN}`] }, n: 1 };
    const out = redactDeep(finding);
    expect(out).not.toBe(finding);
    expect(out.connection).toBe(clean);
    expect(out.details.tags[0]).toBe('a');
    expect(JSON.stringify(out)).not.toContain(OPAQUE_TOKEN);
    expect(finding.details.note).toContain(OPAQUE_TOKEN);
    expect(finding.details.tags[1]).toContain(OPAQUE_TOKEN);
    // A class instance is still turned into a plain object of its fields, as before.
    class Box {
      constructor(readonly v: string) {}
    }
    const boxed = redactDeep({ box: new Box('x') });
    expect(Object.getPrototypeOf(boxed.box)).toBe(Object.prototype);
    expect(boxed.box).toEqual({ v: 'x' });
  });

  it('stops at a depth bound instead of recursing without end', () => {
    let deep: Record<string, unknown> = { leaf: 'ok' };
    for (let i = 0; i < 40; i++) deep = { next: deep };
    expect(JSON.stringify(redactDeep(deep))).toContain('[REDACTED]');
  });
});

describe('errors and their cause chains', () => {
  const fast = { retry: { maxRetries: 0 }, timeoutInMs: 0 } as const;

  it('a connection failure whose cause chain quotes secrets becomes a Network error without them', async () => {
    const inner = Object.assign(new Error(`socket hang up; sent Authorization: Bearer ${OPAQUE_TOKEN} client_secret=${CLIENT_SECRET}`), {
      code: 'ECONNRESET',
    });
    const client: HttpClient = {
      sendRequest() {
        return Promise.reject(new TypeError(`fetch failed for assertion ${JWT}`, { cause: new Error('middle', { cause: inner }) }));
      },
    };
    const logs: LogEntry[] = [];
    const t = createTransport({
      service: 'arm',
      baseUrl: 'https://management.azure.com',
      auth: { kind: 'none' },
      httpClient: client,
      logger: (e) => logs.push(e),
      ...fast,
    });
    const e = (await t.send({ method: 'GET', path: '/x', operation: 'GET x' }))._unsafeUnwrapErr();
    expect(e.kind).toBe('Network');
    const text = JSON.stringify(e) + JSON.stringify(logs);
    for (const secret of [OPAQUE_TOKEN, CLIENT_SECRET, JWT.split('.')[1]!]) expect(text).not.toContain(secret);
  });

  it('a credential failure quoting a secret (with a cause that quotes another) becomes Authentication without either', async () => {
    const failing = {
      async getToken(): Promise<never> {
        throw new Error(`AADSTS7000215: Invalid client secret ${CLIENT_SECRET} provided.\nassertion: ${JWT}`, {
          cause: new Error(`Bearer ${OPAQUE_TOKEN}`),
        });
      },
    };
    const t = createTransport({
      service: 'arm',
      baseUrl: 'https://management.azure.com',
      auth: { kind: 'bearer', credential: failing, scope: 'https://management.azure.com/.default' },
      ...fast,
    });
    const e = (await t.send({ method: 'GET', path: '/x', operation: 'GET x' }))._unsafeUnwrapErr();
    expect(e.kind).toBe('Authentication');
    expect(e.message).toContain('AADSTS7000215');
    const text = JSON.stringify(e);
    for (const secret of [CLIENT_SECRET, OPAQUE_TOKEN, JWT.split('.')[1]!]) expect(text).not.toContain(secret);
  });

  it('emit redacts every string of a log entry before the sink sees it', () => {
    const seen: LogEntry[] = [];
    emit((e) => seen.push(e), {
      level: 'warn',
      message: `retrying with Bearer ${OPAQUE_TOKEN}`,
      url: `https://x.example/cb?code=AuthCodeValue000`,
      status: 503,
    });
    expect(seen).toHaveLength(1);
    expect(JSON.stringify(seen)).not.toContain(OPAQUE_TOKEN);
    expect(JSON.stringify(seen)).not.toContain('AuthCodeValue000');
    expect(seen[0]!.status).toBe(503);
  });
});

describe('redact: the quick test before the shapes', () => {
  // Every shape's match must contain a word of MAYBE_SECRET_SHAPE, else skipping the shapes for a
  // text without those words could let a secret through. Texts built from the shapes' own pieces.
  const pieces = [
    'Bearer ',
    'basic ',
    'PAT ',
    'bEaReR\t',
    '?code=',
    '&CODE=',
    'eyJ',
    'eyJhbGciOiJub25lIn0',
    '.',
    '1Q~',
    '"password": "',
    "'Token': '",
    '\\"secret\\": \\"',
    '<Sig a="b">',
    '</sig>',
    'client_secret%3D',
    'Pat%3a%20',
    'apitoken = ',
    // field names and what may follow them, apart, so that the runs put them together every way
    'sig',
    'token',
    'Password',
    '=',
    ':',
    ' ',
    '>',
    '<',
    "'",
    '\\',
    '%3D',
    'x',
    'abcdefgh12345678',
    'k'.repeat(33),
    '"',
    '&',
    ' ',
    'serviceprincipalkey:',
    'ÿ',
  ];
  it('no shape matches a text the quick test passes over', async () => {
    const { MAYBE_SECRET_SHAPE, SECRET_SHAPES } = await import('./redact');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 8 }), (parts) => {
        const text = parts.join('');
        const shaped = SECRET_SHAPES.some((p) => [...text.matchAll(p)].some((m) => m[0].length > (m[1]?.length ?? 0)));
        if (shaped) expect(MAYBE_SECRET_SHAPE.test(text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    // And each shape on its own, with the smallest text it matches.
    for (const text of ['Bearer abc', 'basic abcdefgh', '?code=abcdefghijklmnop', 'eyJabcdefghijklmnopq', `abc1Q~${'k'.repeat(31)}`])
      expect(MAYBE_SECRET_SHAPE.test(text)).toBe(true);
  });

  it('passes over field names inside ordinary words, and not over a field', async () => {
    const { MAYBE_SECRET_SHAPE } = await import('./redact');
    for (const text of ['role assignment at the resource group', 'path of the pipeline', 'a compatible design', 'tokens'])
      expect(MAYBE_SECRET_SHAPE.test(text), text).toBe(false);
    for (const text of ['sig=abc', 'token: abc', '<Password>', '"secret":', "'pat'", 'client_secret%3d', 'the token exchange'])
      expect(MAYBE_SECRET_SHAPE.test(text), text).toBe(true);
  });

  it('text without those words comes back unchanged (and the same string)', () => {
    const text = '"sc-1-2" uses app 2222, which "sc-1-1" uses too: their pipelines share one identity.';
    expect(redact(text)).toBe(text);
  });
});
