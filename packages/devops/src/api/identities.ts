/**
 * Azure DevOps identity lookup (IMS), `GET https://vssps.dev.azure.com/{org}/_apis/identities` at
 * api-version 7.1. Reference: learn.microsoft.com/rest/api/azure/devops/ims/identities/read-identities?view=azure-devops-rest-7.1
 * The answer's `id` is the Azure DevOps identity id (storage key) that check approvers and security
 * role assignments take — not the Entra object id and not the subject descriptor.
 */
import type { TransportError } from '@wif/http';
import { type ResultAsync, ok } from 'neverthrow';
import type { DevOpsClient, DevOpsOperationOptions } from '../client';
import { type DevOpsIdentity, devOpsIdentityListSchema } from '../schemas/identities';

/** The api-version of the identities API (GA). */
export const IDENTITIES_API_VERSION = '7.1';

/** `searchFilter` values of the read-identities API. */
export type IdentitySearchFilter = 'General' | 'AccountName' | 'DisplayName' | 'MailAddress' | 'LocalGroupName';

/**
 * Searches identities by name: `GET {identities endpoint}/{org}/_apis/identities?searchFilter={filter}&filterValue={value}&queryMembership=None&api-version=7.1`
 * on the client's identities transport (`vssps.dev.azure.com`). A name that matches nothing is
 * answered `200` with `count: 0`: this returns `[]`, never an error — the caller decides.
 * `General` may return several hits: match `providerDisplayName` exactly (e.g. `[Project]\Group`).
 * Permission: any member of the organization (PAT `vso.identity`). Read-only.
 * @example const [group] = await searchIdentities(devops, 'General', '[fabrikam-platform]\\Release Approvers');
 */
export function searchIdentities(
  client: DevOpsClient,
  searchFilter: IdentitySearchFilter,
  filterValue: string,
  options: DevOpsOperationOptions = {},
): ResultAsync<DevOpsIdentity[], TransportError> {
  const transport = client.identities ?? client.transport;
  return transport
    .sendJson(
      {
        method: 'GET',
        path: '/_apis/identities',
        query: { searchFilter, filterValue, queryMembership: 'None', 'api-version': IDENTITIES_API_VERSION },
        operation: 'GET identities',
        abortSignal: options.abortSignal,
      },
      devOpsIdentityListSchema,
    )
    .andThen((res) => ok(res.body.value));
}
