/**
 * The Azure DevOps client as `createClients` makes it, on its own: `@wif/core/access` makes it for a
 * command-line tool's access check before the rest of the SDK (Graph, ARM, the workflows) has
 * loaded. One function, so that the check's client and the run's cannot drift.
 * @internal
 */
import { createDevOpsClient, type DevOpsClient } from '@wif/devops';
import { type Endpoints, resolveEndpoints } from '@wif/http';
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

/** The Azure DevOps client of `options`, sharing who the caller is with `options.sameCaller` (see `createClients`). */
export function devopsClientOf(options: CreateClientsOptions, endpoints: Endpoints = endpointsOf(options)): DevOpsClient {
  const credential = options.devopsCredential ?? options.credential;
  const devops = createDevOpsClient({
    organization: options.organization,
    credential,
    endpoint: endpoints.devops,
    scope: endpoints.devopsScope,
    ...transportOf(options),
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
  });
  shareConnectionData(devops, [credential, options.organization, endpoints.devops], options.sameCaller?.devops);
  return devops;
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
  return { devops: devopsClientOf(options) };
}
