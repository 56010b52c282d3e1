/**
 * Microsoft Graph `servicePrincipals` (docs/reference/graph.md §4). The service principal's `id` is the
 * `principalId` of ARM role assignments. Permission for writes: `Application.ReadWrite.OwnedBy` or
 * `Application.ReadWrite.All`; reads: `Application.Read.All`.
 */
import type { TransportError } from '@wif/http';
import { type Result, type ResultAsync, ok } from 'neverthrow';
import type { GraphClient } from '../client';
import { listCollection, listQuery, odataKey } from '../_internal/odata';
import { type ServicePrincipal, servicePrincipalSchema } from '../schemas/servicePrincipal';
import type { GraphRequestOptions, ListQuery } from './options';

const REQUIRED_FIELDS = ['id', 'appId'] as const;

/** How to address one service principal: object id or the application's client id. */
export type ServicePrincipalKey = { readonly id: string } | { readonly appId: string };

function servicePrincipalPath(key: ServicePrincipalKey): string {
  return 'id' in key ? `/servicePrincipals/${encodeURIComponent(key.id)}` : `/servicePrincipals(appId=${odataKey(key.appId)})`;
}

/**
 * Creates the service principal of an application in the caller's tenant.
 *
 * `POST /servicePrincipals` with `{ appId, tags? }` → `201` + the service principal.
 * Permission: `Application.ReadWrite.OwnedBy` or `Application.ReadWrite.All`.
 * Not safe to re-run as is: a second create for the same `appId` fails (`BadRequest`/`Conflict`,
 * code unconfirmed); read first with {@link getServicePrincipal}. Right after the application is
 * created Graph may answer `BadRequest`/`NotFound` for a few seconds (replication, docs/reference/graph.md §9).
 * Errors: `BadRequest`, `Conflict`, `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`,
 * `Network`, `Authentication`, `Aborted`, `InvalidResponse`.
 *
 * @example
 * const sp = await createServicePrincipal(graph, { appId: app.appId });
 */
export function createServicePrincipal(
  client: GraphClient,
  body: { readonly appId: string; readonly tags?: readonly string[] },
  options: GraphRequestOptions = {},
): ResultAsync<ServicePrincipal, TransportError> {
  return client.transport
    .sendJson(
      { method: 'POST', path: '/servicePrincipals', body, operation: 'POST servicePrincipals', abortSignal: options.abortSignal },
      servicePrincipalSchema,
    )
    .andThen(({ body: created }) => ok(created));
}

/**
 * Reads one service principal by object id or by its application's client id.
 *
 * `GET /servicePrincipals/{id}` or `GET /servicePrincipals(appId='…')`.
 * Permission: `Application.Read.All`. Safe to re-run. `NotFound` when none exists (yet).
 * Errors: `NotFound`, `BadRequest`, `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`,
 * `Network`, `Authentication`, `Aborted`, `InvalidResponse`.
 *
 * @example
 * const sp = await getServicePrincipal(graph, { appId: app.appId });
 */
export function getServicePrincipal(
  client: GraphClient,
  key: ServicePrincipalKey,
  options: GraphRequestOptions = {},
): ResultAsync<ServicePrincipal, TransportError> {
  return client.transport
    .sendJson(
      { method: 'GET', path: servicePrincipalPath(key), operation: 'GET servicePrincipal', abortSignal: options.abortSignal },
      servicePrincipalSchema,
    )
    .andThen(({ body }) => ok(body));
}

/**
 * Lists service principals page by page, following `@odata.nextLink`.
 *
 * `GET /servicePrincipals?$filter=…&$select=…&$top=…`.
 * Permission: `Application.Read.All`. Safe to re-run.
 * Errors (one `Err`, then the iteration ends): `BadRequest`, `Unauthorized`, `Forbidden`,
 * `Throttled`, `ServiceUnavailable`, `Network`, `Authentication`, `Aborted`, `InvalidResponse`.
 *
 * @example
 * for await (const page of listServicePrincipals(graph, { filter: `appId eq '${appId}'` })) { ... }
 */
export function listServicePrincipals(
  client: GraphClient,
  query: ListQuery = {},
  options: GraphRequestOptions = {},
): AsyncGenerator<Result<readonly ServicePrincipal[], TransportError>, void, undefined> {
  return listCollection(
    client,
    {
      path: '/servicePrincipals',
      query: listQuery(query, REQUIRED_FIELDS),
      operation: 'GET servicePrincipals',
      abortSignal: options.abortSignal,
    },
    servicePrincipalSchema,
  );
}

/**
 * Deletes a service principal (its role assignments stay in ARM as orphans: remove them first).
 *
 * `DELETE /servicePrincipals/{id}` → `204`.
 * Permission: `Application.ReadWrite.OwnedBy` or `Application.ReadWrite.All`.
 * Re-running after success gives `NotFound`.
 * Errors: `NotFound`, `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`, `Network`,
 * `Authentication`, `Aborted`.
 *
 * @example
 * await deleteServicePrincipal(graph, sp.id);
 */
export function deleteServicePrincipal(
  client: GraphClient,
  id: string,
  options: GraphRequestOptions = {},
): ResultAsync<void, TransportError> {
  return client.transport
    .send({ method: 'DELETE', path: servicePrincipalPath({ id }), operation: 'DELETE servicePrincipal', abortSignal: options.abortSignal })
    .andThen(() => ok(undefined));
}
