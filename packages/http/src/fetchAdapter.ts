/**
 * A `fetch` over core-rest-pipeline's Node HTTP client, so that Graph traffic (which the Graph SDK
 * sends through `fetch`) shares the HTTP stack of ARM and Azure DevOps: keep-alive connection reuse
 * (Node's built-in fetch opens a new connection when a request follows the previous response in the
 * same tick — every request of a sequential workflow, a TLS handshake each against the real
 * service), the same proxy settings (`HTTPS_PROXY`), and the same decompression.
 */
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
  type HttpMethods,
} from '@azure/core-rest-pipeline';

/** Builds a `fetch` that sends through `httpClient` (default: core-rest-pipeline's keep-alive client). */
export function fetchOverHttpClient(httpClient: HttpClient = createDefaultHttpClient()): typeof fetch {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase() as HttpMethods;
    const headers = createHttpHeaders();
    new Headers(init?.headers ?? request?.headers).forEach((value, name) => headers.set(name, value));
    const rawBody = init?.body ?? (request && method !== 'GET' && method !== 'HEAD' ? await request.text() : undefined);
    const body =
      rawBody === undefined || rawBody === null ? undefined : typeof rawBody === 'string' ? rawBody : await new Response(rawBody).text();
    const signal = init?.signal ?? request?.signal ?? undefined;
    let response;
    try {
      response = await httpClient.sendRequest(
        createPipelineRequest({
          url,
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
          ...(signal ? { abortSignal: signal } : {}),
          allowInsecureConnection: url.startsWith('http:'),
        }),
      );
    } catch (error) {
      // A per-attempt timeout (AbortSignal.timeout) must stay a TimeoutError, as fetch reports it:
      // it is retryable, unlike the caller's abort.
      const reason: unknown = signal?.aborted ? signal.reason : undefined;
      if (reason instanceof Error && reason.name === 'TimeoutError') throw reason;
      throw error;
    }
    const responseHeaders = new Headers();
    for (const [name, value] of response.headers) responseHeaders.set(name, value);
    const empty = response.status === 204 || response.status === 304 || method === 'HEAD';
    return new Response(empty ? null : (response.bodyAsText ?? ''), { status: response.status, headers: responseHeaders });
  };
}
