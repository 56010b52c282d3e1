import type { TransportError } from '@wif/http';
import { type ResultAsync, ok } from 'neverthrow';
import type { GraphClient } from '../client';
import { type AuthorizationPolicy, authorizationPolicySchema } from '../schemas/authorizationPolicy';
import type { GraphRequestOptions } from './options';

/**
 * Reads the tenant's authorization policy; `defaultUserRolePermissions.allowedToCreateApps` says
 * whether ordinary member users may register applications.
 *
 * `GET /policies/authorizationPolicy` (https://learn.microsoft.com/graph/api/authorizationpolicy-get).
 * Permission: `Policy.Read.All` (least); the docs note it also works with default user permissions
 * (unconfirmed for tokens without `Policy.Read.All`: expect `Forbidden` then).
 * Read-only, safe to re-run. Errors: `Forbidden`, `Unauthorized`, `Throttled`, `ServiceUnavailable`,
 * `Network`, `Authentication`, `Aborted`, `InvalidResponse`.
 *
 * @example
 * const open = (await getAuthorizationPolicy(graph))._unsafeUnwrap().defaultUserRolePermissions.allowedToCreateApps;
 */
export function getAuthorizationPolicy(
  client: GraphClient,
  options: GraphRequestOptions = {},
): ResultAsync<AuthorizationPolicy, TransportError> {
  return client.transport
    .sendJson(
      { method: 'GET', path: '/policies/authorizationPolicy', operation: 'GET authorizationPolicy', abortSignal: options.abortSignal },
      authorizationPolicySchema,
    )
    .andThen(({ body }) => ok(body));
}
