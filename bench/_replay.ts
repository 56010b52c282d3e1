/**
 * A replaying server on 127.0.0.1: the first time a request is seen it is forwarded to the emulator
 * and its answer recorded; after that the recorded answer is served, every time after `latencyInMs`.
 * It measures the client alone at a fixed service latency: the emulator's own CPU per request (real
 * routing, state, validation) drops out, as it does against the real services, which answer from
 * many machines. Read-only workloads only (the audit): a recorded answer never changes. A Graph
 * `$batch` is answered from the recorded single reads it carries (one round trip, one request), and
 * an Azure DevOps checks query from the recorded check list of each resource it names.
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
  /** The most requests open at once since the last `reset()`. */
  readonly peakInFlight: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startReplay(upstream: string, latencyInMs: number): Promise<Replay> {
  const recorded = new Map<string, Promise<Recorded>>();
  let origin = '';
  let requests = 0;
  let inFlight = 0;
  let peakInFlight = 0;
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
  const answerFor = (method: string, path: string, headers: IncomingHttpHeaders): Promise<Recorded> => {
    const key = `${method} ${path}`;
    let answer = recorded.get(key);
    if (!answer) {
      answer = forward(method, path, headers);
      recorded.set(key, answer);
    }
    return answer;
  };
  /**
   * A Graph JSON batch (POST …/$batch): each sub-request answered from the recorded (or forwarded)
   * single GET, composed into the batch's `{ responses }`, so that a batch costs one round trip
   * here whatever it carries (https://learn.microsoft.com/en-us/graph/json-batching).
   */
  const batchAnswer = async (path: string, headers: IncomingHttpHeaders, body: string): Promise<Recorded> => {
    const prefix = path.slice(0, -'/$batch'.length);
    const { requests: subs } = JSON.parse(body) as { requests: { id: string; method: string; url: string }[] };
    const single = { ...headers };
    delete single['content-type'];
    delete single['content-length'];
    const responses = await Promise.all(
      subs.map(async (r) => {
        const a = await answerFor(r.method, `${prefix}${r.url.startsWith('/') ? '' : '/'}${r.url}`, single);
        const text = a.body.toString('utf8');
        const h: Record<string, string> = { 'Content-Type': 'application/json' };
        if (typeof a.headers['retry-after'] === 'string') h['Retry-After'] = a.headers['retry-after'];
        return { id: r.id, status: a.status, headers: h, ...(text ? { body: JSON.parse(text) as unknown } : {}) };
      }),
    );
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ responses })) };
  };
  /**
   * An Azure DevOps checks query (POST …/pipelines/checks/queryconfigurations, body `[{ type, id }]`):
   * answered from the recorded (or forwarded) GET list of each resource's checks, concatenated, so
   * that the answer does not depend on which connections one run happened to batch together
   * (https://learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/check-configurations/query).
   */
  const checksQueryAnswer = async (path: string, headers: IncomingHttpHeaders, body: string): Promise<Recorded> => {
    const url = new URL(path, 'http://replay');
    const list = url.pathname.replace(/\/queryconfigurations$/, '/configurations');
    const resources = JSON.parse(body) as { type: string; id: string }[];
    const single = { ...headers };
    delete single['content-type'];
    delete single['content-length'];
    const value: unknown[] = [];
    for (const r of resources) {
      const q = new URLSearchParams(url.searchParams);
      q.set('resourceType', r.type);
      q.set('resourceId', r.id);
      const a = await answerFor('GET', `${list}?${q.toString()}`, single);
      if (a.status !== 200) return a;
      value.push(...(JSON.parse(a.body.toString('utf8')) as { value: unknown[] }).value);
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ count: value.length, value })),
    };
  };
  const server: Server = createServer((req, res) => {
    requests += 1;
    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = (): string => Buffer.concat(chunks).toString('utf8');
      const answer =
        method === 'POST' && path.endsWith('/$batch')
          ? batchAnswer(path, req.headers, text())
          : method === 'POST' && /\/_apis\/pipelines\/checks\/queryconfigurations\?/i.test(path)
            ? checksQueryAnswer(path, req.headers, text())
            : answerFor(method, path, req.headers);
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
    get peakInFlight() {
      return peakInFlight;
    },
    reset: () => {
      requests = 0;
      peakInFlight = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
