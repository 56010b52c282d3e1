/**
 * The Azure DevOps client as `createClients` makes it, on its own: `@wif/core/access` makes it for a
 * command-line tool's access check before the rest of the SDK (Graph, ARM, the workflows) has
 * loaded. One function, so that the check's client and the run's cannot drift.
 * @internal
 */
import { createDevOpsClient, type DevOpsClient } from '@wif/devops';
import { createTokenCaches, type Endpoints, isPersonalAccessTokenCredential, resolveEndpoints, type TokenCaches } from '@wif/http';
import { shareConnectionData } from '../_internal/connectionData';
import type { CreateClientsOptions, WifClients } from './clients';

/** The endpoints of `options` (cloud, then per-service overrides). */
export function endpointsOf(options: Pick<CreateClientsOptions, 'cloud' | 'endpoints'>): Endpoints {
  return resolveEndpoints(options.cloud ?? 'AzureCloud', options.endpoints ?? {});
}

/** The transport settings every client of `options` takes. */
export function transportOf(
  options: CreateClientsOptions,
): Pick<CreateClientsOptions, 'retry' | 'logger' | 'userAgentPrefix' | 'timeoutInMs'> {
  return {
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.userAgentPrefix ? { userAgentPrefix: options.userAgentPrefix } : {}),
    ...(options.timeoutInMs !== undefined ? { timeoutInMs: options.timeoutInMs } : {}),
  };
}

/** A service whose first token {@link prefetchTokens} can ask for. */
export type TokenService = 'graph' | 'arm' | 'devops';

/** The token caches of a set of clients and the scope each service asks for, by the set's Azure DevOps client. */
const setTokens = new WeakMap<DevOpsClient, { readonly tokens: TokenCaches; readonly scopes: Partial<Record<TokenService, string>> }>();

/**
 * The token caches for a new set of clients: the caller's (`tokens`), else those of `sameCaller` (a
 * set made with the same options, e.g. the access check's), so that each credential is asked once
 * per scope for both sets; else new ones. Caches are per credential object, so a set with other
 * credentials shares nothing.
 */
export function tokensFor(options: Pick<CreateClientsOptions, 'sameCaller' | 'tokens'>): TokenCaches {
  const shared = options.sameCaller ? setTokens.get(options.sameCaller.devops) : undefined;
  return options.tokens ?? shared?.tokens ?? createTokenCaches();
}

/** Remembers the token caches and scopes of the set whose Azure DevOps client is `devops`. */
export function registerTokens(devops: DevOpsClient, tokens: TokenCaches, scopes: Partial<Record<TokenService, string>>): void {
  setTokens.set(devops, { tokens, scopes });
}

/** The Azure DevOps client of `options`, sharing who the caller is with `options.sameCaller` (see `createClients`). */
export function devopsClientOf(options: CreateClientsOptions, endpoints: Endpoints, tokens: TokenCaches): DevOpsClient {
  const credential = options.devopsCredential ?? options.credential;
  const devops = createDevOpsClient({
    organization: options.organization,
    credential,
    endpoint: endpoints.devops,
    scope: endpoints.devopsScope,
    ...transportOf(options),
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
    tokens,
  });
  shareConnectionData(devops, [credential, options.organization, endpoints.devops], options.sameCaller?.devops);
  return devops;
}

/** The Azure DevOps scope when Azure DevOps is signed in to with an Entra token (not a PAT). */
export function devopsScopeOf(options: CreateClientsOptions, endpoints: Endpoints): Partial<Record<TokenService, string>> {
  return isPersonalAccessTokenCredential(options.devopsCredential) ? {} : { devops: endpoints.devopsScope };
}

/**
 * Asks the credential for the first token of each service of `clients` (`services`, default all
 * three) now, all at once, without waiting: a command-line tool calls it while its first request is
 * in flight, so that no service's first request waits for its token. A credential that keeps no
 * tokens of its own (`AzureCliCredential` runs `az` for each, ~0.5–1 s) otherwise makes each
 * service's first request on the run's critical path wait for one. A request made while a token is
 * being fetched waits for that fetch and takes its result, a failure included (reported as any
 * failed sign-in); a failure is not kept, so later requests ask again. Clients not made by `createClients` or
 * `createAccessClients` are left alone. See docs/decisions/031-every-token-asked-for-once-and-early.md.
 *
 * @example
 * const clients = createClients({ credential: new DefaultAzureCredential(), organization: 'contoso' });
 * prefetchTokens(clients);
 */
export function prefetchTokens(
  clients: Pick<WifClients, 'devops'>,
  options: { readonly services?: readonly TokenService[]; readonly abortSignal?: AbortSignal } = {},
): void {
  const set = setTokens.get(clients.devops);
  if (!set) return;
  const scopes = (options.services ?? (['graph', 'arm', 'devops'] as const)).flatMap((s) => (set.scopes[s] ? [set.scopes[s]] : []));
  set.tokens.prefetch({ scopes, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) });
}

/**
 * Only the Azure DevOps client of {@link createClients}, made the same way: what `checkAccess` needs.
 * Give them as `sameCaller` to `createClients` (same options) and who the caller is, which the
 * check reads, is not read again by the run.
 *
 * @example
 * const check = createAccessClients({ ...options, retry: { maxRetries: 0 } });
 * const reachable = await checkAccess(check);
 * const clients = createClients({ ...options, sameCaller: check });
 */
export function createAccessClients(options: CreateClientsOptions): Pick<WifClients, 'devops'> {
  const endpoints = endpointsOf(options);
  const tokens = tokensFor(options);
  const devops = devopsClientOf(options, endpoints, tokens);
  registerTokens(devops, tokens, devopsScopeOf(options, endpoints));
  return { devops };
}
