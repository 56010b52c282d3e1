/** Test setup shared by the contract tests of this package: the MSW server and a client. */
import { createTestCredential, type DevopsContractOptions, devopsContractHandlers, type TestCredential } from '@wif/testing';
import { setupServer, type SetupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createDevOpsClient, type DevOpsClient, type DevOpsClientOptions } from '../src/client';

export const ORG = 'fabrikam';
/** Fast, bounded backoff so retry tests take milliseconds. */
export const FAST_RETRY = { retryDelayInMs: 1, maxRetryDelayInMs: 5 } as const;

/** What a test needs to assert on the request shape. */
export interface SeenRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  /** Filled in as soon as the body has been read (before the response reaches the client). */
  body: string;
}

/**
 * Starts the contract handlers for the file (`onUnhandledFrame: 'error'`) and records every request,
 * cleared after each test.
 */
export function useContractServer(options: DevopsContractOptions = {}): { server: SetupServer; seen: SeenRequest[] } {
  const server = setupServer(...devopsContractHandlers(options));
  const seen: SeenRequest[] = [];
  beforeAll(() => {
    server.listen({ onUnhandledFrame: 'error' });
    server.events.on('request:start', ({ request }) => {
      const entry: SeenRequest = { method: request.method, url: new URL(request.url), headers: request.headers, body: '' };
      seen.push(entry);
      void request
        .clone()
        .text()
        .then((text) => {
          entry.body = text;
        });
    });
  });
  afterEach(() => {
    server.resetHandlers();
    seen.length = 0;
  });
  afterAll(() => server.close());
  return { server, seen };
}

/** A client for {@link ORG} with a fresh test credential. */
export function testClient(overrides: Partial<DevOpsClientOptions> = {}): { client: DevOpsClient; credential: TestCredential } {
  const credential = createTestCredential();
  return { client: createDevOpsClient({ organization: ORG, credential, retry: FAST_RETRY, ...overrides }), credential };
}
