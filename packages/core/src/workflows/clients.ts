import type { TokenCredential } from '@azure/core-auth';
import { type ArmClient, createArmClient } from '@wif/arm';
import { createDevOpsClient, type DevOpsClient } from '@wif/devops';
import { createGraphClient, type GraphClient } from '@wif/graph';
import { type CloudName, type DevOpsCredential, type Endpoints, resolveEndpoints, type TransportOptions } from '@wif/http';

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
}

/**
 * Creates the Graph, ARM and Azure DevOps clients from one credential.
 * Throws only for a programmer error (see each client factory).
 *
 * @example
 * const clients = createClients({ credential: new DefaultAzureCredential(), organization: 'contoso' });
 */
export function createClients(options: CreateClientsOptions): WifClients {
  const endpoints = resolveEndpoints(options.cloud ?? 'AzureCloud', options.endpoints ?? {});
  const transport = {
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.userAgentPrefix ? { userAgentPrefix: options.userAgentPrefix } : {}),
    ...(options.timeoutInMs !== undefined ? { timeoutInMs: options.timeoutInMs } : {}),
  };
  const httpClient = options.httpClient;
  return {
    graph: createGraphClient({
      credential: options.credential,
      endpoint: endpoints.graph,
      scope: endpoints.graphScope,
      ...transport,
      ...(httpClient ? { httpClient } : {}),
    }),
    arm: createArmClient({
      credential: options.credential,
      endpoint: endpoints.arm,
      scope: endpoints.armScope,
      ...transport,
      ...(httpClient ? { httpClient } : {}),
    }),
    devops: createDevOpsClient({
      organization: options.organization,
      credential: options.devopsCredential ?? options.credential,
      endpoint: endpoints.devops,
      scope: endpoints.devopsScope,
      ...transport,
      ...(httpClient ? { httpClient } : {}),
    }),
  };
}
