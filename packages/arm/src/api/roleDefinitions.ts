import { type Result, type ResultAsync, ok } from 'neverthrow';
import type { TransportError } from '@wif/http';
import type { ArmClient, ArmOperationOptions } from '../client';
import { API_VERSION, authorizationPath } from '../_internal/constants';
import { armList, odataString } from '../_internal/list';
import { RoleDefinitionListSchema, RoleDefinitionSchema, type RoleDefinition } from '../schemas/roleDefinition';

/** Filters of {@link listRoleDefinitions}. */
export interface ListRoleDefinitionsQuery {
  /** The exact display name, e.g. `Contributor`. */
  readonly roleName?: string;
  readonly type?: 'BuiltInRole' | 'CustomRole';
}

/**
 * Lists the role definitions applicable at `scope` and above, optionally by exact name and/or type.
 *
 * `GET /{scope}/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01[&$filter=…]`,
 * following `nextLink`. The filter is `roleName eq '…'` (quote doubled inside the name) or
 * `type eq '…'`; the docs name one filter at a time, so with both the name goes to the service and
 * the type is checked here (as `az role definition list --custom-role-only` does).
 *
 * Permission: `Microsoft.Authorization/roleDefinitions/read` (every built-in role has it).
 * Errors: `Unauthorized`, `Forbidden`, `NotFound` (scope), `Throttled`, `ServiceUnavailable`,
 * `Network`, `InvalidResponse`, `Authentication`, `Aborted`. Read-only: safe to re-run.
 * @example
 * for await (const page of listRoleDefinitions(arm, '/subscriptions/…', { roleName: 'Contributor' })) { … }
 */
export function listRoleDefinitions(
  client: ArmClient,
  scope: string,
  query: ListRoleDefinitionsQuery = {},
  options: ArmOperationOptions = {},
): AsyncGenerator<Result<readonly RoleDefinition[], TransportError>, void, undefined> {
  const filter =
    query.roleName !== undefined
      ? `roleName eq ${odataString(query.roleName)}`
      : query.type !== undefined
        ? `type eq ${odataString(query.type)}`
        : undefined;
  const listed = armList(
    client,
    { path: authorizationPath(scope, 'roleDefinitions'), filter, operation: 'GET roleDefinitions', abortSignal: options.abortSignal },
    RoleDefinitionListSchema,
  );
  const type = query.roleName !== undefined ? query.type : undefined;
  return type === undefined ? listed : ofType(listed, type);
}

async function* ofType(
  listed: AsyncGenerator<Result<readonly RoleDefinition[], TransportError>, void, undefined>,
  type: string,
): AsyncGenerator<Result<readonly RoleDefinition[], TransportError>, void, undefined> {
  for await (const page of listed) yield page.map((items) => items.filter((d) => d.properties.type === type));
}

/**
 * Reads one role definition by its GUID.
 *
 * `GET /{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}?api-version=2022-04-01`.
 * Permission: `Microsoft.Authorization/roleDefinitions/read`. Errors: `NotFound`
 * (`RoleDefinitionDoesNotExist`) and those of every call. Read-only: safe to re-run.
 * @example getRoleDefinition(arm, '/subscriptions/…', BUILT_IN_ROLES.Contributor)
 */
export function getRoleDefinition(
  client: ArmClient,
  scope: string,
  guid: string,
  options: ArmOperationOptions = {},
): ResultAsync<RoleDefinition, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'GET',
        path: authorizationPath(scope, 'roleDefinitions', guid),
        query: { 'api-version': API_VERSION },
        operation: 'GET roleDefinition',
        abortSignal: options.abortSignal,
      },
      RoleDefinitionSchema,
    )
    .andThen(({ body }) => ok(body));
}
