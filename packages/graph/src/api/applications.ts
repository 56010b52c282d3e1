/**
 * Microsoft Graph `applications` (docs/reference/graph.md §1–3). Thin endpoint functions: method, path, schema.
 * Permission for writes: `Application.ReadWrite.OwnedBy` (objects the caller owns) or
 * `Application.ReadWrite.All`; reads also work with `Application.Read.All`.
 */
import { built, deferred, invalidResponse, type TransportError } from '@wif/http';
import { errAsync, okAsync, type Result, type ResultAsync, ok } from 'neverthrow';
import type { GraphClient } from '../client';
import { listCollection, listQuery, odataKey, selectFields } from '../_internal/odata';
import { type Application, applicationSchema, type SignInAudience } from '../schemas/application';
import type { GraphRequestOptions, ListQuery } from './options';

/** Built once: a zod schema costs far more to build than to run (this one is used per request). */
const optionalApplicationSchema = deferred(() => built(applicationSchema).optional());

/** Fields `applicationSchema` needs; always added to a `$select`. */
const REQUIRED_FIELDS = ['id', 'appId', 'displayName'] as const;

/** The application properties wif writes. */
export interface ApplicationBody {
  readonly displayName: string;
  readonly signInAudience: SignInAudience;
  readonly tags?: readonly string[];
  readonly notes?: string;
  readonly description?: string;
}

/** Outcome of {@link upsertApplication}. On update Graph returns no body: read it with {@link getApplication}. */
export type UpsertApplicationResult = { readonly created: true; readonly application: Application } | { readonly created: false };

/** How to address one application: object id, client id (`appId`) or the client-chosen `uniqueName`. */
export type ApplicationKey = { readonly id: string } | { readonly appId: string } | { readonly uniqueName: string };

function applicationPath(key: ApplicationKey): string {
  if ('id' in key) return `/applications/${encodeURIComponent(key.id)}`;
  if ('appId' in key) return `/applications(appId=${odataKey(key.appId)})`;
  return `/applications(uniqueName=${odataKey(key.uniqueName)})`;
}

/**
 * Creates the application with this `uniqueName`, or updates it with `body` if it exists.
 *
 * `PATCH /applications(uniqueName='{uniqueName}')` with `Prefer: create-if-missing`:
 * `201` + body → `{ created: true, application }`; `204` → `{ created: false }` (no body).
 * Permission: `Application.ReadWrite.OwnedBy` or `Application.ReadWrite.All`.
 * Safe to re-run: the unique name is the identity.
 * Errors: `BadRequest` (invalid body or unique name), `Unauthorized`, `Forbidden`, `Throttled`,
 * `ServiceUnavailable`, `Network`, `Authentication`, `Aborted`, `InvalidResponse`.
 *
 * @example
 * const r = await upsertApplication(graph, 'wif-contoso-web-prod', { displayName: 'wif contoso web prod', signInAudience: 'AzureADMyOrg' });
 */
export function upsertApplication(
  client: GraphClient,
  uniqueName: string,
  body: ApplicationBody,
  options: GraphRequestOptions = {},
): ResultAsync<UpsertApplicationResult, TransportError> {
  const operation = 'PATCH applications(uniqueName)';
  return client.transport
    .sendJson(
      {
        method: 'PATCH',
        path: applicationPath({ uniqueName }),
        headers: { Prefer: 'create-if-missing' },
        body,
        operation,
        abortSignal: options.abortSignal,
      },
      optionalApplicationSchema,
    )
    .andThen(({ status, body: application }): ResultAsync<UpsertApplicationResult, TransportError> => {
      if (status === 201 && application) return okAsync({ created: true, application });
      if (status === 204) return okAsync({ created: false });
      return errAsync(invalidResponse('graph', operation, status, [{ path: '', message: 'expected 201 with the application, or 204' }]));
    });
}

/**
 * Reads one application by object id, client id or unique name.
 *
 * `GET /applications/{id}`, `GET /applications(appId='…')` or `GET /applications(uniqueName='…')`,
 * with `$select` (always including `id,appId,displayName`).
 * Permission: `Application.Read.All` (or `Application.ReadWrite.OwnedBy` for owned apps).
 * Safe to re-run. A new application may not be readable for a few seconds (docs/reference/graph.md §9).
 * Errors: `NotFound`, `BadRequest`, `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`,
 * `Network`, `Authentication`, `Aborted`, `InvalidResponse`.
 *
 * @example
 * const app = await getApplication(graph, { appId: '631a96bc-a705-4eda-9f99-fdaf9f54f6a2' });
 */
export function getApplication(
  client: GraphClient,
  key: ApplicationKey,
  options: GraphRequestOptions & { readonly select?: readonly string[] } = {},
): ResultAsync<Application, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'GET',
        path: applicationPath(key),
        query: { $select: selectFields(REQUIRED_FIELDS, options.select) },
        operation: 'GET application',
        abortSignal: options.abortSignal,
      },
      applicationSchema,
    )
    .andThen(({ body }) => ok(body));
}

/**
 * Changes properties of an application.
 *
 * `PATCH /applications/{id}` → `204`.
 * Permission: `Application.ReadWrite.OwnedBy` or `Application.ReadWrite.All`.
 * Safe to re-run (the same patch gives the same state).
 * Errors: `NotFound`, `BadRequest`, `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`,
 * `Network`, `Authentication`, `Aborted`.
 *
 * @example
 * await updateApplication(graph, app.id, { notes: 'Managed by wif' });
 */
export function updateApplication(
  client: GraphClient,
  id: string,
  patch: Partial<ApplicationBody>,
  options: GraphRequestOptions = {},
): ResultAsync<void, TransportError> {
  return client.transport
    .send({ method: 'PATCH', path: applicationPath({ id }), body: patch, operation: 'PATCH application', abortSignal: options.abortSignal })
    .andThen(() => ok(undefined));
}

/**
 * Lists applications page by page, following `@odata.nextLink`.
 *
 * `GET /applications?$filter=…&$select=…&$top=…`.
 * Permission: `Application.Read.All` (or `Application.ReadWrite.OwnedBy`: owned apps only).
 * Safe to re-run. Gather with `collect(listApplications(…), max)` from `@wif/http`.
 * Errors (one `Err`, then the iteration ends): `BadRequest` (invalid filter), `Unauthorized`,
 * `Forbidden`, `Throttled`, `ServiceUnavailable`, `Network`, `Authentication`, `Aborted`, `InvalidResponse`.
 *
 * @example
 * for await (const page of listApplications(graph, { filter: "displayName eq 'vending'" })) { ... }
 */
export function listApplications(
  client: GraphClient,
  query: ListQuery = {},
  options: GraphRequestOptions = {},
): AsyncGenerator<Result<readonly Application[], TransportError>, void, undefined> {
  return listCollection(
    client,
    { path: '/applications', query: listQuery(query, REQUIRED_FIELDS), operation: 'GET applications', abortSignal: options.abortSignal },
    applicationSchema,
  );
}

/**
 * Deletes an application (soft delete: restorable for 30 days, docs/reference/graph.md §3).
 *
 * `DELETE /applications/{id}` → `204`.
 * Permission: `Application.ReadWrite.OwnedBy` or `Application.ReadWrite.All`.
 * Re-running after success gives `NotFound`.
 * Errors: `NotFound`, `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`, `Network`,
 * `Authentication`, `Aborted`.
 *
 * @example
 * await deleteApplication(graph, app.id);
 */
export function deleteApplication(client: GraphClient, id: string, options: GraphRequestOptions = {}): ResultAsync<void, TransportError> {
  return client.transport
    .send({ method: 'DELETE', path: applicationPath({ id }), operation: 'DELETE application', abortSignal: options.abortSignal })
    .andThen(() => ok(undefined));
}

/**
 * Removes one client secret (password credential) from an application, by its `keyId`. What an app
 * on workload identity federation never needs: wif's `sync --prune` removes those it finds on the
 * apps it made.
 *
 * `POST /applications/{id}/removePassword` with `{ "keyId": "…" }` → `204`. Not in the REST notes
 * wif keeps (docs/reference/graph.md); from the Microsoft Learn page
 * (https://learn.microsoft.com/graph/api/application-removepassword). What Graph answers for a
 * `keyId` the app does not hold is not documented there (the fake answers 400): wif removes only the
 * key ids it has just read on the app.
 * Permission: `Application.ReadWrite.OwnedBy` (an app the caller owns) or `Application.ReadWrite.All`.
 * Not idempotent on the service side: read the app first. Errors: `NotFound` (app), `BadRequest`,
 * `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`, `Network`, `Authentication`, `Aborted`.
 *
 * @example
 * await removeApplicationPassword(graph, app.id, secret.keyId);
 */
export function removeApplicationPassword(
  client: GraphClient,
  id: string,
  keyId: string,
  options: GraphRequestOptions = {},
): ResultAsync<void, TransportError> {
  return client.transport
    .send({
      method: 'POST',
      path: `${applicationPath({ id })}/removePassword`,
      body: { keyId },
      operation: 'POST application removePassword',
      abortSignal: options.abortSignal,
    })
    .andThen(() => ok(undefined));
}
