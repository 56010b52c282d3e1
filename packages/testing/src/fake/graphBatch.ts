/**
 * Microsoft Graph JSON batching in the fake: `POST /$batch` runs each sub-request through the fake's
 * own Graph routes (token, permission and fault checks included: a sub-request can be throttled on
 * its own) and answers `200` with one response per request.
 *
 * Shape and refusals from https://learn.microsoft.com/en-us/graph/json-batching:
 * - body `{ "requests": [...] }`; each request needs `id` (unique in the batch, compared without
 *   case), `method` and a `url` relative to the version root; `headers` is required (with a
 *   `Content-Type`) when `body` is given; `dependsOn` is optional and names ids of the same batch;
 * - at most 20 requests;
 * - a malformed batch is refused whole with `400`;
 * - responses come back in any order, each with `id`, `status`, `headers` and `body`; a request whose
 *   dependency failed gets `424 Failed Dependency`.
 * The exact `message` texts of the 400s are not documented; the codes and statuses are.
 */
import { HttpResponse } from 'msw';
import { serviceError } from '../_router';
import type { FakeRoute } from './options';

/** The most requests one batch may hold. */
export const GRAPH_BATCH_MAX_REQUESTS = 20;

interface SubRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly dependsOn: readonly string[];
}

interface SubResponse {
  readonly id: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const refused = (message: string): Response => serviceError('graph', 400, 'BadRequest', message);

/** The batch's requests, or the `400` Graph answers for a malformed batch. */
export function parseGraphBatch(body: unknown): SubRequest[] | Response {
  if (!isRecord(body) || !Array.isArray(body['requests'])) return refused('Invalid batch payload format.');
  const raw = body['requests'] as unknown[];
  if (raw.length > GRAPH_BATCH_MAX_REQUESTS) {
    return refused(`The batch holds ${raw.length} requests; the limit is ${GRAPH_BATCH_MAX_REQUESTS}.`);
  }
  const out: SubRequest[] = [];
  const ids = new Set<string>();
  for (const r of raw) {
    if (!isRecord(r)) return refused('Invalid batch payload format.');
    const { id, method, url, headers, body: subBody, dependsOn } = r;
    if (typeof id !== 'string' || id === '') return refused('A batch request is missing its id.');
    if (typeof method !== 'string' || method === '') return refused(`Batch request ${id} is missing its method.`);
    if (typeof url !== 'string' || url === '') return refused(`Batch request ${id} is missing its url.`);
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return refused(`Batch request ${id}: the url must be relative to the version root.`);
    if (ids.has(id.toLowerCase())) return refused(`Batch request id ${id} is not unique.`);
    ids.add(id.toLowerCase());
    if (headers !== undefined && (!isRecord(headers) || Object.values(headers).some((v) => typeof v !== 'string'))) {
      return refused(`Batch request ${id}: headers must be an object of strings.`);
    }
    const h = (headers ?? {}) as Record<string, string>;
    if (subBody !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
      return refused(`Batch request ${id} has a body but no Content-Type header.`);
    }
    if (dependsOn !== undefined && (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string'))) {
      return refused(`Batch request ${id}: dependsOn must be an array of request ids.`);
    }
    out.push({ id, method: method.toUpperCase(), url, headers: h, body: subBody, dependsOn: (dependsOn ?? []) as string[] });
  }
  for (const r of out) {
    const unknown = r.dependsOn.find((d) => !ids.has(d.toLowerCase()));
    if (unknown !== undefined) return refused(`Batch request ${r.id} depends on ${unknown}, which is not in the batch.`);
  }
  // A cycle could never run.
  const byId = new Map(out.map((r) => [r.id.toLowerCase(), r]));
  const state = new Map<string, 'visiting' | 'done'>();
  const cyclic = (id: string): boolean => {
    if (state.get(id) === 'done') return false;
    if (state.get(id) === 'visiting') return true;
    state.set(id, 'visiting');
    const hit = (byId.get(id)?.dependsOn ?? []).some((d) => cyclic(d.toLowerCase()));
    state.set(id, 'done');
    return hit;
  };
  if (out.some((r) => cyclic(r.id.toLowerCase()))) return refused('The dependsOn of the batch requests form a cycle.');
  return out;
}

/**
 * The `$batch` route. `dispatch` answers one sub-request as the fake answers a direct one (without
 * the injected latency: the batch is one round trip), logging it as `batched`.
 */
export function graphBatchRoutes(graphBaseUrl: () => string, dispatch: (request: Request) => Promise<Response>): FakeRoute[] {
  return [
    {
      method: 'POST',
      pattern: /^\/\$batch$/,
      operation: 'POST $batch',
      handle: async (ctx) => {
        const parsed = parseGraphBatch(ctx.body);
        if (parsed instanceof Response) return parsed;
        const authorization = ctx.request.headers.get('authorization');
        const done = new Map<string, Promise<SubResponse>>();
        const run = (r: SubRequest): Promise<SubResponse> => {
          const key = r.id.toLowerCase();
          const known = done.get(key);
          if (known) return known;
          const p = (async (): Promise<SubResponse> => {
            const deps = await Promise.all(r.dependsOn.map((d) => run(parsed.find((x) => x.id.toLowerCase() === d.toLowerCase())!)));
            if (deps.some((d) => d.status >= 400)) {
              return { id: r.id, status: 424, headers: { 'Content-Type': 'application/json' }, body: failedDependency(r.id) };
            }
            const url = `${graphBaseUrl()}${r.url.startsWith('/') ? '' : '/'}${r.url}`;
            const headers = new Headers(r.headers);
            if (authorization) headers.set('authorization', authorization);
            const response = await dispatch(
              new Request(url, {
                method: r.method,
                headers,
                ...(r.body !== undefined ? { body: typeof r.body === 'string' ? r.body : JSON.stringify(r.body) } : {}),
              }),
            );
            const text = await response.text();
            const out: Record<string, string> = {};
            for (const name of ['content-type', 'retry-after', 'location', 'request-id']) {
              const v = response.headers.get(name);
              if (v !== null) out[name === 'content-type' ? 'Content-Type' : name === 'retry-after' ? 'Retry-After' : name] = v;
            }
            let body: unknown;
            if (text !== '') {
              try {
                body = JSON.parse(text);
              } catch {
                body = text;
              }
            }
            return { id: r.id, status: response.status, headers: out, ...(body !== undefined ? { body } : {}) };
          })();
          done.set(key, p);
          return p;
        };
        const responses = await Promise.all(parsed.map(run));
        return HttpResponse.json({ responses });
      },
    },
  ];
}

function failedDependency(id: string): Record<string, unknown> {
  return { error: { code: 'FailedDependency', message: `A request that request ${id} depends on failed.` } };
}
