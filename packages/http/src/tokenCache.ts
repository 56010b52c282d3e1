/**
 * Bearer tokens for one scope, cached and refreshed before they expire, as core-rest-pipeline's
 * bearer policy did for ARM and Azure DevOps (its "token cycler"): a token is used until its
 * `refreshAfterTimestamp` (or two minutes before it expires); then one refresh runs in the
 * background while requests keep the current token; a token within 30 s of expiry is not used.
 * Concurrent callers share one `getToken` in flight: it is aborted only when every caller waiting
 * for it has aborted.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { registeringCredential } from './credentials';
import { abortError } from './retry';

/** Options of {@link createTokenCache}. */
export interface TokenCacheOptions {
  /**
   * Ask for tokens that support Continuous Access Evaluation (`enableCae`), as the Azure SDKs do for
   * ARM; the service may then answer 401 with a claims challenge ({@link claimsFromChallenge}).
   */
  readonly enableCae?: boolean;
}

/** What a request asks a {@link TokenCache} for. */
export interface TokenRequestOptions {
  readonly abortSignal?: AbortSignal | undefined;
  /** The claims of a challenge (decoded JSON text): a new token is fetched whatever is cached. */
  readonly claims?: string | undefined;
}

/** Tokens for one scope from one credential; see {@link createTokenCache}. */
export interface TokenCache {
  /** A token valid for at least 30 seconds more. Rejects like the credential's `getToken` (see `registeringCredential`). */
  getToken(options?: TokenRequestOptions): Promise<AccessToken>;
  /**
   * The cached token when `getToken()` would answer with it at once (a background refresh started
   * as `getToken` starts it), else `undefined`: the same token without a promise per request.
   */
  current(): AccessToken | undefined;
}

/** Start refreshing this long before expiry, when the token does not say (`refreshAfterTimestamp`). */
const REFRESH_WINDOW_IN_MS = 2 * 60_000;
/** Never send a token this close to expiry. */
const EXPIRY_MARGIN_IN_MS = 30_000;
/** After a background refresh failed, wait this long before the next one. */
const RETRY_INTERVAL_IN_MS = 3_000;

interface InFlight {
  readonly promise: Promise<AccessToken>;
  readonly controller: AbortController;
  waiters: number;
}

/**
 * Creates a token cache for `scope` over `credential`. Every token is registered for redaction
 * (`registeringCredential`) before anyone sees it.
 */
export function createTokenCache(credential: TokenCredential, scope: string, options: TokenCacheOptions = {}): TokenCache {
  const registered = registeringCredential(credential);
  let cached: AccessToken | undefined;
  let inFlight: InFlight | undefined;
  let failedAt = -Infinity;

  const start = (extra: GetTokenOptions): InFlight => {
    const controller = new AbortController();
    // registeringCredential throws instead of returning null.
    const promise = registered.getToken(scope, {
      ...extra,
      ...(options.enableCae ? { enableCae: true } : {}),
      abortSignal: controller.signal,
    }) as Promise<AccessToken>;
    const entry: InFlight = { promise, controller, waiters: 0 };
    promise.then(
      (token) => {
        cached = token;
        if (inFlight === entry) inFlight = undefined;
      },
      () => {
        failedAt = Date.now();
        if (inFlight === entry) inFlight = undefined;
      },
    );
    return entry;
  };

  const wait = (entry: InFlight, signal: AbortSignal | undefined): Promise<AccessToken> =>
    new Promise<AccessToken>((resolve, reject) => {
      let waiting = true;
      const leave = (): void => {
        if (!waiting) return;
        waiting = false;
        entry.waiters--;
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        leave();
        if (entry.waiters === 0) entry.controller.abort();
        reject(abortError());
      };
      entry.waiters++;
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      entry.promise.then(
        (token) => {
          leave();
          resolve(token);
        },
        (error: unknown) => {
          leave();
          reject(error as Error);
        },
      );
    });

  /** The cached token if it may still be sent, starting a background refresh when it is due. */
  const current = (): AccessToken | undefined => {
    const now = Date.now();
    if (!cached || now >= cached.expiresOnTimestamp - EXPIRY_MARGIN_IN_MS) return undefined;
    const refreshAt = cached.refreshAfterTimestamp ?? cached.expiresOnTimestamp - REFRESH_WINDOW_IN_MS;
    if (now >= refreshAt && !inFlight && now - failedAt >= RETRY_INTERVAL_IN_MS) {
      // Refresh in the background; until it lands (or if it fails) the current token serves.
      inFlight = start({});
      inFlight.promise.catch(() => undefined);
    }
    return cached;
  };

  return {
    getToken(request: TokenRequestOptions = {}): Promise<AccessToken> {
      if (request.claims) {
        // A challenge says the cached token is no longer good enough: a token with these claims, not shared.
        cached = undefined;
        return wait(start({ claims: request.claims }), request.abortSignal);
      }
      const token = current();
      if (token) return Promise.resolve(token);
      inFlight ??= start({});
      return wait(inFlight, request.abortSignal);
    },
    current,
  };
}

/** Token caches that several transports share; see {@link createTokenCaches}. */
export interface TokenCaches {
  /**
   * The cache for `credential` and `scope` with these options: made on first use, the same one
   * afterwards (per credential object, scope and `enableCae`).
   */
  cacheFor(credential: TokenCredential, scope: string, options?: TokenCacheOptions): TokenCache;
  /**
   * Asks every cache made so far (only those of `scopes`, when given) for a token now, all at once,
   * and returns without waiting. A request made meanwhile waits for that fetch and takes its result,
   * a failure included; a failure is not kept, so later requests ask the credential again.
   * `abortSignal` withdraws these requests (a token fetch another caller also waits for goes on).
   */
  prefetch(options?: { readonly scopes?: readonly string[]; readonly abortSignal?: AbortSignal }): void;
}

/**
 * Token caches shared by the transports of a set of clients: each credential is asked once per
 * scope, however many transports use it. A credential such as `AzureCliCredential` keeps no token
 * of its own and runs `az` for every `getToken` (~0.5–1 s); without sharing, a second transport of
 * the same scope (Azure DevOps' identities endpoint, a client made for a fast access check) would
 * ask again. {@link TokenCaches.prefetch} starts every scope's first token at once, before the
 * requests that need them.
 */
export function createTokenCaches(): TokenCaches {
  type Made = { readonly scope: string; readonly cache: TokenCache };
  // Per credential object, then per CAE setting and scope; kept while these caches are.
  const byCredential = new Map<TokenCredential, Map<string, Made>>();
  return {
    cacheFor(credential, scope, options = {}) {
      let caches = byCredential.get(credential);
      if (!caches) byCredential.set(credential, (caches = new Map<string, Made>()));
      const key = `${options.enableCae ? 'cae' : 'plain'} ${scope}`;
      let made = caches.get(key);
      if (!made) caches.set(key, (made = { scope, cache: createTokenCache(credential, scope, options) }));
      return made.cache;
    },
    prefetch(options = {}) {
      for (const { scope, cache } of [...byCredential.values()].flatMap((caches) => [...caches.values()])) {
        if (options.scopes && !options.scopes.includes(scope)) continue;
        if (cache.current()) continue;
        cache.getToken(options.abortSignal ? { abortSignal: options.abortSignal } : {}).catch(() => undefined);
      }
    },
  };
}

/**
 * The claims of a Continuous Access Evaluation challenge (a 401 whose `WWW-Authenticate` has
 * `error="insufficient_claims"` and base64 `claims`), decoded; `undefined` for any other answer.
 * See https://learn.microsoft.com/entra/identity-platform/claims-challenge
 */
export function claimsFromChallenge(wwwAuthenticate: string | undefined): string | undefined {
  if (!wwwAuthenticate || !/\berror\s*=\s*"?insufficient_claims"?/i.test(wwwAuthenticate)) return undefined;
  const claims = /\bclaims\s*=\s*"([^"]*)"/i.exec(wwwAuthenticate)?.[1];
  if (!claims) return undefined;
  try {
    return atob(claims);
  } catch {
    return undefined;
  }
}
