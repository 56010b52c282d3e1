/**
 * `useContractServer(handlers)`: the MSW server of one test file, set up with one call.
 */
import type { RequestHandler } from 'msw';
import { setupServer, type SetupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { testClientOptions, type TestClientOptions } from './clientOptions';

/** One request as the server saw it, for assertions on its shape. */
export interface SeenRequest {
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The full URL, query included. */
  readonly url: URL;
  /** The request headers (the bearer token included: assert on them, never print them). */
  readonly headers: Headers;
  /** Filled in once a handler has read the body (the contract handlers and the fake read every body they take). */
  body: string;
}

/** What {@link useContractServer} returns. */
export interface ContractServer {
  /** The MSW server, for what the harness does not wrap (`resetHandlers(...)` to replace all handlers). */
  readonly server: SetupServer;
  /** The requests of the running test, in arrival order (emptied after each test). */
  readonly requests: readonly SeenRequest[];
  /** The URLs of {@link ContractServer.requests}, as strings (the same live array for the whole file). */
  readonly urls: readonly string[];
  /** Overrides for the running test, in front of the file's handlers (dropped after the test). */
  use(...handlers: RequestHandler[]): void;
  /** Client options with a fresh test credential and fast retries (organization `contoso` unless overridden). */
  clientOptions(overrides?: Partial<TestClientOptions>): TestClientOptions;
}

/**
 * Registers, for the calling test file, an MSW server with `handlers`: it listens before the first
 * test with `onUnhandledFrame: 'error'` (a request no handler answers fails the test), drops per-test
 * overrides and the request log after each test, and closes after the last one.
 *
 * Call it at the top level of a test file (or of a `describe`), never inside a test.
 *
 * @example
 * const api = useContractServer(graphContractHandlers());
 * const graph = createGraphClient(api.clientOptions());
 */
export function useContractServer(handlers: readonly RequestHandler[] = []): ContractServer {
  const server = setupServer(...handlers);
  const requests: SeenRequest[] = [];
  const urls: string[] = [];
  server.events.on('request:start', ({ request }) => {
    urls.push(request.url);
    const entry: SeenRequest = { method: request.method, url: new URL(request.url), headers: request.headers, body: '' };
    requests.push(entry);
    void request
      .clone()
      .text()
      .then((text) => {
        entry.body = text;
      });
  });
  beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
  afterEach(() => {
    server.resetHandlers();
    requests.length = 0;
    urls.length = 0;
  });
  afterAll(() => server.close());
  return {
    server,
    requests,
    urls,
    use: (...overrides) => server.use(...overrides),
    clientOptions: (overrides) => testClientOptions('contoso', overrides),
  };
}
