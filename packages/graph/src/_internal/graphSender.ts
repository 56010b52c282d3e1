/**
 * A `Sender` (see `@wif/http`) over the Microsoft Graph client: every request goes through
 * `Client.api()` with `ResponseType.RAW`, so the raw `Response` comes back for every status and the
 * shared transport maps errors and parses bodies.
 */
import { randomUUID } from 'node:crypto';
import { type Client, GraphClientError, type GraphRequest, type Middleware, ResponseType } from '@microsoft/microsoft-graph-client';
import type { Sender, SenderRequest } from '@wif/http';
import { authenticationOptions } from './authentication';

/**
 * The first middleware of the chain. `GraphRequest` turns anything thrown inside the chain into a
 * `GraphError`, losing its name (`AbortError`, `WifAuthenticationError`, `TimeoutError`) and code;
 * only a `GraphClientError` passes through untouched, so the original error rides inside one.
 */
export function preserveErrors(): Middleware {
  let next: Middleware | undefined;
  return {
    setNext(middleware: Middleware): void {
      next = middleware;
    },
    async execute(context): Promise<void> {
      try {
        await next?.execute(context);
      } catch (error) {
        const carrier = new GraphClientError();
        carrier.customError = error;
        throw carrier;
      }
    },
  };
}

function unwrap(error: unknown): unknown {
  return error instanceof GraphClientError && error.customError !== undefined ? error.customError : error;
}

export function graphSender(client: Client, userAgent: string): Sender {
  return async (req) => {
    // Only path and query are taken from the URL: the Graph client is configured with the base
    // URL's origin, so a request can never leave that host (transportFromSender also refuses
    // next links to other origins).
    const url = new URL(req.url);
    let request = client
      .api(url.pathname)
      .headers({ ...req.headers, 'User-Agent': userAgent, 'client-request-id': randomUUID() })
      .responseType(ResponseType.RAW)
      .middlewareOptions([authenticationOptions(req.abortSignal)]);
    // The query goes in separately: GraphRequest re-parses any path containing "https://".
    if (url.search) request = request.query(url.search);
    if (req.abortSignal) request = request.option('signal', req.abortSignal);
    let response: Response;
    try {
      response = (await dispatch(request, req)) as Response;
    } catch (error) {
      throw unwrap(error);
    }
    const text = await response.text();
    return {
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      bodyText: text === '' ? undefined : text,
    };
  };
}

function dispatch(request: GraphRequest, req: SenderRequest): Promise<unknown> {
  switch (req.method) {
    case 'GET':
      return request.get();
    case 'POST':
      return request.post(req.body);
    case 'PATCH':
      return request.patch(req.body);
    case 'PUT':
      return request.put(req.body);
    case 'DELETE':
      return request.delete();
    default:
      return Promise.reject(new TypeError(`The Graph client does not send ${req.method} requests.`));
  }
}
