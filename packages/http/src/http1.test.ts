/**
 * wif's own HTTP/1.1 exchange (decision 044): the answer reader fed at every split, what it refuses,
 * the request head and what it refuses, the socket pool against raw servers on 127.0.0.1 that write
 * exactly the bytes a test names, and when a request goes through `node:http` instead.
 */
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { requestHead, ResponseReader } from './http1';
import { createNodeHttpClient } from './nodeHttp';
import { rawServer as startRawServer, type RawServer } from '../test/rawServer';

/** Feeds `raw` to a reader cut at `cuts`; returns the reader. */
function read(raw: string | Buffer, noBody = false, cuts: readonly number[] = []): ResponseReader {
  const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
  const reader = new ResponseReader(noBody);
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > at) reader.feed(bytes.subarray(at, cut));
    at = Math.max(at, cut);
  }
  return reader;
}

/** Every way of cutting `raw` (as UTF-8) in two, and byte by byte. */
function everySplit(raw: string): number[][] {
  const n = Buffer.byteLength(raw);
  return [...Array.from({ length: n - 1 }, (_, i) => [i + 1]), Array.from({ length: n }, (_, i) => i + 1)];
}

describe('ResponseReader', () => {
  const chunked =
    'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5;ext=1\r\n{"a":\r\nA\r\n"é—ü"}\r\n0\r\nX-Trailer: t\r\n\r\n';

  it('reads a chunked answer (extensions, trailers) the same whatever the cuts', () => {
    const whole = read(chunked);
    expect(whole.done).toBe(true);
    expect(whole.bodyBytes().toString()).toBe('{"a":"é—ü"}');
    for (const cuts of everySplit(chunked)) {
      const r = read(chunked, false, cuts);
      expect(r.done, `cuts ${cuts.join(',')}`).toBe(true);
      expect(r.bodyBytes().toString()).toBe('{"a":"é—ü"}');
    }
  });

  it('reads a Content-Length answer the same whatever the cuts, and is not done a byte early', () => {
    const raw = 'HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\n{"id":"x"}\n';
    for (const cuts of everySplit(raw)) expect(read(raw, false, cuts).bodyBytes().toString()).toBe('{"id":"x"}\n');
    expect(read(raw.slice(0, -1)).done).toBe(false);
    expect(read(raw).status).toBe(201);
  });

  it('skips interim 1xx answers and keeps the final one’s headers only', () => {
    const r = read(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}',
    );
    expect([r.status, r.headers['link'], r.bodyBytes().toString()]).toEqual([200, undefined, '{}']);
  });

  it('reads no body for HEAD, 204 and 304, whatever Content-Length says', () => {
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', true).done).toBe(true);
    expect(read('HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n').done).toBe(true);
    expect(read('HTTP/1.1 304 Not Modified\r\n\r\n').done).toBe(true);
  });

  it('reads an answer without framing until the connection ends, and does not keep that connection', () => {
    const r = read('HTTP/1.1 200 OK\r\n\r\nabc');
    expect(r.done).toBe(false);
    r.feed(Buffer.from('def'));
    expect(r.end()).toBe(true);
    expect([r.bodyBytes().toString(), r.keepAlive]).toEqual(['abcdef', false]);
    // A framed answer cut short is not complete when the connection ends.
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab').end()).toBe(false);
  });

  it('keeps the connection as HTTP/1.1 and 1.0 say, and reads the server’s keep-alive hint', () => {
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive).toBe(true);
    expect(read('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').keepAlive).toBe(false);
    expect(read('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive).toBe(false);
    expect(read('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n').keepAlive).toBe(true);
    expect(read('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n').idleTimeoutInMs).toBe(5000);
    // Bytes after the answer: nobody asked for them, the connection is not reused.
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n').keepAlive).toBe(false);
    // Chunked and Content-Length together: chunked is read, the connection is not reused.
    const both = read('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n');
    expect([both.bodyBytes().toString(), both.keepAlive]).toEqual(['x', false]);
  });

  it('refuses what it cannot read, with the code Node’s parser gives', () => {
    const refused = (raw: string): string | undefined => {
      try {
        read(raw);
        return undefined;
      } catch (e) {
        return (e as { code?: string }).code;
      }
    };
    expect(refused('HTTP/2 200 OK\r\n\r\n')).toBe('HPE_INVALID_CONSTANT');
    expect(refused('HTTP/1.1 20 OK\r\n\r\n')).toBe('HPE_INVALID_CONSTANT');
    expect(refused('HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n')).toBe('HPE_INVALID_HEADER_TOKEN');
    expect(refused('HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n')).toBe('HPE_INVALID_HEADER_TOKEN');
    expect(refused('HTTP/1.1 200 OK\r\nX-A: a\x01b\r\n\r\n')).toBe('HPE_INVALID_HEADER_TOKEN');
    expect(refused('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n')).toBe('HPE_UNEXPECTED_CONTENT_LENGTH');
    expect(refused('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')).toBe('HPE_UNEXPECTED_CONTENT_LENGTH');
    expect(refused('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toBe('HPE_INVALID_CHUNK_SIZE');
    expect(refused('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n')).toBe('HPE_STRICT');
    expect(refused('HTTP/1.1 101 Switching Protocols\r\n\r\n')).toBe('HPE_UNEXPECTED_UPGRADE');
    expect(refused(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(17 * 1024)}`)).toBe('HPE_HEADER_OVERFLOW');
    expect(refused('HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n')).toBe('HPE_INVALID_CONSTANT');
    expect(refused('HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n')).toBe('HPE_INVALID_CONSTANT');
    expect(refused('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n')).toBeUndefined();
    expect(refused('HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n')).toBe('HPE_UNEXPECTED_CONTENT_LENGTH');
    expect(refused('HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\n{}')).toBeUndefined();
    // The same Content-Length twice is one length, as Node reads it.
    expect(refused('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}')).toBeUndefined();
  });
});

describe('requestHead', () => {
  it('refuses, with Node’s codes, what Node refuses: nothing is sent', () => {
    const code = (h: ReturnType<typeof requestHead>): unknown => (h instanceof TypeError ? (h as TypeError & { code: string }).code : h);
    expect(code(requestHead('GET', '/x', { 'X-A': 'a\r\nX-Injected: 1' }, 'h', undefined))).toBe('ERR_INVALID_CHAR');
    expect(code(requestHead('GET', '/x', { 'X A': 'a' }, 'h', undefined))).toBe('ERR_INVALID_HTTP_TOKEN');
    expect(code(requestHead('G T', '/x', {}, 'h', undefined))).toBe('ERR_INVALID_HTTP_TOKEN');
    expect(code(requestHead('GET', '/a b', {}, 'h', undefined))).toBe('ERR_UNESCAPED_CHARACTERS');
    expect(code(requestHead('GET', '/a\nb', {}, 'h', undefined))).toBe('ERR_UNESCAPED_CHARACTERS');
  });

  it('leaves to node:http a request whose headers touch framing or the connection, or name one header twice', () => {
    for (const name of ['Host', 'connection', 'Content-Length', 'Transfer-Encoding', 'Expect', 'Upgrade', 'TE', 'Trailer'])
      expect(requestHead('GET', '/x', { [name]: '1' }, 'h', undefined), name).toBeUndefined();
    expect(requestHead('GET', '/x', { Accept: 'a', accept: 'b' }, 'h', undefined)).toBeUndefined();
  });

  it('frames a body by its byte length, and a bodiless POST with Content-Length: 0 as Node does', () => {
    expect(requestHead('POST', '/x', { A: '1' }, 'h:1', 4)).toBe(
      'POST /x HTTP/1.1\r\nA: 1\r\nContent-Length: 4\r\nHost: h:1\r\nConnection: keep-alive\r\n\r\n',
    );
    expect(requestHead('POST', '/x', {}, 'h', undefined)).toBe(
      'POST /x HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n',
    );
    expect(requestHead('GET', '/x', {}, 'h', undefined)).toBe('GET /x HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n');
  });
});

const servers: RawServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A raw server (test/rawServer.ts), closed after the test. */
async function rawServer(answer: (head: string, socket: Socket, n: number) => void): Promise<RawServer> {
  const server = await startRawServer(answer);
  servers.push(server);
  return server;
}

const ok = (socket: Socket, extra = ''): void => void socket.write(`HTTP/1.1 200 OK\r\n${extra}Content-Length: 2\r\n\r\n{}`);
const get = (url: string, signal?: AbortSignal, timeoutInMs?: number) =>
  createNodeHttpClient().send({
    url,
    method: 'GET',
    headers: {},
    ...(signal ? { abortSignal: signal } : {}),
    ...(timeoutInMs ? { timeoutInMs } : {}),
  });
const waitFor = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('the socket pool', () => {
  it('reuses one connection for requests in turn, opens one per request at once, then reuses those', async () => {
    const s = await rawServer((_, socket) => ok(socket));
    const client = createNodeHttpClient();
    for (let i = 0; i < 4; i++) expect((await client.send({ url: `${s.url}/a`, method: 'GET', headers: {} })).status).toBe(200);
    expect(s.connections()).toBe(1);
    await Promise.all([1, 2, 3].map(() => client.send({ url: `${s.url}/b`, method: 'GET', headers: {} })));
    await Promise.all([1, 2, 3].map(() => client.send({ url: `${s.url}/c`, method: 'GET', headers: {} })));
    expect(s.connections()).toBe(3);
  });

  it('opens a new connection after the server closed the idle one, or said Connection: close, or hinted a keep-alive already past', async () => {
    const s = await rawServer((head, socket, n) => {
      if (n === 0) {
        ok(socket);
        socket.end(); // closes the idle connection after answering
      } else if (n === 1) ok(socket, 'Connection: close\r\n');
      else if (n === 2)
        ok(socket, 'Keep-Alive: timeout=1\r\n'); // less Node's second: over at once
      else ok(socket);
    });
    const client = createNodeHttpClient();
    const send = () => client.send({ url: `${s.url}/x`, method: 'GET', headers: {} }).then((a) => a.status);
    expect(await send()).toBe(200);
    await waitFor(() => s.closed() === 1);
    expect(await send()).toBe(200);
    expect(await send()).toBe(200);
    expect(await send()).toBe(200);
    expect(s.connections()).toBe(4);
  });

  it('ends an attempt past its timeout with a TimeoutError and the caller’s abort with an AbortError, closing the socket either way', async () => {
    const s = await rawServer((_, socket) => void socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{')); // never finishes
    await expect(get(`${s.url}/slow`, undefined, 50)).rejects.toMatchObject({ name: 'TimeoutError' });
    const controller = new AbortController();
    const pending = get(`${s.url}/slow`, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await waitFor(() => s.closed() === 2);
    expect(s.closed()).toBe(2);
  });

  it('reports a connection that ends before the answer as ECONNRESET (retryable), and an unreadable answer with its code', async () => {
    const s = await rawServer((head, socket) => {
      if (head.startsWith('GET /reset')) socket.destroy();
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}');
    });
    await expect(get(`${s.url}/reset`)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(get(`${s.url}/bad`)).rejects.toMatchObject({ code: 'HPE_UNEXPECTED_CONTENT_LENGTH' });
    await waitFor(() => s.closed() === 2);
    expect(s.closed()).toBe(2);
  });

  it('decodes a gzip answer sent in chunks', async () => {
    const zipped = gzipSync(JSON.stringify({ value: ['é'] }));
    const s = await rawServer((_, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n');
      socket.write(`${(5).toString(16)}\r\n`);
      socket.write(zipped.subarray(0, 5));
      socket.write(`\r\n${(zipped.length - 5).toString(16)}\r\n`);
      socket.write(Buffer.concat([zipped.subarray(5), Buffer.from('\r\n0\r\n\r\n')]));
    });
    expect((await get(`${s.url}/z`)).bodyText).toBe('{"value":["é"]}');
  });

  it('gives the same status, headers and body as node:http for the same bytes', async () => {
    const answer =
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n' +
      'X-Many: 1\r\nX-Many: 2\r\nRetry-After: 3\r\nRetry-After: 4\r\nX-Spaced:   padded  \r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n';
    const s = await rawServer((_, socket) => void socket.write(answer));
    const lean = await get(`${s.url}/x`);
    // A subscriber to Node's request channel sends the request through node:http (see below).
    const noop = (): void => undefined;
    diagnostics.subscribe('http.client.request.start', noop);
    try {
      const viaNode = await get(`${s.url}/x`);
      expect({ ...lean.headers }).toEqual({ ...viaNode.headers });
      expect([lean.status, lean.bodyText]).toEqual([viaNode.status, viaNode.bodyText]);
    } finally {
      diagnostics.unsubscribe('http.client.request.start', noop);
    }
  });
});

describe('when a request goes through node:http instead', () => {
  it('when an interceptor has replaced http.request (MSW, nock), so that it sees the request', async () => {
    const s = await rawServer((_, socket) => ok(socket));
    const original = http.request;
    const seen: string[] = [];
    http.request = function intercepted(...args: Parameters<typeof http.request>) {
      seen.push('request');
      return original(...args);
    } as typeof http.request;
    try {
      expect((await get(`${s.url}/i`)).status).toBe(200);
    } finally {
      http.request = original;
    }
    expect(seen).toEqual(['request']);
    // Put back: wif's own exchange again (the replaced function is not called).
    expect((await get(`${s.url}/i`)).status).toBe(200);
    expect(seen).toEqual(['request']);
  });

  it('when someone subscribes to Node’s http.client.request.start (tracing, APM), so that they see it', async () => {
    const s = await rawServer((_, socket) => ok(socket));
    const paths: string[] = [];
    const onStart = (m: unknown): void => void paths.push((m as { request: { path: string } }).request.path);
    await get(`${s.url}/before`);
    diagnostics.subscribe('http.client.request.start', onStart);
    try {
      await get(`${s.url}/watched`);
    } finally {
      diagnostics.unsubscribe('http.client.request.start', onStart);
    }
    expect(paths).toEqual(['/watched']);
  });
});
