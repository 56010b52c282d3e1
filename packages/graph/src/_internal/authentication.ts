/**
 * Authentication for the Graph client: a small `AuthenticationProvider` over any `TokenCredential`
 * (the library's own `authProviders/azureTokenCredentials` subpath does not load under native ESM),
 * and, for the plain-HTTP emulator only, a handler that attaches the token where the library's
 * `AuthenticationHandler` cannot.
 */
import type { TokenCredential } from '@azure/core-auth';
import {
  AuthenticationHandlerOptions,
  type AuthenticationProvider,
  type AuthenticationProviderOptions,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { createTokenCache } from '@wif/http';

/** Per-request provider options: the caller's abort signal reaches `getToken`. */
export interface CredentialProviderOptions extends AuthenticationProviderOptions {
  readonly abortSignal?: AbortSignal | undefined;
}

/**
 * Hands out tokens for one scope from a token cache of `@wif/http` (`createTokenCache`): registered
 * for redaction, cached and refreshed before they expire, one `getToken` in flight for concurrent
 * requests. The Graph client asks once per request, and some credentials (Azure CLI) start a
 * process per call.
 */
export function credentialAuthProvider(credential: TokenCredential, scope: string): AuthenticationProvider {
  const tokens = createTokenCache(credential, scope);
  return {
    async getAccessToken(options?: CredentialProviderOptions): Promise<string> {
      return (await tokens.getToken({ abortSignal: options?.abortSignal })).token;
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
