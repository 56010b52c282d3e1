import type { TokenCredential } from '@azure/core-auth';
import { type ArmClient, createArmClient } from '@wif/arm';
import type { DevOpsClient } from '@wif/devops';
import { createGraphClient, type GraphClient } from '@wif/graph';
import type { CloudName, DevOpsCredential, Endpoints, TokenCaches, TransportOptions } from '@wif/http';
import { devopsClientOf, devopsScopeOf, endpointsOf, registerTokens, tokensFor, transportOf } from './_devopsClient';

/** The three service clients every workflow takes. */
export interface WifClients {
  readonly graph: GraphClient;
  readonly arm: ArmClient;
  readonly devops: DevOpsClient;
}

/** Options of {@link createClients}: one credential, the organization, and the transport settings. */
export interface CreateClientsOptions extends TransportOptions {
  /** Entra credential for Graph and ARM (and Azure DevOps unless `devopsCredential` is given). */
  readonly credential: TokenCredential;
  /** Azure DevOps organization name. */
  readonly organization: string;
  /** A PAT (or another credential) for Azure DevOps, where Entra auth to Azure DevOps is not set up. */
  readonly devopsCredential?: DevOpsCredential;
  readonly cloud?: CloudName;
  /** Per-service base URL overrides (sovereign clouds, the emulator). */
  readonly endpoints?: Partial<Endpoints>;
  /**
   * Clients made with the same `credential`, `devopsCredential`, organization and endpoints (for
   * instance, these are a copy with `retry: { maxRetries: 0 }` for a fast `checkAccess`): who
   * the caller is in Azure DevOps (`connectionData`, which the access check, the preflight and
   * governance read) is then read once for both. Ignored when any of those differs. The sets also
   * share their tokens: each credential object is asked once per scope for both.
   */
  readonly sameCaller?: Pick<WifClients, 'devops'>;
  /**
   * Token caches for the set (`createTokenCaches` of `@wif/http`); give the same to several sets
   * and each credential object is asked once per scope for all of them. Default: `sameCaller`'s,
   * else new ones for this set.
   */
  readonly tokens?: TokenCaches;
}

/**
 * Creates the Graph, ARM and Azure DevOps clients from one credential.
 * Who the caller is in Azure DevOps is read at most once per set of clients (it does not change
 * under one credential): make new clients to see another sign-in.
 * Throws only for a programmer error (see each client factory).
 *
 * @example
 * const clients = createClients({ credential: new DefaultAzureCredential(), organization: 'contoso' });
 */
export function createClients(options: CreateClientsOptions): WifClients {
  const endpoints = endpointsOf(options);
  const transport = transportOf(options);
  const httpClient = options.httpClient;
  // One token cache per credential and scope for the whole set (and with `sameCaller`'s set, or the caller's `tokens`).
  const tokens = tokensFor(options);
  const clients = {
    graph: createGraphClient({
      credential: options.credential,
      endpoint: endpoints.graph,
      scope: endpoints.graphScope,
      ...transport,
      ...(httpClient ? { httpClient } : {}),
      tokens,
    }),
    arm: createArmClient({
      credential: options.credential,
      endpoint: endpoints.arm,
      scope: endpoints.armScope,
      ...transport,
      ...(httpClient ? { httpClient } : {}),
      tokens,
    }),
    devops: devopsClientOf(options, endpoints, tokens),
  };
  registerTokens(clients.devops, tokens, { graph: endpoints.graphScope, arm: endpoints.armScope, ...devopsScopeOf(options, endpoints) });
  return clients;
}
