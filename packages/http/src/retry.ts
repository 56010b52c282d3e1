/**
 * Retry decisions, written once for every service (ARM and Azure DevOps through a core-rest-pipeline
 * policy, Graph through a Graph client middleware).
 *
 * Retried: 408, 429, 500, 502, 503, 504 and connection failures, honouring `Retry-After`
 * (seconds or an HTTP date), `retry-after-ms` and `x-ms-retry-after-ms`. Never retried: other 4xx,
 * and any answer a service-specific classifier marks as permanent (Azure DevOps answers a duplicate
 * connection name with HTTP 500 `DuplicateServiceConnectionException`).
 */

/** Bounded-backoff settings. All durations in milliseconds. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 4. */
  readonly maxRetries?: number;
  /** First backoff delay; doubles each retry (with full jitter). Default 800. */
  readonly retryDelayInMs?: number;
  /** Ceiling for one computed backoff delay. Default 30 000. */
  readonly maxRetryDelayInMs?: number;
  /**
   * The longest `Retry-After` we will sleep for. A longer one ends the retries and the caller gets a
   * `Throttled` error carrying `retryAfterInMs`. Default 60 000.
   */
  readonly maxRetryAfterInMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxRetries: 4,
  retryDelayInMs: 800,
  maxRetryDelayInMs: 30_000,
  maxRetryAfterInMs: 60_000,
};

/** Fills defaults and clamps nonsense values (negative counts, NaN). */
export function resolveRetryOptions(options: RetryOptions | undefined): Required<RetryOptions> {
  const pick = (v: number | undefined, d: number, max: number): number =>
    v === undefined || !Number.isFinite(v) || v < 0 ? d : Math.min(v, max);
  return {
    maxRetries: Math.floor(pick(options?.maxRetries, DEFAULT_RETRY.maxRetries, 20)),
    retryDelayInMs: pick(options?.retryDelayInMs, DEFAULT_RETRY.retryDelayInMs, 600_000),
    maxRetryDelayInMs: pick(options?.maxRetryDelayInMs, DEFAULT_RETRY.maxRetryDelayInMs, 600_000),
    maxRetryAfterInMs: pick(options?.maxRetryAfterInMs, DEFAULT_RETRY.maxRetryAfterInMs, 3_600_000),
  };
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Whether an HTTP status is, in general, worth retrying. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

/** A header lookup, so this works on fetch `Headers` and core-rest-pipeline `HttpHeaders` alike. */
export type HeaderGetter = (name: string) => string | null | undefined;

/**
 * Reads how long the service asked us to wait, in milliseconds, or `undefined` if it did not say.
 * `now` is injectable for tests of the HTTP-date form.
 */
export function parseRetryAfter(get: HeaderGetter, now: number = Date.now()): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = get(name);
    if (v != null && v.trim() !== '') {
      const ms = Number(v);
      if (Number.isFinite(ms) && ms >= 0) return ms;
    }
  }
  const ra = get('retry-after');
  if (ra == null || ra.trim() === '') return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(ra);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)]. */
export function backoffDelay(attempt: number, options: Required<RetryOptions>, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxRetryDelayInMs, options.retryDelayInMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

/** What to do after one attempt. */
export type RetryDecision = { readonly retry: false } | { readonly retry: true; readonly delayInMs: number };

/**
 * Decides whether to retry after `attempt` (0-based) answered `status`.
 * `permanent` lets a service say an otherwise retryable status is final (read from its error body).
 */
export function decideRetry(input: {
  status: number;
  headers: HeaderGetter;
  attempt: number;
  options: Required<RetryOptions>;
  permanent?: boolean;
  random?: () => number;
}): RetryDecision {
  const { status, attempt, options } = input;
  if (attempt >= options.maxRetries) return { retry: false };
  if (!isRetryableStatus(status) || input.permanent === true) return { retry: false };
  const asked = parseRetryAfter(input.headers);
  if (asked !== undefined) {
    if (asked > options.maxRetryAfterInMs) return { retry: false };
    return { retry: true, delayInMs: asked };
  }
  return { retry: true, delayInMs: backoffDelay(attempt, options, input.random) };
}

/** Connection-level failures worth another attempt (Node error codes). */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'REQUEST_SEND_ERROR',
]);

/** Whether a thrown transport error is a connection failure that may succeed on retry. */
export function isRetryableNetworkError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  if (isAbortError(error)) return false;
  const e = error as { code?: unknown; cause?: unknown; name?: unknown };
  if (typeof e.code === 'string' && RETRYABLE_NETWORK_CODES.has(e.code)) return true;
  if (e.name === 'TimeoutError') return true;
  if (e.cause && e.cause !== error && isRetryableNetworkError(e.cause)) return true;
  // fetch() reports every connection failure as a TypeError('fetch failed') with the cause attached.
  return e.name === 'TypeError' && /fetch failed|network/i.test((error as Error).message);
}

/** Whether an error is the result of an abort signal. */
export function isAbortError(error: unknown): boolean {
  return !!error && typeof error === 'object' && (error as { name?: unknown }).name === 'AbortError';
}

/** Sleeps `ms`, ending early (rejecting with an `AbortError`) when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignalLikeMinimal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The subset of `AbortSignal` we use (compatible with `@azure/abort-controller`'s `AbortSignalLike`). */
export interface AbortSignalLikeMinimal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export function abortError(): Error {
  const e = new Error('The operation was aborted.');
  e.name = 'AbortError';
  return e;
}
