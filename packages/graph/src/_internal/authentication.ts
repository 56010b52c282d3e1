/**
 * Authentication for the Graph client: a small `AuthenticationProvider` over any `TokenCredential`
 * (the library's own `authProviders/azureTokenCredentials` subpath does not load under native ESM),
 * and, for the plain-HTTP emulator only, a handler that attaches the token where the library's
 * `AuthenticationHandler` cannot.
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import {
  AuthenticationHandlerOptions,
  type AuthenticationProvider,
  type AuthenticationProviderOptions,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { registeringCredential } from '@wif/http';

/** Per-request provider options: the caller's abort signal reaches `getToken`. */
export interface CredentialProviderOptions extends AuthenticationProviderOptions {
  readonly abortSignal?: AbortSignal | undefined;
}

/** Refresh this long before expiry when the credential does not say when. */
const REFRESH_MARGIN_IN_MS = 2 * 60_000;

/**
 * Hands out tokens for one scope. Tokens are registered for redaction (`registeringCredential`)
 * and cached until shortly before they expire: the Graph client asks once per request, and some
 * credentials (Azure CLI) start a process per call.
 */
export function credentialAuthProvider(credential: TokenCredential, scope: string): AuthenticationProvider {
  const registered = registeringCredential(credential);
  let cached: AccessToken | undefined;
  return {
    async getAccessToken(options?: CredentialProviderOptions): Promise<string> {
      if (!cached || Date.now() >= (cached.refreshAfterTimestamp ?? cached.expiresOnTimestamp - REFRESH_MARGIN_IN_MS)) {
        // registeringCredential throws instead of returning null.
        cached = (await registered.getToken(scope, options?.abortSignal ? { abortSignal: options.abortSignal } : {})) as AccessToken;
      }
      return cached.token;
    },
  };
}

/** The per-request middleware option that carries the abort signal to the provider. */
export function authenticationOptions(abortSignal: AbortSignal | undefined): AuthenticationHandlerOptions {
  const options: CredentialProviderOptions = { abortSignal };
  return new AuthenticationHandlerOptions(undefined, options);
}

/**
 * Attaches the bearer token to requests for `origin` only. Used for a plain-HTTP loopback base URL
 * (the emulator): the library's `AuthenticationHandler` matches Graph hosts and `customHosts` on
 * `https://` URLs only (`isValidEndpoint` in `src/GraphRequestUtil.ts` of
 * `@microsoft/microsoft-graph-client` 3.0.7), so it would send no token there.
 */
export function originAuthenticationHandler(provider: AuthenticationProvider, origin: string): Middleware {
  let next: Middleware | undefined;
  return {
    setNext(middleware: Middleware): void {
      next = middleware;
    },
    async execute(context: Context): Promise<void> {
      // `Context.request` is typed with the DOM's RequestInfo, which this Node-only build does not load.
      const request = context.request as string | Request;
      const url = typeof request === 'string' ? request : request.url;
      if (new URL(url).origin === origin) {
        const options = context.middlewareControl?.getMiddlewareOptions(AuthenticationHandlerOptions) as
          AuthenticationHandlerOptions | undefined;
        const token = await provider.getAccessToken(options?.authenticationProviderOptions);
        // GraphRequest always hands the middleware a plain header object.
        context.options = {
          ...context.options,
          headers: { ...(context.options?.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` },
        };
      }
      return next?.execute(context);
    },
  };
}
