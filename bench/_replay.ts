/**
 * A replaying server on 127.0.0.1: the first time a request is seen it is forwarded to the emulator
 * and its answer recorded; after that the recorded answer is served, every time after `latencyInMs`.
 * It measures the client alone at a fixed service latency: the emulator's own CPU per request (real
 * routing, state, validation) drops out, as it does against the real services, which answer from
 * many machines. Read-only workloads only (the audit): a recorded answer never changes.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';

interface Recorded {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface Replay {
  readonly url: string;
  /** Requests served since the last `reset()` (recorded or replayed). */
  readonly requests: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startReplay(upstream: string, latencyInMs: number): Promise<Replay> {
  const recorded = new Map<string, Promise<Recorded>>();
  let origin = '';
  let requests = 0;
  const forward = (method: string, path: string, headers: IncomingHttpHeaders): Promise<Recorded> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(`${upstream}${path}`, { method, headers: { ...headers, host: new URL(upstream).host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          // Next links name the upstream's origin: point them at this server.
          const body = Buffer.from(Buffer.concat(chunks).toString('utf8').split(upstream).join(origin));
          const h = { ...res.headers };
          delete h['content-length'];
          delete h['connection'];
          delete h['keep-alive'];
          delete h['transfer-encoding'];
          resolve({ status: res.statusCode ?? 500, headers: h, body });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  const server: Server = createServer((req, res) => {
    requests += 1;
    const key = `${req.method} ${req.url}`;
    let answer = recorded.get(key);
    if (!answer) {
      answer = forward(req.method ?? 'GET', req.url ?? '/', req.headers);
      recorded.set(key, answer);
    }
    req.resume();
    setTimeout(() => {
      answer.then(
        (a) => {
          res.writeHead(a.status, { ...a.headers, 'content-length': a.body.length });
          res.end(a.body);
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    }, latencyInMs);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    get requests() {
      return requests;
    },
    reset: () => {
      requests = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
