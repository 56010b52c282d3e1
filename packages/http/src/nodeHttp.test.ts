import { execFile } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { Agent, createServer, request as plainRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bypassesProxy, createNodeHttpClient, headerList, plainRequestPath, proxySettings, sharedNodeHttpClient } from './nodeHttp';
import { createTransport } from './transport';
import { rawServer } from '../test/rawServer';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}

function serve(handler: Handler): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
}

let server: Server;
let url = '';
let connections = 0;
const json = JSON.stringify({ value: [{ id: 'a', displayName: 'é — ü' }] });

beforeAll(async () => {
  server = serve((req, body, res) => {
    const path = req.url ?? '/';
    if (path === '/gzip') return void res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(json));
    if (path === '/deflate') return void res.writeHead(200, { 'content-encoding': 'deflate' }).end(deflateSync(json));
    if (path === '/br') return void res.writeHead(200, { 'content-encoding': 'br' }).end(brotliCompressSync(json));
    if (path === '/empty') return void res.writeHead(204).end();
    if (path === '/redirect') return void res.writeHead(302, { location: `${url}/echo` }).end();
    if (path === '/hang') return;
    res.writeHead(200, { 'content-type': 'application/json', 'x-echo-method': req.method ?? '' });
    res.end(JSON.stringify({ body, length: req.headers['content-length'] ?? null, auth: req.headers['authorization'] ?? null }));
  });
  server.on('connection', () => connections++);
  url = `http://127.0.0.1:${await listen(server)}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('createNodeHttpClient', () => {
  it('reuses one connection for back-to-back requests (decision 005)', async () => {
    const client = createNodeHttpClient();
    connections = 0;
    for (let i = 0; i < 5; i++) expect((await client.send({ url: `${url}/echo`, method: 'GET', headers: {} })).status).toBe(200);
    expect(connections).toBe(1);
  });

  it('sends method, headers and a UTF-8 body with its byte length, and reads status, headers and body', async () => {
    const r = await createNodeHttpClient().send({
      url: `${url}/echo`,
      method: 'PATCH',
      headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
      body: '{"name":"é"}',
    });
    expect(r.status).toBe(200);
    expect(r.headers['x-echo-method']).toBe('PATCH');
    expect(JSON.parse(r.bodyText)).toEqual({ body: '{"name":"é"}', length: '13', auth: 'Bearer t' });
  });

  it.each(['gzip', 'deflate', 'br'])('decompresses a %s body as its content-encoding says', async (encoding) => {
    const r = await createNodeHttpClient().send({ url: `${url}/${encoding}`, method: 'GET', headers: {} });
    expect(JSON.parse(r.bodyText)).toEqual(JSON.parse(json));
  });

  it('answers 204 with an empty body, and does not follow a redirect', async () => {
    const client = createNodeHttpClient();
    expect(await client.send({ url: `${url}/empty`, method: 'DELETE', headers: {} })).toMatchObject({ status: 204, bodyText: '' });
    const r = await client.send({ url: `${url}/redirect`, method: 'GET', headers: {} });
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe(`${url}/echo`);
  });

  it('ends an attempt that runs past its timeout with a TimeoutError, and the caller’s abort with an AbortError', async () => {
    const client = createNodeHttpClient();
    await expect(client.send({ url: `${url}/hang`, method: 'GET', headers: {}, timeoutInMs: 50 })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    const controller = new AbortController();
    const pending = client.send({ url: `${url}/hang`, method: 'GET', headers: {}, abortSignal: controller.signal, timeoutInMs: 60_000 });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('keeps one timer per attempt in flight and none once the attempt has ended (issue 10)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const client = createNodeHttpClient();
      const controller = new AbortController();
      const pending = client.send({ url: `${url}/echo`, method: 'GET', headers: {}, abortSignal: controller.signal, timeoutInMs: 60_000 });
      expect(vi.getTimerCount()).toBe(1);
      expect((await pending).status).toBe(200);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports a refused connection with its Node code (retryable by the transport)', async () => {
    const closed = serve(() => undefined);
    const port = await listen(closed);
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(createNodeHttpClient().send({ url: `http://127.0.0.1:${port}/`, method: 'GET', headers: {} })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});

describe('what loading and sending load', () => {
  // Imported as an ES module, `node:http` makes Node load its own fetch (undici, web streams): ~30 ms
  // of every import of the SDK (docs/decisions/039-node-http-not-imported-as-an-es-module.md). A
  // fresh process (the sources through tsx) imports the package and sends one request to this
  // file's server; Node's own list of the internal modules it loaded must not name undici.
  it('the package and a request through it do not load Node’s fetch (undici), nor node:http', async () => {
    const source = join(dirname(fileURLToPath(import.meta.url)), 'index.ts');
    const script = `
      const before = process.moduleLoadList.some((m) => m.includes('undici'));
      const http = await import(${JSON.stringify(source)});
      const answer = await http.createNodeHttpClient().send({ url: ${JSON.stringify(`${url}/echo`)}, method: 'GET', headers: {} });
      process.stdout.write(JSON.stringify({ before, status: answer.status, undici: process.moduleLoadList.filter((m) => /undici|webstreams/.test(m)), http: process.moduleLoadList.filter((m) => /^NativeModule (https?|_http_\\w+)$/.test(m)) }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=@wif/source', '--input-type=module', '-e', script],
      { env: { ...process.env, NODE_OPTIONS: '', HTTPS_PROXY: '', HTTP_PROXY: '', ALL_PROXY: '' } },
    );
    // Nor node:http itself: with nobody replacing or watching it, the request is wif's own exchange (decision 044).
    expect(JSON.parse(stdout)).toEqual({ before: false, status: 200, undici: [], http: [] });
  }, 60_000);
});

describe('sharedNodeHttpClient', () => {
  it('is one client per proxy configuration, and every transport without an httpClient sends through it', async () => {
    expect(sharedNodeHttpClient()).toBe(sharedNodeHttpClient());
    const before = process.env['HTTPS_PROXY'];
    process.env['HTTPS_PROXY'] = 'http://proxy.example:3128';
    try {
      expect(sharedNodeHttpClient()).not.toBe(createNodeHttpClient());
      const proxied = sharedNodeHttpClient();
      expect(proxied).toBe(sharedNodeHttpClient());
      delete process.env['HTTPS_PROXY'];
      expect(sharedNodeHttpClient()).not.toBe(proxied);
    } finally {
      if (before === undefined) delete process.env['HTTPS_PROXY'];
      else process.env['HTTPS_PROXY'] = before;
    }
    // Two services' transports (or the access check's and the run's) to one origin: one connection.
    const credential = { getToken: async () => ({ token: 't0123456789', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const make = (service: 'arm' | 'devops') =>
      createTransport({ service, baseUrl: url, auth: { kind: 'bearer', credential, scope: 'https://management.azure.com/.default' } });
    connections = 0;
    for (const t of [make('arm'), make('devops'), make('arm')]) {
      const r = await t.send({ method: 'GET', path: '/echo', operation: 'echo' });
      expect(r._unsafeUnwrap().status).toBe(200);
    }
    expect(connections).toBe(1);
  });

  it('keeps each origin it serves apart: requests to two origins in turn go to each', async () => {
    const other = serve((_req, _body, res) => res.end('other'));
    const otherUrl = `http://127.0.0.1:${await listen(other)}`;
    try {
      const client = createNodeHttpClient();
      for (let i = 0; i < 3; i++) {
        expect((await client.send({ url: `${url}/echo`, method: 'GET', headers: {} })).bodyText).toContain('"body"');
        expect((await client.send({ url: `${otherUrl}/x`, method: 'GET', headers: {} })).bodyText).toBe('other');
      }
    } finally {
      other.closeAllConnections();
      other.close();
    }
  });
});

describe('the bytes on the wire (headers handed to Node as a list where that changes nothing)', () => {
  /** A server that records each request's head (and body) as it arrived and answers `{}`, keeping the connection open. */
  async function recorder(): Promise<{ url: string; heads: string[]; close(): void }> {
    const heads: string[] = [];
    const server = await rawServer((_, socket, __, whole) => {
      heads.push(whole);
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
    });
    return { url: server.url, heads, close: () => server.close() };
  }

  /** What Node itself sends for the same request, headers given as an object. */
  function plain(target: string, method: string, headers: Record<string, string>, body: string | undefined, agent: Agent): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = plainRequest(
        target,
        { method, headers: body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, agent },
        (res) => res.resume().on('end', resolve),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const requestId = '0f8fad5b-d9cb-469f-a165-70867728950e';
  const cases: [string, string, Record<string, string>, string | undefined][] = [
    [
      'GET',
      "/applications(uniqueName='ado-a')?$select=id,appId",
      { Accept: 'application/json', 'x-ms-client-request-id': requestId, Authorization: 'Bearer t' },
      undefined,
    ],
    [
      'POST',
      '/servicePrincipals',
      { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: 'Bearer t' },
      '{"appId":"é"}',
    ],
    ['PUT', '/roleAssignments/x?api-version=2022-04-01', { Accept: 'application/json', 'Content-Type': 'application/json' }, '{}'],
    ['DELETE', '/endpoints/1', { Accept: 'application/json', 'User-Agent': 'wif-sdk/0.1.0' }, undefined],
    // Node frames these itself (Content-Length: 0 after its own headers): sent as an object, as before.
    ['PATCH', '/applications/1', { Accept: 'application/json' }, undefined],
    ['POST', '/empty', { Accept: 'application/json' }, undefined],
    // A Host of the caller's own, and names that differ only in case: as an object, as before.
    ['GET', '/host', { Host: 'example.test', Accept: 'application/json' }, undefined],
    ['GET', '/twice', { Accept: 'text/plain', accept: 'application/json' }, undefined],
  ];

  it('puts the same request head and body on the wire as Node does for a header object', async () => {
    const server = await recorder();
    const agent = new Agent({ keepAlive: true });
    try {
      const client = createNodeHttpClient();
      for (const [method, path, headers, body] of cases) {
        await client.send({ url: `${server.url}${path}`, method, headers, body });
        await plain(`${server.url}${path}`, method, headers, body, agent);
      }
      expect(server.heads).toHaveLength(cases.length * 2);
      for (let i = 0; i < cases.length; i++) expect(server.heads[2 * i], `${cases[i]![0]} ${cases[i]![1]}`).toBe(server.heads[2 * i + 1]);
      // And those heads are what a reader of the code expects: every header once, Host after the caller's.
      expect(server.heads[0]).toBe(
        `GET /applications(uniqueName='ado-a')?$select=id,appId HTTP/1.1\r\nAccept: application/json\r\nx-ms-client-request-id: ${requestId}\r\nAuthorization: Bearer t\r\nHost: ${new URL(server.url).host}\r\nConnection: keep-alive\r\n\r\n`,
      );
    } finally {
      agent.destroy();
      server.close();
    }
  });

  it('refuses a header value Node refuses, as before (no request sent)', async () => {
    const server = await recorder();
    try {
      await expect(
        createNodeHttpClient().send({ url: `${server.url}/x`, method: 'GET', headers: { Authorization: 'Bearer a\r\nX-Injected: 1' } }),
      ).rejects.toMatchObject({ code: 'ERR_INVALID_CHAR' });
      expect(server.heads).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('sends a list only when it is the same: not for a proxy, user info, a Host of its own or names twice', () => {
    expect(headerList({ Accept: 'a', 'x-ms-client-request-id': 'r' }, '127.0.0.1:1')).toEqual([
      'Accept',
      'a',
      'x-ms-client-request-id',
      'r',
      'Host',
      '127.0.0.1:1',
    ]);
    expect(headerList({ host: 'other' }, '127.0.0.1:1')).toBeUndefined();
    expect(headerList({ 'Content-Type': 'a', 'content-type': 'b' }, 'h')).toBeUndefined();
  });
});

describe('proxies', () => {
  it('reads HTTPS_PROXY, then ALL_PROXY, then HTTP_PROXY for https, in either case, and NO_PROXY', () => {
    expect(proxySettings({ https_proxy: 'http://p:1', HTTP_PROXY: 'http://q:2', NO_PROXY: ' .corp.example , Example.org ' })).toEqual({
      https: 'http://p:1',
      http: 'http://q:2',
      noProxy: ['.corp.example', 'example.org'],
    });
    expect(proxySettings({ HTTP_PROXY: 'http://q:2' }).https).toBe('http://q:2');
    expect(proxySettings({ ALL_PROXY: 'http://a:3', HTTP_PROXY: 'http://q:2' }).https).toBe('http://a:3');
    expect(proxySettings({})).toEqual({ https: undefined, http: undefined, noProxy: [] });
  });

  it('bypasses the proxy for loopback, NO_PROXY hosts and their subdomains, and nothing else', () => {
    const list = ['.corp.example', 'example.org', '*.internal.test', 'host.test:8443'];
    for (const host of [
      '127.0.0.1',
      'localhost',
      '[::1]',
      'a.corp.example',
      'corp.example',
      'example.org',
      'x.example.org',
      'a.internal.test',
      'host.test',
    ])
      expect(bypassesProxy(host, list), host).toBe(true);
    for (const host of ['management.azure.com', 'notexample.org', 'corp.example.com', 'internal.test.evil'])
      expect(bypassesProxy(host, list), host).toBe(false);
    expect(bypassesProxy('graph.microsoft.com', ['*'])).toBe(true);
  });

  /** A forward proxy on 127.0.0.1: absolute-form HTTP requests and CONNECT tunnels, all to `upstreamPort`. */
  async function startProxy(upstreamPort: number): Promise<{ url: string; seen: string[]; close(): void }> {
    const seen: string[] = [];
    const sockets = new Set<Socket>();
    const proxy = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const target = new URL(req.url ?? '/');
      const up = plainRequest(
        { host: '127.0.0.1', port: upstreamPort, path: target.pathname + target.search, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(up);
    });
    proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      seen.push(`CONNECT ${req.url}`);
      const upstream = connect(upstreamPort, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.add(upstream).add(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    const port = await listen(proxy);
    return {
      url: `http://127.0.0.1:${port}`,
      seen,
      close: () => {
        for (const s of sockets) s.destroy();
        proxy.closeAllConnections();
        proxy.close();
      },
    };
  }

  it('sends plain HTTP through HTTP_PROXY (absolute form), but not to a NO_PROXY host nor to loopback', async () => {
    const port = Number(new URL(url).port);
    const proxy = await startProxy(port);
    try {
      const client = createNodeHttpClient({ env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.2' } });
      const r = await client.send({
        url: `http://wif-proxy-test.invalid:${port}/echo`,
        method: 'POST',
        headers: { Authorization: 'Bearer through-the-proxy' },
        body: 'hi',
      });
      // The headers arrive whole (the proxy agent rewrites the request Node stored: never a header list).
      expect(JSON.parse(r.bodyText)).toMatchObject({ body: 'hi', auth: 'Bearer through-the-proxy' });
      expect(proxy.seen).toEqual([`POST http://wif-proxy-test.invalid:${port}/echo`]);
      // Not through the proxy: sent straight to 127.0.0.2, where nothing listens (the server is bound to 127.0.0.1).
      await expect(client.send({ url: `http://127.0.0.2:${port}/echo`, method: 'GET', headers: {} })).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
      await expect(client.send({ url: `${url}/echo`, method: 'GET', headers: {} })).resolves.toMatchObject({ status: 200 });
      expect(proxy.seen).toHaveLength(1);
    } finally {
      proxy.close();
    }
  });

  it('tunnels HTTPS through HTTPS_PROXY with CONNECT and still verifies the server against the trusted CA', async () => {
    const { cert, key } = await selfSigned('wif-proxy-test.invalid');
    const tls = createTlsServer({ cert, key }, (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    );
    const tlsPort = await listen(tls as unknown as Server);
    const proxy = await startProxy(tlsPort);
    try {
      const trusted = createNodeHttpClient({ ca: cert, env: { HTTPS_PROXY: proxy.url } });
      const r = await trusted.send({ url: 'https://wif-proxy-test.invalid/things', method: 'GET', headers: {} });
      expect(r).toMatchObject({ status: 200, bodyText: '{"ok":true}' });
      expect(proxy.seen).toEqual(['CONNECT wif-proxy-test.invalid:443']);
      // Without the CA the same tunnel ends in a certificate error: verification is on through the proxy too.
      const untrusted = createNodeHttpClient({ env: { HTTPS_PROXY: proxy.url } });
      await expect(untrusted.send({ url: 'https://wif-proxy-test.invalid/things', method: 'GET', headers: {} })).rejects.toMatchObject({
        code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/),
      });
    } finally {
      proxy.close();
      tls.closeAllConnections();
      tls.close();
    }
  });
});

/** A self-signed certificate for `host` (test only), made with @peculiar/x509 over WebCrypto. */
async function selfSigned(host: string): Promise<{ cert: string; key: string }> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${host}`,
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 86_400_000),
    signingAlgorithm: alg,
    keys: keys as never,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: host }]), new x509.BasicConstraintsExtension(false)],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key };
}

describe('plainRequestPath', () => {
  // The fast path skips `new URL` for a client's known origin: whatever it accepts must be exactly
  // what the URL parser would send, and anything the parser would change must go the long way.
  const origin = 'https://graph.microsoft.com';
  const samples = [
    "/v1.0/applications(uniqueName='wif-ado-c1')",
    "/v1.0/applications?$filter=appId eq 'x'",
    "/v1.0/applications?$filter=appId%20eq%20'x'",
    '/v1.0/applications?$filter=appId%20eq%20%27x%27&$select=id,appId',
    '/contoso/_apis/projects/platform?api-version=7.1',
    '/subscriptions/0000/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()',
    '/a/./b',
    '/a/../b',
    '/a/%2e%2E/b',
    '/.well-known/openid-configuration',
    '/a b',
    '/a"b',
    '/a<b>',
    '/a`b',
    '/a{b}',
    '/a\\b',
    '/a#frag',
    '/a|b',
    '/a^b',
    '/a[b]',
    '/plätform',
    '/a?q=<x>',
    '/a?q="x"',
    '/a?q=x#y',
    '/a?b?c',
    '/%zz',
  ];
  it.each(samples)('%s: accepted only when new URL sends it unchanged', (rest) => {
    const url = new URL(origin + rest);
    const parsed = `${url.pathname}${url.search}`;
    const plain = plainRequestPath(rest);
    if (plain !== undefined) expect(plain).toBe(parsed);
    else expect(rest === parsed && !/\/\.|%2e/i.test(rest) && /^[\x21-\x7e]*$/.test(rest) && !/[#"<>`{}\\|^[\]]/.test(rest)).toBe(false);
  });

  it('accepts the paths wif sends', () => {
    expect(plainRequestPath(samples[0]!)).toBe(samples[0]);
    expect(plainRequestPath(samples[3]!)).toBe(samples[3]);
    expect(plainRequestPath(samples[4]!)).toBe(samples[4]);
    expect(plainRequestPath(samples[5]!)).toBe(samples[5]);
  });
});
