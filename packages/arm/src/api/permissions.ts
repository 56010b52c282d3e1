import type { ResultAsync } from 'neverthrow';
import { collect, type LimitExceededError, type TransportError } from '@wif/http';
import type { ArmClient, ArmOperationOptions } from '../client';
import { authorizationPath } from '../_internal/constants';
import { armList } from '../_internal/list';
import { PermissionListSchema } from '../schemas/permission';
import type { Permission } from '../schemas/roleDefinition';

/** At most this many entries are read (one per role grant the caller holds at the scope). */
const MAX_PERMISSION_ENTRIES = 1_000;

/**
 * Lists the caller's effective permissions at `scope`: one entry (`actions`, `notActions`,
 * `dataActions`, `notDataActions`) per role grant that applies there, inherited ones included.
 * Evaluate an action against them with the documented rule (allowed when some entry's `actions`
 * match it and the same entry's `notActions` do not): see `@wif/core`'s `isActionAllowed`.
 *
 * `GET /{scope}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`, following
 * `nextLink` (https://learn.microsoft.com/rest/api/authorization/permissions). The REST spec names
 * resource-group and resource scopes; the subscription form is the one Microsoft's "Check if user
 * can assign access to subscription" article calls
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-manager-api-authentication).
 * Permission: none beyond being signed in (it answers the caller's own permissions).
 * Errors: `Forbidden`/`NotFound` (no access to the scope at all: treat as "no permission"), and
 * those of every call; `LimitExceeded` past 1,000 entries. Read-only: safe to re-run.
 * @example listPermissions(arm, '/subscriptions/…/resourceGroups/rg-web-prod')
 */
export function listPermissions(
  client: ArmClient,
  scope: string,
  options: ArmOperationOptions = {},
): ResultAsync<readonly Permission[], TransportError | LimitExceededError> {
  return collect(
    armList(
      client,
      {
        path: authorizationPath(scope, 'permissions'),
        filter: undefined,
        operation: 'GET permissions',
        abortSignal: options.abortSignal,
      },
      PermissionListSchema,
    ),
    MAX_PERMISSION_ENTRIES,
  );
}
