import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { DEFAULT_RETRY } from '@wif/http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attemptSignal, retryMiddleware } from './retryMiddleware';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A next middleware that answers 200 and records the signal each attempt was given. */
function answering(signals: (AbortSignal | null | undefined)[]): Middleware {
  return {
    setNext: () => undefined,
    execute: async (context: Context) => {
      signals.push(context.options?.signal);
      context.response = new Response('{}', { status: 200 });
    },
  };
}

describe('retryMiddleware per-attempt timeout', () => {
  it('leaves no timer behind once an attempt has ended', async () => {
    const signals: (AbortSignal | null | undefined)[] = [];
    const middleware = retryMiddleware({ retry: DEFAULT_RETRY, timeoutInMs: 60_000 });
    middleware.setNext?.(answering(signals));
    for (let i = 0; i < 50; i++)
      await middleware.execute({ request: 'https://graph.microsoft.com/v1.0/applications', options: {} } as Context);
    expect(signals).toHaveLength(50);
    expect(vi.getTimerCount()).toBe(0);
    // The timeout no longer fires for requests that are over.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(signals.every((s) => s?.aborted === false)).toBe(true);
  });

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
