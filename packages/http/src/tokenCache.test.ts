import type { AccessToken, GetTokenOptions } from '@azure/core-auth';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { claimsFromChallenge, createTokenCache, createTokenCaches } from './tokenCache';

const HOUR = 3_600_000;

/** A credential that answers after `delayInMs` with tok-1, tok-2, …, each valid for `lifetimeInMs`. */
function counting(lifetimeInMs = HOUR, delayInMs = 10) {
  const calls: GetTokenOptions[] = [];
  let n = 0;
  return {
    calls,
    credential: {
      getToken(_scope: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
        calls.push(options ?? {});
        const token = { token: `tok-${++n}-0123456789`, expiresOnTimestamp: Date.now() + lifetimeInMs };
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve(token), delayInMs);
          options?.abortSignal?.addEventListener('abort', () => {
            clearTimeout(timer);
            const e = new Error('aborted');
            e.name = 'AbortError';
            reject(e);
          });
        });
      },
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createTokenCache', () => {
  it('shares one getToken among concurrent callers, then serves the cached token', async () => {
    const { credential, calls } = counting();
    const cache = createTokenCache(credential, 's/.default');
    const all = Promise.all([cache.getToken(), cache.getToken(), cache.getToken()]);
    await vi.advanceTimersByTimeAsync(10);
    expect((await all).map((t) => t.token)).toEqual(['tok-1-0123456789', 'tok-1-0123456789', 'tok-1-0123456789']);
    expect((await cache.getToken()).token).toBe('tok-1-0123456789');
    expect(calls).toHaveLength(1);
  });

  it('refreshes in the background inside the refresh window, keeps serving the old token meanwhile', async () => {
    const { credential, calls } = counting(HOUR, 1_000);
    const cache = createTokenCache(credential, 's/.default');
    const first = cache.getToken();
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await first).token).toBe('tok-1-0123456789');
    // 1 minute before expiry: inside the 2-minute window, still usable.
    vi.setSystemTime(Date.now() + HOUR - 60_000);
    expect((await cache.getToken()).token).toBe('tok-1-0123456789');
    expect((await cache.getToken()).token).toBe('tok-1-0123456789');
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await cache.getToken()).token).toBe('tok-2-0123456789');
    expect(calls).toHaveLength(2);
  });

  it('current(): the token getToken would answer at once, the background refresh started the same way, else nothing', async () => {
    const { credential, calls } = counting(HOUR, 1_000);
    const cache = createTokenCache(credential, 's/.default');
    expect(cache.current()).toBeUndefined();
    const first = cache.getToken();
    expect(cache.current()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1_000);
    await first;
    expect(cache.current()?.token).toBe('tok-1-0123456789');
    expect(calls).toHaveLength(1);
    // Inside the refresh window: still the current token, and one refresh in the background.
    vi.setSystemTime(Date.now() + HOUR - 60_000);
    expect(cache.current()?.token).toBe('tok-1-0123456789');
    expect(cache.current()?.token).toBe('tok-1-0123456789');
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(cache.current()?.token).toBe('tok-2-0123456789');
    // Within 30 s of expiry: never handed out; getToken waits for a new one instead.
    vi.setSystemTime(Date.now() + HOUR - 20_000);
    expect(cache.current()).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it('honours refreshAfterTimestamp, and waits for a new token when the cached one is about to expire', async () => {
    let n = 0;
    const credential = {
      getToken: vi.fn(async (): Promise<AccessToken> => {
        n++;
        return { token: `t${n}-0123456789`, expiresOnTimestamp: Date.now() + HOUR, refreshAfterTimestamp: Date.now() + 10 * 60_000 };
      }),
    };
    const cache = createTokenCache(credential, 's/.default');
    expect((await cache.getToken()).token).toBe('t1-0123456789');
    vi.setSystemTime(Date.now() + 11 * 60_000);
    expect((await cache.getToken()).token).toBe('t1-0123456789'); // background refresh started
    await vi.advanceTimersByTimeAsync(0);
    expect((await cache.getToken()).token).toBe('t2-0123456789');
    vi.setSystemTime(Date.now() + HOUR - 10_000); // 10 s before t2 expires: not sent
    expect((await cache.getToken()).token).toBe('t3-0123456789');
    expect(credential.getToken).toHaveBeenCalledTimes(3);
  });

  it('aborts the shared getToken only when every waiting caller has aborted', async () => {
    const { credential, calls } = counting(HOUR, 1_000);
    const cache = createTokenCache(credential, 's/.default');
    const a = new AbortController();
    const b = new AbortController();
    const pa = cache.getToken({ abortSignal: a.signal });
    const pb = cache.getToken({ abortSignal: b.signal });
    a.abort();
    await expect(pa).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls[0]!.abortSignal!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await pb).token).toBe('tok-1-0123456789');

    const c = new AbortController();
    vi.setSystemTime(Date.now() + 2 * HOUR);
    const pc = cache.getToken({ abortSignal: c.signal });
    c.abort();
    await expect(pc).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls[1]!.abortSignal!.aborted).toBe(true);
  });

  it('asks for CAE tokens when told to, and for a new token with the claims of a challenge', async () => {
    const { credential, calls } = counting();
    const cache = createTokenCache(credential, 's/.default', { enableCae: true });
    const first = cache.getToken();
    await vi.advanceTimersByTimeAsync(10);
    await first;
    const second = cache.getToken({ claims: '{"access_token":{"nbf":{"essential":true}}}' });
    await vi.advanceTimersByTimeAsync(10);
    expect((await second).token).toBe('tok-2-0123456789');
    expect(calls.map((c) => [c.enableCae, c.claims])).toEqual([
      [true, undefined],
      [true, '{"access_token":{"nbf":{"essential":true}}}'],
    ]);
    expect((await cache.getToken()).token).toBe('tok-2-0123456789');
  });

  it('fails every waiting caller with the credential’s failure, and tries again on the next call', async () => {
    let fail = true;
    const credential = {
      getToken: vi.fn(async (): Promise<AccessToken> => {
        if (fail) throw new Error('AADSTS70043: expired');
        return { token: 'good-0123456789', expiresOnTimestamp: Date.now() + HOUR };
      }),
    };
    const cache = createTokenCache(credential, 's/.default');
    const results = await Promise.allSettled([cache.getToken(), cache.getToken()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ name: 'WifAuthenticationError' });
    fail = false;
    expect((await cache.getToken()).token).toBe('good-0123456789');
    expect(credential.getToken).toHaveBeenCalledTimes(2);
  });
});

describe('createTokenCaches', () => {
  it('gives one cache per credential, scope and CAE setting, so the credential is asked once for all who share it', async () => {
    const a = counting();
    const b = counting();
    const caches = createTokenCaches();
    const first = caches.cacheFor(a.credential, 's/.default', { enableCae: true });
    expect(caches.cacheFor(a.credential, 's/.default', { enableCae: true })).toBe(first);
    expect(caches.cacheFor(a.credential, 's/.default')).not.toBe(first);
    expect(caches.cacheFor(a.credential, 't/.default', { enableCae: true })).not.toBe(first);
    expect(caches.cacheFor(b.credential, 's/.default', { enableCae: true })).not.toBe(first);
    const both = Promise.all([first.getToken(), caches.cacheFor(a.credential, 's/.default', { enableCae: true }).getToken()]);
    await vi.advanceTimersByTimeAsync(10);
    expect(new Set((await both).map((t) => t.token)).size).toBe(1);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
  });

  it('prefetch asks each cache (of the scopes named) for a token at once; the requests then take it without asking again', async () => {
    const { credential, calls } = counting(HOUR, 500);
    const caches = createTokenCaches();
    const graph = caches.cacheFor(credential, 'graph/.default');
    const arm = caches.cacheFor(credential, 'arm/.default', { enableCae: true });
    const other = caches.cacheFor(credential, 'other/.default');
    caches.prefetch({ scopes: ['graph/.default', 'arm/.default'] });
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.enableCae === true)).toEqual([false, true]);
    await vi.advanceTimersByTimeAsync(500);
    expect(graph.current()?.token).toBe('tok-1-0123456789');
    expect(arm.current()?.token).toBe('tok-2-0123456789');
    expect(other.current()).toBeUndefined();
    await graph.getToken();
    caches.prefetch({ scopes: ['graph/.default'] });
    expect(calls).toHaveLength(2);
  });

  it('prefetch leaves no failure behind: nothing unhandled, and the next getToken asks the credential again', async () => {
    let n = 0;
    const credential = {
      getToken: (): Promise<AccessToken> =>
        ++n === 1
          ? Promise.reject(new Error('not signed in'))
          : Promise.resolve({ token: 'tok-later-0123456789', expiresOnTimestamp: Date.now() + HOUR }),
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => {
      unhandled.push(e);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const caches = createTokenCaches();
      const cache = caches.cacheFor(credential, 's/.default');
      caches.prefetch();
      await vi.advanceTimersByTimeAsync(0);
      expect(cache.current()).toBeUndefined();
      expect((await cache.getToken()).token).toBe('tok-later-0123456789');
      expect(n).toBe(2);
      await vi.advanceTimersByTimeAsync(0);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('prefetch is withdrawn by its abort signal when nobody else waits for the token', async () => {
    const { credential, calls } = counting(HOUR, 1_000);
    const caches = createTokenCaches();
    caches.cacheFor(credential, 's/.default');
    const controller = new AbortController();
    caches.prefetch({ abortSignal: controller.signal });
    expect(calls).toHaveLength(1);
    controller.abort();
    expect(calls[0]!.abortSignal?.aborted).toBe(true);
  });
});

describe('claimsFromChallenge', () => {
  it('decodes the claims of an insufficient_claims challenge and ignores anything else', () => {
    const claims = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}';
    const header = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${btoa(claims)}"`;
    expect(claimsFromChallenge(header)).toBe(claims);
    expect(claimsFromChallenge('Bearer authorization_uri="https://login.microsoftonline.com/x", error="invalid_token"')).toBeUndefined();
    expect(claimsFromChallenge(undefined)).toBeUndefined();
    expect(claimsFromChallenge('Bearer error="insufficient_claims", claims="%%%"')).toBeUndefined();
  });
});
