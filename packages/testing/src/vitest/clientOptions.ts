/** What the harnesses hand a client factory (`createClients`, `createGraphClient`, …). */
import { createTestCredential, type TestCredential } from '../credential';

/** Fast, bounded backoff so retry tests take milliseconds. */
export const FAST_RETRY = { retryDelayInMs: 1, maxRetryDelayInMs: 5 } as const;

/** Retry knobs a test may set (the shape of `@wif/http`'s `RetryOptions`). */
export interface TestRetryOptions {
  readonly maxRetries?: number;
  readonly retryDelayInMs?: number;
  readonly maxRetryDelayInMs?: number;
  readonly maxRetryAfterInMs?: number;
}

/**
 * Options that every wif client factory accepts: a test credential, the organization (Azure DevOps
 * and `createClients` read it, the others ignore it) and {@link FAST_RETRY}.
 */
export interface TestClientOptions {
  readonly credential: TestCredential;
  readonly organization: string;
  readonly retry: TestRetryOptions;
}

/** A fresh test credential, `organization` and {@link FAST_RETRY}, with `overrides` on top. */
export function testClientOptions(organization: string, overrides: Partial<TestClientOptions> = {}): TestClientOptions {
  return { credential: createTestCredential(), organization, retry: FAST_RETRY, ...overrides };
}
