/**
 * Retry decisions (retry.ts) and the retry policy that applies them, on a fake clock: the service's
 * `Retry-After` is honoured, backoff is bounded, a 400 is never retried, and an abort ends the wait.
 */
import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTransport } from './index';
import {
  backoffDelay,
  decideRetry,
  DEFAULT_RETRY,
  isAbortError,
  isRetryableNetworkError,
  isRetryableStatus,
  parseRetryAfter,
  resolveRetryOptions,
  sleep,
} from './retry';

const headers =
  (h: Record<string, string>) =>
  (name: string): string | undefined =>
    h[name];
const options = resolveRetryOptions({ maxRetries: 3, retryDelayInMs: 100, maxRetryDelayInMs: 400, maxRetryAfterInMs: 10_000 });

describe('parseRetryAfter', () => {
  it('reads seconds, milliseconds and an HTTP date (against the given clock)', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '7' }))).toBe(7_000);
    expect(parseRetryAfter(headers({ 'retry-after': '0.5' }))).toBe(500);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '1500' }))).toBe(1_500);
    expect(parseRetryAfter(headers({ 'x-ms-retry-after-ms': '250' }))).toBe(250);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now)).toBe(30_000);
  });

  it('prefers the millisecond headers over Retry-After', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '60', 'retry-after-ms': '20' }))).toBe(20);
  });

  it('never answers a negative wait, and ignores what it cannot read', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '-5' }))).toBe(0);
    expect(parseRetryAfter(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:00 GMT' }), Date.parse('2026-06-01T00:00:00Z'))).toBe(0);
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after-ms': 'x', 'retry-after': '' }))).toBeUndefined();
    expect(parseRetryAfter(headers({}))).toBeUndefined();
  });
});

describe('decideRetry', () => {
  it.each([400, 401, 403, 404, 409, 412])('never retries %i, even when the answer carries Retry-After', (status) => {
    expect(decideRetry({ status, headers: headers({ 'retry-after': '1' }), attempt: 0, options })).toEqual({ retry: false });
  });

  it.each([408, 429, 500, 502, 503, 504])('retries %i', (status) => {
    expect(isRetryableStatus(status)).toBe(true);
    expect(decideRetry({ status, headers: headers({}), attempt: 0, options, random: () => 1 })).toEqual({ retry: true, delayInMs: 100 });
  });

  it('waits exactly what Retry-After asks, instead of the backoff', () => {
    expect(decideRetry({ status: 429, headers: headers({ 'retry-after': '3' }), attempt: 2, options, random: () => 0 })).toEqual({
      retry: true,
      delayInMs: 3_000,
    });
  });

  it('gives up when Retry-After asks for longer than maxRetryAfterInMs', () => {
    expect(decideRetry({ status: 429, headers: headers({ 'retry-after': '11' }), attempt: 0, options })).toEqual({ retry: false });
    expect(decideRetry({ status: 429, headers: headers({ 'retry-after': '10' }), attempt: 0, options })).toEqual({
      retry: true,
      delayInMs: 10_000,
    });
  });

  it('stops after maxRetries attempts', () => {
    expect(decideRetry({ status: 503, headers: headers({}), attempt: 2, options, random: () => 1 }).retry).toBe(true);
    expect(decideRetry({ status: 503, headers: headers({}), attempt: 3, options, random: () => 1 })).toEqual({ retry: false });
  });

  it('does not retry an answer the service marks permanent (a 500 DuplicateServiceConnectionException)', () => {
    expect(decideRetry({ status: 500, headers: headers({}), attempt: 0, options, permanent: true })).toEqual({ retry: false });
  });
});

describe('backoffDelay', () => {
  it('doubles from retryDelayInMs and never exceeds maxRetryDelayInMs', () => {
    const top = [0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, options, () => 1));
    expect(top).toEqual([100, 200, 400, 400, 400, 400]);
  });

  it('is full jitter: anywhere from 0 to the ceiling', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(1, options, () => 0.5)).toBe(100);
  });
});

describe('resolveRetryOptions', () => {
  it('fills defaults and clamps nonsense', () => {
    expect(resolveRetryOptions(undefined)).toEqual(DEFAULT_RETRY);
    expect(resolveRetryOptions({ maxRetries: -1, retryDelayInMs: Number.NaN })).toMatchObject({
      maxRetries: DEFAULT_RETRY.maxRetries,
      retryDelayInMs: DEFAULT_RETRY.retryDelayInMs,
    });
    expect(resolveRetryOptions({ maxRetries: 1_000, maxRetryAfterInMs: Number.POSITIVE_INFINITY })).toMatchObject({
      maxRetries: 20,
      maxRetryAfterInMs: DEFAULT_RETRY.maxRetryAfterInMs,
    });
    expect(resolveRetryOptions({ maxRetries: 2.7 }).maxRetries).toBe(2);
  });
});

describe('isRetryableNetworkError', () => {
  const withCode = (code: string): Error => Object.assign(new Error(code), { code });

  it('retries connection failures, found anywhere in the cause chain', () => {
    expect(isRetryableNetworkError(withCode('ECONNRESET'))).toBe(true);
    expect(isRetryableNetworkError(new TypeError('fetch failed', { cause: withCode('UND_ERR_SOCKET') }))).toBe(true);
    expect(isRetryableNetworkError(new Error('outer', { cause: new Error('middle', { cause: withCode('ETIMEDOUT') }) }))).toBe(true);
  });

  it('does not retry an abort, a programming error or an unknown code', () => {
    const abort = Object.assign(new Error('aborted', { cause: withCode('ECONNRESET') }), { name: 'AbortError' });
    expect(isAbortError(abort)).toBe(true);
    expect(isRetryableNetworkError(abort)).toBe(false);
    expect(isRetryableNetworkError(new RangeError('bad index'))).toBe(false);
    expect(isRetryableNetworkError(withCode('ERR_INVALID_ARG_TYPE'))).toBe(false);
    expect(isRetryableNetworkError(undefined)).toBe(false);
  });

  it('ends on a cause that points at itself', () => {
    const loop = new Error('loop') as Error & { cause?: unknown };
    loop.cause = loop;
    expect(isRetryableNetworkError(loop)).toBe(false);
  });
});

describe('on a fake clock', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('sleep resolves when its time is up, not a millisecond before', async () => {
    let done = false;
    const p = sleep(1_000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it('sleep ends early with an AbortError when its signal fires, and at once when it already has', async () => {
    const controller = new AbortController();
    const p = sleep(60_000, controller.signal);
    const seen = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    expect(isAbortError(await seen)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await expect(sleep(5, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  /** An HTTP client that answers each request from `answers` in turn (the last one repeats), noting when. */
  function scripted(answers: Array<{ status: number; headers?: Record<string, string>; body?: string }>): {
    client: HttpClient;
    calls: number[];
  } {
    const calls: number[] = [];
    const client: HttpClient = {
      async sendRequest(request: PipelineRequest) {
        calls.push(Date.now());
        const a = answers[Math.min(calls.length - 1, answers.length - 1)]!;
        return {
          request,
          status: a.status,
          headers: createHttpHeaders({ 'content-type': 'application/json', ...a.headers }),
          bodyAsText: a.body ?? '{}',
        };
      },
    };
    return { client, calls };
  }

  const transport = (client: HttpClient) =>
    createTransport({
      service: 'arm',
      baseUrl: 'https://management.azure.com',
      auth: { kind: 'none' },
      retry: { maxRetries: 3, retryDelayInMs: 100, maxRetryDelayInMs: 400, maxRetryAfterInMs: 10_000 },
      httpClient: client,
    });

  it('sends a 400 once, even with Retry-After, and returns BadRequest', async () => {
    const { client, calls } = scripted([
      { status: 400, headers: { 'retry-after': '1' }, body: '{"error":{"code":"InvalidRequestContent","message":"bad"}}' },
    ]);
    const pending = transport(client).send({ method: 'PUT', path: '/x', operation: 'PUT x' });
    await vi.advanceTimersByTimeAsync(60_000);
    const result = await pending;
    expect(calls).toHaveLength(1);
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', status: 400, retryable: false });
  });

  it('backs off within its bounds on 503 and stops after maxRetries', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const { client, calls } = scripted([{ status: 503 }]);
    const start = Date.now();
    const pending = transport(client).send({ method: 'GET', path: '/x', operation: 'GET x' });
    await vi.advanceTimersByTimeAsync(60_000);
    const result = await pending;
    // 1 + maxRetries attempts; the waits double from 100 ms and stop at the 400 ms ceiling.
    expect(calls.map((t) => t - start)).toEqual([0, 100, 300, 700]);
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'ServiceUnavailable', status: 503 });
  });

  it('honours Retry-After, then succeeds', async () => {
    const { client, calls } = scripted([{ status: 429, headers: { 'retry-after': '2' } }, { status: 200 }]);
    const start = Date.now();
    const pending = transport(client).send({ method: 'GET', path: '/x', operation: 'GET x' });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).isOk()).toBe(true);
    expect(calls.map((t) => t - start)).toEqual([0, 2_000]);
  });

  it('does not wait out a Retry-After longer than maxRetryAfterInMs: Throttled, with how long was asked', async () => {
    const { client, calls } = scripted([{ status: 429, headers: { 'retry-after': '30' } }]);
    const pending = transport(client).send({ method: 'GET', path: '/x', operation: 'GET x' });
    await vi.advanceTimersByTimeAsync(0);
    const result = await pending;
    expect(calls).toHaveLength(1);
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'Throttled', retryAfterInMs: 30_000 });
  });

  it('an abort during the wait ends the request as Aborted, with no further attempt', async () => {
    const { client, calls } = scripted([{ status: 429, headers: { 'retry-after': '5' } }, { status: 200 }]);
    const controller = new AbortController();
    const pending = transport(client).send({ method: 'GET', path: '/x', operation: 'GET x', abortSignal: controller.signal });
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort();
    await vi.advanceTimersByTimeAsync(10_000);
    const result = await pending;
    expect(calls).toHaveLength(1);
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'Aborted' });
  });
});
