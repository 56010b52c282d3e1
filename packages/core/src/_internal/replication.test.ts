import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { describe, expect, it, vi } from 'vitest';
import { retryThroughReplication } from './replication';

type E = { kind: 'NotFound' | 'Forbidden' };

/** An attempt that fails with `errors` in turn, then succeeds with the attempt number. */
function script(errors: E[]): { attempt: () => ResultAsync<number, E>; calls: () => number } {
  let n = 0;
  return {
    attempt: () => {
      const e = errors[n++];
      return e ? errAsync(e) : okAsync(n);
    },
    calls: () => n,
  };
}

const isNotFound = (e: E): boolean => e.kind === 'NotFound';
const fast = { delayInMs: 1, maxDelayInMs: 2 };

describe('retryThroughReplication', () => {
  it('retries only the errors the predicate accepts, until the attempt succeeds', async () => {
    const s = script([{ kind: 'NotFound' }, { kind: 'NotFound' }]);
    const r = await retryThroughReplication(s.attempt, isNotFound, fast, undefined);
    expect(r._unsafeUnwrap()).toBe(3);
    expect(s.calls()).toBe(3);
  });

  it('returns any other error at once', async () => {
    const s = script([{ kind: 'Forbidden' }]);
    const r = await retryThroughReplication(s.attempt, isNotFound, fast, undefined);
    expect(r._unsafeUnwrapErr()).toEqual({ kind: 'Forbidden' });
    expect(s.calls()).toBe(1);
  });

  it('stops after maxAttempts with the last error', async () => {
    const s = script(Array.from({ length: 10 }, () => ({ kind: 'NotFound' as const })));
    const r = await retryThroughReplication(s.attempt, isNotFound, { ...fast, maxAttempts: 4 }, undefined);
    expect(r._unsafeUnwrapErr()).toEqual({ kind: 'NotFound' });
    expect(s.calls()).toBe(4);
  });

  it('doubles the wait from delayInMs and caps it at maxDelayInMs', async () => {
    vi.useFakeTimers();
    try {
      const s = script(Array.from({ length: 4 }, () => ({ kind: 'NotFound' as const })));
      const done = retryThroughReplication(s.attempt, isNotFound, { delayInMs: 20, maxDelayInMs: 40 }, undefined);
      // Attempts at 0, 20, 60, 100 and 140 ms (waits 20, 40, 40, 40); uncapped the fourth would wait until 140.
      await vi.advanceTimersByTimeAsync(19);
      expect(s.calls()).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(s.calls()).toBe(2);
      await vi.advanceTimersByTimeAsync(80);
      expect(s.calls()).toBe(4);
      await vi.advanceTimersByTimeAsync(40);
      expect((await done)._unsafeUnwrap()).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });

  it('returns Aborted without another attempt when the signal fires during a wait', async () => {
    const s = script(Array.from({ length: 10 }, () => ({ kind: 'NotFound' as const })));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    const r = await retryThroughReplication(s.attempt, isNotFound, { delayInMs: 10_000 }, controller.signal);
    expect(r._unsafeUnwrapErr().kind).toBe('Aborted');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(s.calls()).toBe(1);
  });

  it('returns Aborted before the first wait when the signal has already fired', async () => {
    const s = script([{ kind: 'NotFound' }]);
    const r = await retryThroughReplication(s.attempt, isNotFound, { delayInMs: 10_000 }, AbortSignal.abort());
    expect(r._unsafeUnwrapErr().kind).toBe('Aborted');
    expect(s.calls()).toBe(1);
  });
});
