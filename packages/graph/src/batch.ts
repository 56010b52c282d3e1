/**
 * Microsoft Graph JSON batching: many independent reads in one `POST /$batch`.
 *
 * Shape and limits, from https://learn.microsoft.com/en-us/graph/json-batching:
 * - request body `{ "requests": [{ "id", "method", "url", "headers"?, "body"?, "dependsOn"? }] }`, at
 *   most 20 requests; `id` unique within the batch; `url` relative to the version root
 *   (`/applications(appId='…')`, not `https://graph.microsoft.com/v1.0/…`);
 * - response `200` `{ "responses": [{ "id", "status", "headers"?, "body"? }] }`, in any order; each
 *   response carries its own status, so a `200` batch can hold a `404`, a `403` or a `429`;
 * - a sub-request answered `429` carries its own `Retry-After` and must be retried on its own (the
 *   others in the batch succeeded);
 * - the batch as a whole can fail like any request (`429`, `5xx`, network): the transport's own retry
 *   rules apply to it.
 *
 * {@link withGraphBatching} wraps a client so that the endpoint functions of this package batch
 * without knowing it: each GET with a relative path waits for the next batch (sent when 20 are
 * queued, or at the end of the current turn of the event loop), gets its own sub-response back and
 * maps it exactly as the transport maps a direct answer (same error kinds, same schema checks).
 * Writes, next links (absolute URLs) and anything with a body are sent directly.
 */
import {
  httpError,
  invalidResponse,
  parseRetryAfter,
  type RawResponse,
  readErrorBody,
  type RequestSpec,
  type Transport,
  type TransportError,
  encodeQuery,
} from '@wif/http';
import { err, errAsync, ok, okAsync, type Result, ResultAsync } from 'neverthrow';
import * as z from 'zod';
import { built, deferred } from '@wif/http';
import type { GraphClient } from './client';

/** The most requests Graph accepts in one `$batch`. */
export const GRAPH_BATCH_LIMIT = 20;

/** Options of {@link withGraphBatching}. */
export interface GraphBatchingOptions {
  /** Sub-requests per batch, 1–20. Default 20. */
  readonly maxRequests?: number;
  /**
   * Runs each `POST /$batch` (e.g. through a bounded pool that adapts to throttling). Default: send
   * at once.
   */
  readonly schedule?: (
    send: () => ResultAsync<GraphBatchResponse, TransportError>,
  ) => PromiseLike<Result<GraphBatchResponse, TransportError>>;
  /** How many times one sub-request answered `429` is put into a later batch. Default 3. */
  readonly maxThrottleRetries?: number;
  /** The wait before such a retry when the sub-response has no `Retry-After`. Default 1 000 ms. */
  readonly throttleDelayInMs?: number;
  /** Told of every sub-request answered `429` (with its `Retry-After`, if any), e.g. to narrow a pool. */
  readonly onThrottled?: (retryAfterInMs: number | undefined) => void;
}

const subResponseSchema = deferred(() =>
  z.object({
    id: z.string(),
    status: z.number().int(),
    headers: z.record(z.string(), z.unknown()).optional(),
    body: z.unknown().optional(),
  }),
);
const batchResponseSchema = deferred(() => z.object({ responses: z.array(built(subResponseSchema)) }));
/** The body of a `$batch` answer: one response per request, in any order. */
export interface GraphBatchResponse {
  readonly responses: readonly {
    readonly id: string;
    readonly status: number;
    readonly headers?: Readonly<Record<string, unknown>> | undefined;
    readonly body?: unknown;
  }[];
}

interface Pending {
  readonly spec: RequestSpec;
  readonly url: string;
  readonly resolve: (r: Result<RawResponse, TransportError>) => void;
  throttled: number;
}

/**
 * A client whose GET reads are combined into Graph JSON batches (up to 20 per `POST /$batch`), for
 * the same functions (`getApplication`, `getServicePrincipal`, `listFederatedIdentityCredentials`, …).
 * Each read still gets its own result: its sub-response's status mapped as a direct answer would be;
 * a sub-request answered `429` goes into a later batch after its `Retry-After` (at most
 * `maxThrottleRetries` times, then it is `Throttled`); a batch that fails as a whole fails every read
 * in it with that error. Aborting one read removes it from its batch if not yet sent.
 *
 * Permission: the sub-requests' own. Safe to re-run.
 *
 * @example
 * const batched = withGraphBatching(graph);
 * const [a, b] = await Promise.all([getApplication(batched, { appId: x }), getApplication(batched, { appId: y })]); // one request
 */
export function withGraphBatching(client: GraphClient, options: GraphBatchingOptions = {}): GraphClient {
  const inner = client.transport;
  const max = Math.min(GRAPH_BATCH_LIMIT, Math.max(1, Math.floor(options.maxRequests ?? GRAPH_BATCH_LIMIT)));
  const maxRetries = options.maxThrottleRetries ?? 3;
  const defaultDelay = options.throttleDelayInMs ?? 1_000;
  const schedule = options.schedule ?? ((send) => send());
  const queue: Pending[] = [];
  let flushScheduled = false;

  const flush = (): void => {
    flushScheduled = false;
    while (queue.length > 0) {
      const batch = queue.splice(0, max).filter((p) => {
        if (!p.spec.abortSignal?.aborted) return true;
        p.resolve(err({ kind: 'Aborted', message: `graph ${p.spec.operation} was aborted.` }));
        return false;
      });
      if (batch.length > 0) void send(batch);
    }
  };
  const enqueue = (p: Pending): void => {
    queue.push(p);
    if (queue.length >= max) flush();
    else if (!flushScheduled) {
      flushScheduled = true;
      // The end of this turn: every read started in the same turn (e.g. a pool filling up) joins.
      setImmediate(flush);
    }
  };

  const send = async (batch: readonly Pending[]): Promise<void> => {
    const requests = batch.map((p, i) => ({
      id: String(i + 1),
      method: p.spec.method,
      url: p.url,
      ...(p.spec.headers && Object.keys(p.spec.headers).length > 0 ? { headers: p.spec.headers } : {}),
    }));
    const answer = await schedule(() =>
      inner
        .sendJson(
          { method: 'POST', path: '/$batch', body: { requests }, operation: 'POST $batch', abortSignal: undefined },
          batchResponseSchema,
        )
        .andThen(({ body }) => ok(body)),
    );
    if (answer.isErr()) {
      for (const p of batch) p.resolve(err(answer.error));
      return;
    }
    const byId = new Map(answer.value.responses.map((r) => [r.id, r]));
    for (const [i, p] of batch.entries()) {
      const r = byId.get(String(i + 1));
      if (!r) {
        p.resolve(err(invalidResponse('graph', p.spec.operation, 200, [{ path: 'responses', message: `no response with id ${i + 1}` }])));
        continue;
      }
      const header = headerGetter(r.headers);
      if (r.status === 429) {
        const retryAfterInMs = parseRetryAfter(header);
        options.onThrottled?.(retryAfterInMs);
        if (p.throttled < maxRetries && !p.spec.abortSignal?.aborted) {
          p.throttled += 1;
          retryLater(p, retryAfterInMs ?? defaultDelay);
          continue;
        }
      }
      p.resolve(toResult(p.spec.operation, r.status, header, r.body));
    }
  };

  const retryLater = (p: Pending, ms: number): void => {
    const signal = p.spec.abortSignal;
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      if (signal?.aborted) p.resolve(err({ kind: 'Aborted', message: `graph ${p.spec.operation} was aborted.` }));
      else enqueue(p);
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  };

  const batchable = (spec: RequestSpec): boolean => spec.method === 'GET' && spec.body === undefined && !/^https?:\/\//i.test(spec.path);

  const sendOne: Transport['send'] = (spec) => {
    if (!batchable(spec)) return inner.send(spec);
    if (spec.abortSignal?.aborted) return errAsync({ kind: 'Aborted', message: `graph ${spec.operation} was aborted.` });
    const url = `${spec.path.startsWith('/') ? '' : '/'}${spec.path}${encodeQuery(spec.query)}`;
    return new ResultAsync(new Promise<Result<RawResponse, TransportError>>((resolve) => enqueue({ spec, url, resolve, throttled: 0 })));
  };

  const transport: Transport = {
    service: inner.service,
    baseUrl: inner.baseUrl,
    send: sendOne,
    sendJson: (spec, schema) => {
      if (!batchable(spec)) return inner.sendJson(spec, schema);
      return sendOne(spec).andThen((res) => {
        let json: unknown;
        try {
          json = res.bodyText ? JSON.parse(res.bodyText) : undefined;
        } catch {
          return errAsync(invalidResponse('graph', spec.operation, res.status, [{ path: '', message: 'body is not JSON' }]));
        }
        const parsed = schema.safeParse(json);
        if (!parsed.success) {
          const issues = parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
          return errAsync(invalidResponse('graph', spec.operation, res.status, issues));
        }
        return okAsync({ status: res.status, header: res.header, body: parsed.data });
      });
    },
  };
  return Object.freeze({ ...client, transport });
}

function headerGetter(headers: Record<string, unknown> | undefined): (name: string) => string | undefined {
  const lower = new Map(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return (name) => lower.get(name.toLowerCase());
}

/** A sub-response as the transport maps a direct answer: 2xx → the raw response, else the error for its status. */
function toResult(
  operation: string,
  status: number,
  header: (name: string) => string | undefined,
  body: unknown,
): Result<RawResponse, TransportError> {
  const bodyText = body === undefined || body === null ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  if (status >= 200 && status < 300) return ok({ status, header, bodyText });
  const read = readErrorBody('graph', bodyText, header);
  return err(
    httpError({
      service: 'graph',
      operation,
      status,
      code: read.code,
      errorCodes: read.errorCodes,
      requestId: read.requestId,
      serviceMessage: read.message,
      retryAfterInMs: status === 429 || status >= 500 ? parseRetryAfter(header) : undefined,
      ...(read.permanent ? { retryable: false } : {}),
    }),
  );
}
