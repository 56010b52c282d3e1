/**
 * The Microsoft Graph client: `@microsoft/microsoft-graph-client` with an explicit middleware chain,
 * wrapped as a `Transport` of `@wif/http` so URL building, error mapping and schema parsing are the
 * same for every service.
 */
import type { TokenCredential } from '@azure/core-auth';
import { AuthenticationHandler, Client, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import type { ResultAsync } from 'neverthrow';
import {
  type AbortedError,
  type AuthenticationError,
  checkBaseUrl,
  type CloudName,
  resolveEndpoints,
  resolveRetryOptions,
  type Transport,
  transportFromSender,
  type TransportOptions,
  SDK_USER_AGENT,
} from '@wif/http';
import type { GraphRequestOptions } from './api/options';
import { type AccessTokenClaims, readAccessTokenClaims } from './api/tokenClaims';
import { credentialAuthProvider, originAuthenticationHandler } from './_internal/authentication';
import { graphSender, preserveErrors } from './_internal/graphSender';
import { httpClientHandler } from './_internal/httpClientHandler';
import { retryMiddleware } from './_internal/retryMiddleware';

/** Options of {@link createGraphClient}. */
export interface GraphClientOptions extends Omit<TransportOptions, 'httpClient'> {
  /** Any Entra credential (`@azure/identity`), or `createTestCredential()` in tests. */
  readonly credential: TokenCredential;
  /**
   * Base URL including the version segment. Default: the cloud preset, e.g.
   * `https://graph.microsoft.com/v1.0`; `http://127.0.0.1:PORT/graph/v1.0` for the local emulator.
   */
  readonly endpoint?: string;
  /** Token scope. Default: the cloud preset's Graph scope, e.g. `https://graph.microsoft.com/.default`. */
  readonly scope?: string;
  /** Cloud preset for the defaults. Default `AzureCloud`. */
  readonly cloud?: CloudName;
  /**
   * Replaces the HTTP stack (tests). Default: wif's keep-alive Node client, the stack ARM and Azure
   * DevOps use too (connection reuse, `HTTPS_PROXY`), without `fetch`'s `Response` objects.
   */
  readonly fetch?: typeof fetch;
}

/** A Microsoft Graph client: pass it to the functions of this package. */
export interface GraphClient {
  readonly transport: Transport;
  /**
   * Decodes the claims of the token this client sends (who the caller is, `scp`, `roles`, `wids`);
   * the token itself is never returned. Absent on hand-made clients.
   */
  readonly accessTokenClaims?: (options?: GraphRequestOptions) => ResultAsync<AccessTokenClaims, AuthenticationError | AbortedError>;
}

/**
 * Creates a Microsoft Graph client.
 *
 * Requests go through `@microsoft/microsoft-graph-client` with the middleware chain
 * authentication → retry (the shared rules of `@wif/http`) → HTTP. Tokens are cached until shortly
 * before expiry and registered for redaction; they are attached for the base URL's host only.
 *
 * @throws TypeError (a programmer error) when `endpoint` is not an absolute http(s) URL, or is plain
 * HTTP to anything but this machine.
 * @example
 * const graph = createGraphClient({ credential: new AzureCliCredential() });
 * const app = await getApplication(graph, { appId });
 */
export function createGraphClient(options: GraphClientOptions): GraphClient {
  const endpoints = resolveEndpoints(options.cloud, options.endpoint ? { graph: options.endpoint } : {});
  const { insecure } = checkBaseUrl('graph', endpoints.graph);
  const base = new URL(endpoints.graph);
  const provider = credentialAuthProvider(options.credential, options.scope ?? endpoints.graphScope);
  const middleware: Middleware[] = [
    preserveErrors(),
    insecure ? originAuthenticationHandler(provider, base.origin) : new AuthenticationHandler(provider),
    retryMiddleware({
      retry: resolveRetryOptions(options.retry),
      timeoutInMs: options.timeoutInMs ?? 60_000,
      logger: options.logger,
    }),
    options.fetch ? fetchHandler(options.fetch) : httpClientHandler(),
  ];
  const client = Client.initWithMiddleware({
    middleware,
    // Paths sent by the transport already carry the version segment (`/v1.0/…`).
    baseUrl: base.origin,
    defaultVersion: '',
    // Lets the AuthenticationHandler attach tokens to a non-Graph https host (a proxy, the emulator
    // over TLS). Every request goes to this origin anyway: the sender passes only path and query.
    customHosts: new Set([base.hostname]),
  });
  const userAgent = [options.userAgentPrefix, SDK_USER_AGENT].filter(Boolean).join(' ');
  const scope = options.scope ?? endpoints.graphScope;
  return Object.freeze({
    transport: transportFromSender('graph', endpoints.graph, graphSender(client, userAgent)),
    accessTokenClaims: (o: GraphRequestOptions = {}) => readAccessTokenClaims(options.credential, scope, o),
  });
}

function fetchHandler(fetchImpl: typeof fetch): Middleware {
  return {
    async execute(context: Context): Promise<void> {
      context.response = await fetchImpl(context.request as string | Request, context.options);
    },
  };
}
