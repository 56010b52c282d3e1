/**
 * One cheap request before a run: can the organization be reached, with these credentials, and
 * does it exist? A run of many connections then fails once, at once, with one clear message,
 * instead of once per connection after every retry.
 */
import type { AbortedError, AuthenticationError, HttpError, InvalidResponseError, NetworkError } from '@wif/http';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { readConnectionData } from './_internal/connectionData';
import type { WifClients } from './workflows/clients';

/** The organization does not exist (or the identity cannot see it). */
export interface OrganizationNotFoundError {
  readonly kind: 'OrganizationNotFound';
  readonly organization: string;
  readonly message: string;
}

/** What {@link checkAccess} can fail with. */
export type CheckAccessError =
  OrganizationNotFoundError | NetworkError | AuthenticationError | HttpError | InvalidResponseError | AbortedError;

/**
 * Checks that the organization answers to these credentials: `GET /{org}/_apis/connectionData`
 * (undocumented; what azure-devops-node-api calls first). Any authenticated identity may call it.
 * Read-only, safe to re-run. Give `clients` made with `retry: { maxRetries: 0 }` to fail fast, and
 * `sameCaller` set to the clients of the run (`createClients`): the preflight and governance then
 * use what this read instead of reading it again.
 * Errors: `OrganizationNotFound` (a 404: the organization does not exist), `Network`,
 * `Authentication`, `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`,
 * `InvalidResponse`, `Aborted`.
 *
 * @example
 * const reachable = await checkAccess(clients);
 * if (reachable.isErr()) console.error(reachable.error.message);
 */
export function checkAccess(
  clients: Pick<WifClients, 'devops'>,
  options: { readonly abortSignal?: AbortSignal } = {},
): ResultAsync<{ readonly organizationId: string }, CheckAccessError> {
  const organization = clients.devops.organization;
  return readConnectionData(clients.devops, options)
    .orElse((e) =>
      e.kind === 'NotFound'
        ? errAsync<never, CheckAccessError>({
            kind: 'OrganizationNotFound',
            organization,
            message: `organization '${organization}' not found: check the name (--org, WIF_ORG or the spec's organization).`,
          })
        : errAsync<never, CheckAccessError>(e),
    )
    .andThen((data) => okAsync({ organizationId: data.instanceId }));
}
