/**
 * The bridge to `@azure/core-rest-pipeline`'s `HttpClient` type, which `TransportOptions.httpClient`
 * accepts (decision 022): wif's own clients ({@link createNodeHttpClient}) can be handed out as an
 * `HttpClient` (`trustingHttpClient` does) and are recognised again without any core-rest-pipeline
 * code; any other `HttpClient` is called through core-rest-pipeline, loaded on first use.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type {
  HttpClient,
  HttpHeaders,
  HttpMethods,
  PipelineRequest,
  PipelineResponse,
  RawHttpHeaders,
  RawHttpHeadersInput,
} from '@azure/core-rest-pipeline';
import {
  createNodeHttpClient,
  headerOf,
  type NodeHttpClient,
  type NodeHttpRequest,
  type NodeHttpResponse,
  timeoutReasonOf,
} from './nodeHttp';

/** What every HTTP path of the transport answers: any status, the body read whole. */
export interface HttpAnswer {
  readonly status: number;
  readonly header: (name: string) => string | undefined;
  /** Every header (names in lower case), for adapters that copy them all. */
  readonly headerEntries: () => Iterable<[string, string]>;
  readonly bodyText: string;
}

/** One attempt over some HTTP client. */
export type HttpSend = (request: NodeHttpRequest) => Promise<HttpAnswer>;

const NODE_CLIENT = Symbol.for('wif.nodeHttpClient');

type Tagged = HttpClient & { readonly [NODE_CLIENT]?: NodeHttpClient };

/** The wif client inside an `HttpClient` made by {@link asPipelineHttpClient}, if it is one. */
export function nodeClientOf(client: HttpClient | undefined): NodeHttpClient | undefined {
  return (client as Tagged | undefined)?.[NODE_CLIENT];
}

/** A minimal `HttpHeaders` (case-insensitive names) for the responses of {@link asPipelineHttpClient}. */
class PlainHeaders implements HttpHeaders {
  readonly #map = new Map<string, { name: string; value: string }>();
  constructor(raw?: RawHttpHeadersInput) {
    for (const [name, value] of Object.entries(raw ?? {})) this.set(name, value);
  }
  get(name: string): string | undefined {
    return this.#map.get(name.toLowerCase())?.value;
  }
  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }
  set(name: string, value: string | number | boolean): void {
    this.#map.set(name.toLowerCase(), { name, value: String(value) });
  }
  delete(name: string): void {
    this.#map.delete(name.toLowerCase());
  }
  toJSON(options: { preserveCase?: boolean } = {}): RawHttpHeaders {
    const out: RawHttpHeaders = {};
    for (const [key, entry] of this.#map) out[options.preserveCase ? entry.name : key] = entry.value;
    return out;
  }
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const [key, entry] of this.#map) yield [key, entry.value];
  }
}

/**
 * Hands a wif {@link NodeHttpClient} out as a core-rest-pipeline `HttpClient`, for APIs typed with
 * it. A wif transport given this object sends through the wif client directly. Called on its own
 * (by code that expects an `HttpClient`) it sends string bodies only.
 */
export function asPipelineHttpClient(client: NodeHttpClient = createNodeHttpClient()): HttpClient {
  const tagged: Tagged = {
    [NODE_CLIENT]: client,
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      if (request.body !== undefined && request.body !== null && typeof request.body !== 'string') {
        throw new TypeError('This HTTP client sends string bodies only.');
      }
      const answer = await client.send({
        url: request.url,
        method: request.method,
        headers: request.headers.toJSON({ preserveCase: true }),
        body: request.body ?? undefined,
        abortSignal: request.abortSignal as AbortSignal | undefined,
        timeoutInMs: request.timeout,
      });
      const headers = new PlainHeaders();
      for (const [name, value] of nodeHeaderEntries(answer.headers)) headers.set(name, value);
      return { request, status: answer.status, headers, bodyAsText: answer.bodyText };
    },
  };
  return tagged;
}

type CoreRestPipeline = typeof import('@azure/core-rest-pipeline');
let pipelineModule: Promise<CoreRestPipeline> | undefined;

/**
 * core-rest-pipeline, loaded on first use: only a caller's own `HttpClient` needs it. Imported
 * dynamically, so that a bundle of wif (the CLI) keeps it in a chunk of its own, which no request of
 * wif's own clients loads; required, it was bundled into the transport's chunk and read, decoded and
 * compiled at every start (~120 KB of its ~170 KB; docs/performance.md).
 */
function coreRestPipeline(): Promise<CoreRestPipeline> {
  return (pipelineModule ??= import('@azure/core-rest-pipeline'));
}

function* nodeHeaderEntries(headers: IncomingHttpHeaders): Iterable<[string, string]> {
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) yield [name, Array.isArray(value) ? value.join(', ') : value];
  }
}

/** One attempt over a wif client. */
export function sendOverNodeClient(client: NodeHttpClient): HttpSend {
  const toAnswer = (answer: NodeHttpResponse): HttpAnswer => ({
    status: answer.status,
    header: (name) => headerOf(answer.headers, name),
    headerEntries: () => nodeHeaderEntries(answer.headers),
    bodyText: answer.bodyText,
  });
  return (request) => client.send(request).then(toAnswer);
}

/**
 * One attempt over any `HttpClient`: wif's own directly, another through core-rest-pipeline's
 * request objects. `insecure` allows plain HTTP (the loopback emulator, checked by the caller).
 */
export function sendOverHttpClient(client: HttpClient, insecure: boolean): HttpSend {
  const own = nodeClientOf(client);
  if (own) return sendOverNodeClient(own);
  return async (request) => {
    const { createPipelineRequest, createHttpHeaders } = await coreRestPipeline();
    const response = await client.sendRequest(
      createPipelineRequest({
        url: request.url,
        method: request.method as HttpMethods,
        headers: createHttpHeaders(request.headers),
        ...(request.body !== undefined ? { body: request.body } : {}),
        ...(request.abortSignal ? { abortSignal: request.abortSignal } : {}),
        ...(request.timeoutInMs ? { timeout: request.timeoutInMs } : {}),
        allowInsecureConnection: insecure,
      }),
    );
    return {
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      headerEntries: () => response.headers,
      bodyText: response.bodyAsText ?? '',
    };
  };
}

/**
 * The signal of one attempt: the caller's, plus a timer that aborts the attempt with a
 * `TimeoutError` (as `AbortSignal.timeout` would). Unlike `AbortSignal.timeout`/`AbortSignal.any`,
 * whose timer and listeners stay alive for the whole timeout after the request ended, `release()`
 * clears the timer and unhooks the caller's signal as soon as the attempt is over: one live timer
 * per request in flight, none per request done.
 */
export function attemptSignal(caller: AbortSignal | undefined, timeoutInMs: number): { signal: AbortSignal | undefined; release(): void } {
  if (timeoutInMs <= 0) return { signal: caller, release: () => undefined };
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(caller?.reason);
  const timer = setTimeout(() => controller.abort(new DOMException('The attempt timed out.', 'TimeoutError')), timeoutInMs);
  if (caller?.aborted) controller.abort(caller.reason);
  else caller?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * One attempt over a `fetch` (the Graph client's `fetch` option): the body read whole, redirects not
 * followed (a 3xx is an answer, as on wif's own client), the per-attempt timeout a `TimeoutError`
 * from one timer cleared when the attempt ends, the caller's abort an abort.
 */
export function sendOverFetch(fetchImpl: typeof fetch): HttpSend {
  return async (request) => {
    const guard = attemptSignal(request.abortSignal, request.timeoutInMs ?? 0);
    try {
      const response = await fetchImpl(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        redirect: 'manual',
        signal: guard.signal ?? null,
      });
      const bodyText = await response.text();
      return {
        status: response.status,
        header: (name) => response.headers.get(name) ?? undefined,
        headerEntries: () => response.headers.entries(),
        bodyText,
      };
    } catch (error) {
      throw timeoutReasonOf(guard.signal) ?? error;
    } finally {
      guard.release();
    }
  };
}
