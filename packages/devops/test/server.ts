/** Test setup shared by the contract tests of this package: the contract server and a client. */
import { createTestCredential, type DevopsContractOptions, devopsContractHandlers, type TestCredential } from '@wif/testing';
import { FAST_RETRY, type SeenRequest, useContractServer as useServer } from '@wif/testing/vitest';
import type { SetupServer } from 'msw/node';
import { createDevOpsClient, type DevOpsClient, type DevOpsClientOptions } from '../src/client';

export { FAST_RETRY };
export const ORG = 'fabrikam';

/** The Azure DevOps contract handlers for the file (`@wif/testing/vitest`); `seen` is the request log of the running test. */
export function useContractServer(options: DevopsContractOptions = {}): { server: SetupServer; seen: readonly SeenRequest[] } {
  const api = useServer(devopsContractHandlers(options));
  return { server: api.server, seen: api.requests };
}

/** A client for {@link ORG} with a fresh test credential. */
export function testClient(overrides: Partial<DevOpsClientOptions> = {}): { client: DevOpsClient; credential: TestCredential } {
  const credential = createTestCredential();
  return { client: createDevOpsClient({ organization: ORG, credential, retry: FAST_RETRY, ...overrides }), credential };
}
