/**
 * A `fetch` over wif's keep-alive Node HTTP client (or any core-rest-pipeline `HttpClient`), for
 * code that speaks `fetch`: keep-alive connection reuse (Node's built-in fetch opens a new
 * connection when a request follows the previous response in the same tick — every request of a
 * sequential workflow, a TLS handshake each against the real service), the same proxy settings
 * (`HTTPS_PROXY`) and decompression as the transport.
 */
import type { HttpClient } from '@azure/core-rest-pipeline';
import { createNodeHttpClient, type NodeHttpClient, timeoutReasonOf } from './nodeHttp';
import { type HttpSend, sendOverHttpClient, sendOverNodeClient } from './pipelineAdapter';

function isNodeHttpClient(client: HttpClient | NodeHttpClient): client is NodeHttpClient {
  return typeof (client as Partial<NodeHttpClient>).send === 'function';
}

/**
 * Builds a `fetch` that sends through `httpClient`: wif's Node client by default; any
 * core-rest-pipeline `HttpClient` (such as `trustingHttpClient(ca)`) or a {@link NodeHttpClient}.
 */
export function fetchOverHttpClient(httpClient?: HttpClient | NodeHttpClient): typeof fetch {
  const send: HttpSend =
    httpClient === undefined
      ? sendOverNodeClient(createNodeHttpClient())
      : isNodeHttpClient(httpClient)
        ? sendOverNodeClient(httpClient)
        : sendOverHttpClient(httpClient, true);
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? request?.headers).forEach((value, name) => (headers[name] = value));
    const rawBody = init?.body ?? (request && method !== 'GET' && method !== 'HEAD' ? await request.text() : undefined);
    const body =
      rawBody === undefined || rawBody === null ? undefined : typeof rawBody === 'string' ? rawBody : await new Response(rawBody).text();
    const signal = init?.signal ?? request?.signal ?? undefined;
    let answer;
    try {
      answer = await send({ url, method, headers, body, abortSignal: signal });
    } catch (error) {
      throw timeoutReasonOf(signal) ?? error;
    }
    const empty = answer.status === 204 || answer.status === 304 || method === 'HEAD';
    const responseHeaders = new Headers();
    for (const [name, value] of answer.headerEntries()) responseHeaders.append(name, value);
    return new Response(empty ? null : answer.bodyText, { status: answer.status, headers: responseHeaders });
  };
}
