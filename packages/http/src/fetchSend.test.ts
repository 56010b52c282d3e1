import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attemptSignal } from './pipelineAdapter';
import { createTransport } from './transport';

// Moved from the Graph client's retry middleware (issue 10): the Graph client now sends through the
// shared transport, with a `fetch` option for tests (docs/decisions/026-graph-over-the-shared-transport.md).
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const credential = { getToken: async () => ({ token: 'test-token-0123456789', expiresOnTimestamp: Date.now() + 3_600_000 }) };

function overFetch(fetchImpl: typeof fetch, timeoutInMs = 60_000) {
  return createTransport({
    service: 'graph',
    baseUrl: 'https://graph.microsoft.com/v1.0',
    auth: { kind: 'bearer', credential, scope: 'https://graph.microsoft.com/.default', enableCae: false },
    requestIdHeader: 'client-request-id',
    retry: { maxRetries: 1, retryDelayInMs: 1, maxRetryDelayInMs: 1 },
    timeoutInMs,
    fetch: fetchImpl,
  });
}

describe('a transport over a fetch: the per-attempt timeout', () => {
  it('leaves no timer behind once an attempt has ended', async () => {
    const signals: (AbortSignal | null | undefined)[] = [];
    const transport = overFetch(async (_input, init) => {
      signals.push(init?.signal);
      return new Response('{}', { status: 200 });
    });
    for (let i = 0; i < 50; i++)
      expect((await transport.send({ method: 'GET', path: '/applications', operation: 'GET x' })).isOk()).toBe(true);
    expect(signals).toHaveLength(50);
    expect(vi.getTimerCount()).toBe(0);
    // The timeout no longer fires for requests that are over.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(signals.every((s) => s?.aborted === false)).toBe(true);
  });

  it('fails a hanging attempt with a retryable timeout, retries it, then reports Network', async () => {
    let calls = 0;
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        calls++;
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error));
      });
    const pending = overFetch(hanging, 1_000).send({ method: 'GET', path: '/applications', operation: 'GET x' });
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(calls).toBe(2);
    const e = (await pending)._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'Network', code: 'Timeout', retryable: true });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends the request id as client-request-id, the same on every attempt, and the token only in Authorization', async () => {
    vi.useRealTimers(); // the Retry-After: 0 sleep runs on the real clock
    const seen: Record<string, string>[] = [];
    let calls = 0;
    const transport = overFetch(async (_input, init) => {
      seen.push({ ...(init?.headers as Record<string, string>) });
      return ++calls === 1
        ? new Response('{"error":{"code":"TooManyRequests","message":"later"}}', { status: 429, headers: { 'retry-after': '0' } })
        : new Response('{}', { status: 200 });
    });
    expect((await transport.send({ method: 'GET', path: '/applications', operation: 'GET x' })).isOk()).toBe(true);
    expect(seen).toHaveLength(2);
    expect(seen[0]!['client-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]!['client-request-id']).toBe(seen[0]!['client-request-id']);
    expect(seen[0]!['x-ms-client-request-id']).toBeUndefined();
    expect(seen[0]!['Authorization']).toBe('Bearer test-token-0123456789');
  });
});

describe('attemptSignal', () => {
  it('aborts a hanging attempt with a TimeoutError after timeoutInMs, and follows the caller', () => {
    const caller = new AbortController();
    const hanging = attemptSignal(caller.signal, 1_000);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(999);
    expect(hanging.signal?.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(hanging.signal?.aborted).toBe(true);
    expect((hanging.signal?.reason as Error).name).toBe('TimeoutError');

    const followed = attemptSignal(caller.signal, 1_000);
    caller.abort();
    expect(followed.signal?.aborted).toBe(true);
    followed.release();
    expect(vi.getTimerCount()).toBe(0);
  });
});
