/**
 * The last middleware of the Graph chain by default: sends over wif's keep-alive Node HTTP client
 * (`createNodeHttpClient` of `@wif/http`, the client ARM and Azure DevOps use: keep-alive,
 * `HTTPS_PROXY`, decompression) and hands the chain a small response object instead of a WHATWG
 * `Response`. Building a `Response` (and the `Headers` around it) loads Node's fetch implementation
 * and its web streams at the first Graph request and costs CPU on every one; nothing in the chain
 * needs more than status, headers and the body text (docs/decisions/018-compile-cache-and-lean-graph-path.md,
 * docs/decisions/022-lean-transport.md). A `fetch` given in the options still goes through `fetch`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { createNodeHttpClient, fetchOverHttpClient, headerOf, type NodeHttpClient, timeoutReasonOf } from '@wif/http';

/** What the Graph chain and the sender read of a response: a subset of `Response`, body already read. */
class TextResponse {
  readonly ok: boolean;
  /** The body is read before the chain sees the response: there is no stream to cancel or lock. */
  readonly body = null;
  readonly headers: { get(name: string): string | null };
  constructor(
    readonly status: number,
    received: IncomingHttpHeaders,
    private readonly bodyText: string,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = { get: (name) => headerOf(received, name) ?? null };
  }
  text(): Promise<string> {
    return Promise.resolve(this.bodyText);
  }
  json(): Promise<unknown> {
    return Promise.resolve(JSON.parse(this.bodyText) as unknown);
  }
  clone(): this {
    return this;
  }
}

export function httpClientHandler(client: NodeHttpClient = createNodeHttpClient()): Middleware {
  // Anything but a URL string with plain headers and a string body (never sent by this package's
  // sender) goes the long way, through the fetch adapter over the same client.
  let viaFetch: typeof fetch | undefined;
  return {
    async execute(context: Context): Promise<void> {
      const init = context.options ?? {};
      const request = context.request as unknown;
      const plainHeaders = init.headers === undefined || Object.getPrototypeOf(init.headers) === Object.prototype;
      const body: unknown = init.body;
      if (typeof request !== 'string' || !plainHeaders || (body !== undefined && body !== null && typeof body !== 'string')) {
        viaFetch ??= fetchOverHttpClient(client);
        context.response = await viaFetch(context.request as string | Request, init);
        return;
      }
      const method = (init.method ?? 'GET').toUpperCase();
      // The retry middleware's per-attempt signal carries the timeout (one timer per attempt): no second one here.
      const signal = init.signal ?? undefined;
      let answer;
      try {
        answer = await client.send({
          url: request,
          method,
          headers: (init.headers ?? {}) as Record<string, string>,
          body: typeof body === 'string' ? body : undefined,
          abortSignal: signal,
        });
      } catch (error) {
        throw timeoutReasonOf(signal) ?? error;
      }
      context.response = new TextResponse(answer.status, answer.headers, answer.bodyText) as unknown as Response;
    },
  };
}
