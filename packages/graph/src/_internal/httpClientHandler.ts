/**
 * The last middleware of the Graph chain by default: sends over core-rest-pipeline's Node HTTP client
 * (the stack ARM and Azure DevOps use: keep-alive, `HTTPS_PROXY`, decompression) and hands the chain
 * a small response object instead of a WHATWG `Response`. Building a `Response` (and the `Headers`
 * around it) loads Node's fetch implementation and its web streams at the first Graph request and
 * costs CPU on every one; nothing in the chain needs more than status, headers and the body text
 * (docs/decisions/018-compile-cache-and-lean-graph-path.md). A `fetch` given in the
 * options still goes through `fetch`, as before.
 */
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
  type HttpMethods,
} from '@azure/core-rest-pipeline';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { fetchOverHttpClient } from '@wif/http';

/** What the Graph chain and the sender read of a response: a subset of `Response`, body already read. */
class TextResponse {
  readonly ok: boolean;
  /** The body is read before the chain sees the response: there is no stream to cancel or lock. */
  readonly body = null;
  constructor(
    readonly status: number,
    readonly headers: { get(name: string): string | null },
    private readonly bodyText: string,
  ) {
    this.ok = status >= 200 && status < 300;
  }
  text(): Promise<string> {
    return Promise.resolve(this.bodyText);
  }
  json(): Promise<unknown> {
    return Promise.resolve(JSON.parse(this.bodyText) as unknown);
  }
  clone(): TextResponse {
    return new TextResponse(this.status, this.headers, this.bodyText);
  }
}

export function httpClientHandler(httpClient: HttpClient = createDefaultHttpClient()): Middleware {
  // Anything but a URL string with plain headers and a string body (never sent by this package's
  // sender) goes the long way, through the fetch adapter over the same HTTP client.
  const viaFetch = fetchOverHttpClient(httpClient);
  return {
    async execute(context: Context): Promise<void> {
      const init = context.options ?? {};
      const request = context.request as unknown;
      const plainHeaders = init.headers === undefined || Object.getPrototypeOf(init.headers) === Object.prototype;
      const body: unknown = init.body;
      if (typeof request !== 'string' || !plainHeaders || (body !== undefined && body !== null && typeof body !== 'string')) {
        context.response = await viaFetch(context.request as string | Request, init);
        return;
      }
      const method = (init.method ?? 'GET').toUpperCase() as HttpMethods;
      const headers = createHttpHeaders();
      for (const [name, value] of Object.entries((init.headers ?? {}) as Record<string, unknown>)) headers.set(name, String(value));
      const signal = init.signal ?? undefined;
      let response;
      try {
        response = await httpClient.sendRequest(
          createPipelineRequest({
            url: request,
            method,
            headers,
            ...(typeof body === 'string' ? { body } : {}),
            ...(signal ? { abortSignal: signal } : {}),
            allowInsecureConnection: request.startsWith('http:'),
          }),
        );
      } catch (error) {
        // A per-attempt timeout must stay a TimeoutError (retryable), as with fetch; the caller's abort stays an abort.
        const reason: unknown = signal?.aborted ? signal.reason : undefined;
        if (reason instanceof Error && reason.name === 'TimeoutError') throw reason;
        throw error;
      }
      const empty = response.status === 204 || response.status === 304 || method === 'HEAD';
      const received = response.headers;
      context.response = new TextResponse(
        response.status,
        { get: (name) => received.get(name) ?? null },
        empty ? '' : (response.bodyAsText ?? ''),
      ) as unknown as Response;
    },
  };
}
