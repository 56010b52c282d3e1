/**
 * The Microsoft Graph client: a `Transport` of `@wif/http`, the one ARM and Azure DevOps use, so URL
 * building, retries, logging, error mapping and schema parsing are the same for every service
 * (docs/decisions/026-graph-over-the-shared-transport.md).
 */
import type { TokenCredential } from '@azure/core-auth';
import type { ResultAsync } from 'neverthrow';
import {
  type AbortedError,
  type AuthenticationError,
  type CloudName,
  createTokenCaches,
  createTransport,
  resolveEndpoints,
  type Transport,
  type TransportOptions,
} from '@wif/http';
import type { GraphRequestOptions } from './api/options';
import { type AccessTokenClaims, readAccessTokenClaims } from './api/tokenClaims';

/** Options of {@link createGraphClient}. */
export interface GraphClientOptions extends TransportOptions {
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
   * Sends through this `fetch` instead (tests). Default: wif's keep-alive Node client, the stack ARM
   * and Azure DevOps use too (connection reuse, `HTTPS_PROXY`, decompression), or `httpClient`.
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
 * Requests go through the shared transport of `@wif/http`: a bearer token for the Graph scope
 * (cached until shortly before expiry, registered for redaction), the shared retry rules (429 with
 * `Retry-After`, 5xx, connection failures, per-attempt timeouts), one redacted log entry per
 * attempt, a `client-request-id` per request. Every request stays on the endpoint's origin.
 *
 * @throws TypeError (a programmer error) when `endpoint` is not an absolute http(s) URL, or is plain
 * HTTP to anything but this machine.
 * @example
 * const graph = createGraphClient({ credential: new AzureCliCredential() });
 * const app = await getApplication(graph, { appId });
 */
export function createGraphClient(options: GraphClientOptions): GraphClient {
  const endpoints = resolveEndpoints(options.cloud, options.endpoint ? { graph: options.endpoint } : {});
  const scope = options.scope ?? endpoints.graphScope;
  // The transport's token cache, which `accessTokenClaims` reads too: the credential is asked once
  // (a credential that runs `az` takes ~1 s a token).
  const tokens = options.tokens ?? createTokenCaches();
  const cache = tokens.cacheFor(options.credential, scope, { enableCae: false });
  // readAccessTokenClaims passes the caller's AbortSignal on (GraphRequestOptions), never another kind.
  const cached: TokenCredential = {
    getToken: (_scope, o) => cache.getToken(o?.abortSignal ? { abortSignal: o.abortSignal as AbortSignal } : {}),
  };
  const transport = createTransport({
    service: 'graph',
    baseUrl: endpoints.graph,
    // The Graph SDKs ask Graph for plain tokens (no CAE), and so does wif.
    auth: { kind: 'bearer', credential: options.credential, scope, enableCae: false },
    // Graph names the request id `client-request-id` (https://learn.microsoft.com/en-us/microsoft-cloud/dev/dev-proxy/technical-reference/graphclientrequestidguidanceplugin).
    requestIdHeader: 'client-request-id',
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.userAgentPrefix ? { userAgentPrefix: options.userAgentPrefix } : {}),
    ...(options.timeoutInMs !== undefined ? { timeoutInMs: options.timeoutInMs } : {}),
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    tokens,
  });
  return Object.freeze({
    transport,
    accessTokenClaims: (o: GraphRequestOptions = {}) => readAccessTokenClaims(cached, scope, o),
  });
}
