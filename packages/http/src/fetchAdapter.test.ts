import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOverHttpClient } from './fetchAdapter';

let server: Server;
let url = '';
let connections = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/empty') return void res.writeHead(204).end();
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-echo-method', req.method ?? '');
      res.end(JSON.stringify({ body, auth: req.headers['authorization'] ?? null }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('fetchOverHttpClient', () => {
  it('reuses one connection for back-to-back requests (the global fetch opens one per request)', async () => {
    const f = fetchOverHttpClient();
    connections = 0;
    for (let i = 0; i < 5; i++) {
      const r = await f(`${url}/x`);
      await r.text();
    }
    expect(connections).toBe(1);
  });

  it('sends method, headers and body, and returns status, headers and body', async () => {
    const f = fetchOverHttpClient();
    const r = await f(`${url}/post`, {
      method: 'PATCH',
      headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-echo-method')).toBe('PATCH');
    expect(await r.json()).toEqual({ body: '{"a":1}', auth: 'Bearer t' });
  });

  it('answers 204 with no body', async () => {
    const r = await fetchOverHttpClient()(`${url}/empty`, { method: 'DELETE' });
    expect(r.status).toBe(204);
    expect(r.body).toBeNull();
  });

  it('keeps a per-attempt timeout a TimeoutError (retryable), unlike an abort', async () => {
    const f = fetchOverHttpClient();
    const hang = createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const a = hang.address();
    const hangUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`;
    await expect(f(hangUrl, { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: 'TimeoutError' });
    const controller = new AbortController();
    const pending = f(hangUrl, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    hang.closeAllConnections();
    hang.close();
  });
});
