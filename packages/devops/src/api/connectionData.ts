import type { TransportError } from '@wif/http';
import { type ResultAsync, ok } from 'neverthrow';
import type { DevOpsClient, DevOpsOperationOptions } from '../client';
import { type ConnectionData, connectionDataSchema } from '../schemas/connectionData';

// Undocumented in the REST reference (docs/reference/devops.md §10). Resource version 1 is what
// azure-devops-node-api 17 sends (`7.2-preview.1`, LocationsApi.getConnectionData); clients commonly
// send `7.1-preview` or `6.0-preview`. Which versions the service accepts is unconfirmed.
const API_VERSION = '7.1-preview.1';

/**
 * Reads the connection data of the organization: `instanceId` is the organization id that both
 * workload identity federation formats embed (`https://vstoken.dev.azure.com/{orgId}`,
 * `…/sc/{orgId}/{connectionId}`), and `authenticatedUser` is who the credential signed in as.
 * Prefer the issuer/subject a connection reports over building them from this id.
 *
 * `GET /{org}/_apis/connectionData?api-version=7.1-preview.1` (undocumented). Permission: any
 * authenticated identity. Read-only, safe to re-run. Errors: `Unauthorized`, `NotFound` (no such
 * organization), `Throttled`, `ServiceUnavailable`, `Network`, `InvalidResponse`, `Authentication`,
 * `Aborted`.
 *
 * @example
 * const { instanceId: organizationId } = await getConnectionData(devops);
 */
export function getConnectionData(client: DevOpsClient, options: DevOpsOperationOptions = {}): ResultAsync<ConnectionData, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'GET',
        path: '/_apis/connectionData',
        query: { 'api-version': API_VERSION },
        operation: 'GET connectionData',
        abortSignal: options.abortSignal,
      },
      connectionDataSchema,
    )
    .andThen((res) => ok(res.body));
}
