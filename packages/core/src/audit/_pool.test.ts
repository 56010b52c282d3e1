import type { TransportError } from '@wif/http';
import { err, ok, type Result } from 'neverthrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdaptivePool } from './_pool';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const throttled: Result<never, TransportError> = err({
  kind: 'Throttled',
  service: 'graph',
  operation: 'GET application',
  status: 429,
  retryable: true,
  retryAfterInMs: 2_000,
  message: 'throttled',
});

describe('AdaptivePool', () => {
  it('halves its width on a throttled read, waits Retry-After, retries, and widens again by one per window of successes', async () => {
    const pool = new AdaptivePool({ max: 8 });
    let calls = 0;
    const once = pool.run(async () => (++calls === 1 ? throttled : ok('done')));
    await vi.advanceTimersByTimeAsync(0);
    expect(pool.width).toBe(4);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await once)._unsafeUnwrap()).toBe('done');
    // 1 success so far; 4 in a row widen to 5, then 5 more to 6.
    for (let i = 0; i < 3; i++) await pool.run(async () => ok(i));
    expect(pool.width).toBe(5);
    for (let i = 0; i < 5; i++) await pool.run(async () => ok(i));
    expect(pool.width).toBe(6);
  });

  it('never runs more than its width at once, and never narrows below one', async () => {
    const pool = new AdaptivePool({ max: 3, throttleRetries: 0 });
    let active = 0;
    let peak = 0;
    const slow = () =>
      pool.run(async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 10));
        active -= 1;
        return ok(1);
      });
    const all = Promise.all(Array.from({ length: 10 }, slow));
    await vi.advanceTimersByTimeAsync(100);
    await all;
    expect(peak).toBe(3);
    for (let i = 0; i < 5; i++) expect((await pool.run(async () => throttled)).isErr()).toBe(true);
    expect(pool.width).toBe(1);
    expect(pool.narrowed).toBe(5);
  });
});
