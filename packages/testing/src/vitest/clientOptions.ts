/** What the harnesses hand a client factory (`createClients`, `createGraphClient`, …). */
import { createTestCredential, type TestCredential } from '../credential';

/** Fast, bounded backoff so retry tests take milliseconds. */
export const FAST_RETRY = { retryDelayInMs: 1, maxRetryDelayInMs: 5 } as const;

/** Retry knobs a test may set (the shape of `@wif/http`'s `RetryOptions`). */
export interface TestRetryOptions {
  /** Retries after the first attempt. */
  readonly maxRetries?: number;
  /** First backoff delay. */
  readonly retryDelayInMs?: number;
  /** Ceiling of one backoff delay. */
  readonly maxRetryDelayInMs?: number;
  /** The longest `Retry-After` the client sleeps for. */
  readonly maxRetryAfterInMs?: number;
}

/**
 * Options that every wif client factory accepts: a test credential, the organization (Azure DevOps
 * and `createClients` read it, the others ignore it) and {@link FAST_RETRY}.
 */
export interface TestClientOptions {
  /** A test credential (tokens with the audience of the scope asked for). */
  readonly credential: TestCredential;
  /** The Azure DevOps organization (`contoso` unless the fake was given another). */
  readonly organization: string;
  /** {@link FAST_RETRY} unless the file asked for other retry options. */
  readonly retry: TestRetryOptions;
}

/** A fresh test credential, `organization` and {@link FAST_RETRY}, with `overrides` on top. */
export function testClientOptions(organization: string, overrides: Partial<TestClientOptions> = {}): TestClientOptions {
  return { credential: createTestCredential(), organization, retry: FAST_RETRY, ...overrides };
}
