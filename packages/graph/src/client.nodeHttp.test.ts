import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createTestCredential, decodeTestToken } from '@wif/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getApplication, upsertApplication } from './api/applications';
import { createGraphClient } from './client';

// The default HTTP path of the Graph client (no `fetch` option), against a real server on 127.0.0.1.
const APP_ID = '03ef14b0-ca33-4840-8f4f-d6e91916010e';
const OBJECT_ID = '5e2f0c1a-0c44-4c6e-9a3b-2f1d7c0e9a11';
let server: Server;
let endpoint = '';
let connections = 0;
const seen: { method: string; url: string; auth: string | undefined; body: string }[] = [];
let throttleNext = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers['authorization'], body });
      if (throttleNext > 0) {
        throttleNext--;
        res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'TooManyRequests', message: 'slow down' } }));
        return;
      }
      if (req.method === 'PATCH') return void res.writeHead(204).end();
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'r-1' });
      res.end(JSON.stringify({ id: OBJECT_ID, appId: APP_ID, displayName: 'app' }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graph/v1.0`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('the Graph client without a fetch option', () => {
  it('sends the token for Graph, reads status and body, and reuses one connection', async () => {
    const graph = createGraphClient({ credential: createTestCredential(), endpoint });
    seen.length = 0;
    connections = 0;
    for (let i = 0; i < 3; i++) {
      const app = (await getApplication(graph, { id: OBJECT_ID }))._unsafeUnwrap();
      expect(app).toMatchObject({ appId: APP_ID, displayName: 'app' });
    }
    expect(connections).toBe(1);
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET', 'GET']);
    expect(seen[0]!.url).toMatch(new RegExp(`^/graph/v1\\.0/applications/${OBJECT_ID}`));
    expect(decodeTestToken(seen[0]!.auth)?.aud).toBe('https://graph.microsoft.com');
  });

  it('sends a body and reads an empty 204 answer', async () => {
    const graph = createGraphClient({ credential: createTestCredential(), endpoint });
    seen.length = 0;
    const r = (await upsertApplication(graph, 'wif-app', { displayName: 'app', signInAudience: 'AzureADMyOrg' }))._unsafeUnwrap();
    expect(r).toEqual({ created: false });
    expect(seen[0]).toMatchObject({ method: 'PATCH', body: '{"displayName":"app","signInAudience":"AzureADMyOrg"}' });
  });

  it('retries a 429 with Retry-After through the same path', async () => {
    const graph = createGraphClient({ credential: createTestCredential(), endpoint, retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } });
    seen.length = 0;
    throttleNext = 1;
    expect((await getApplication(graph, { id: OBJECT_ID })).isOk()).toBe(true);
    expect(seen).toHaveLength(2);
  });
});
