/**
 * Federated identity credentials of an application, addressed by the application's object id
 * (docs/reference/graph.md §5). At most 20 per application; `issuer`+`subject` unique per application; create
 * them one at a time per application (concurrent writes conflict).
 * Permission for writes: owner of the application with `Application.ReadWrite.OwnedBy`, or
 * `Application.ReadWrite.All`; reads: `Application.Read.All`.
 */
import { collect, invalidResponse, type TransportError } from '@wif/http';
import { errAsync, okAsync, ResultAsync, ok } from 'neverthrow';
import type { GraphClient } from '../client';
import { listCollection } from '../_internal/odata';
import { type FederatedIdentityCredential, federatedIdentityCredentialSchema } from '../schemas/federatedIdentityCredential';
import type { GraphRequestOptions } from './options';

/** Far above the documented 20 per application: more means the answer is not what we think it is. */
const MAX_CREDENTIALS = 100;

/** A new federated identity credential. `audiences` must hold exactly one value (`api://AzureADTokenExchange`). */
export interface FederatedIdentityCredentialBody {
  /** 3–120 characters: letters, digits, `-`, `_`; starts with a letter or digit; immutable. */
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
  readonly audiences: readonly string[];
  readonly description?: string;
}

/** The changeable fields of a federated identity credential (`name` is immutable). */
export type FederatedIdentityCredentialPatch = Partial<Omit<FederatedIdentityCredentialBody, 'name'>>;

function credentialsPath(appObjectId: string): string {
  return `/applications/${encodeURIComponent(appObjectId)}/federatedIdentityCredentials`;
}

/**
 * Lists every federated identity credential of an application (following next links, capped).
 *
 * `GET /applications/{id}/federatedIdentityCredentials`.
 * Permission: `Application.Read.All`. Safe to re-run.
 * Errors: `NotFound` (no such application), `Unauthorized`, `Forbidden`, `Throttled`,
 * `ServiceUnavailable`, `Network`, `Authentication`, `Aborted`, `InvalidResponse` (also when more
 * than 100 come back).
 *
 * @example
 * const fics = await listFederatedIdentityCredentials(graph, app.id);
 */
export function listFederatedIdentityCredentials(
  client: GraphClient,
  appObjectId: string,
  options: GraphRequestOptions = {},
): ResultAsync<FederatedIdentityCredential[], TransportError> {
  const operation = 'GET federatedIdentityCredentials';
  const iterable = listCollection(
    client,
    { path: credentialsPath(appObjectId), operation, abortSignal: options.abortSignal },
    federatedIdentityCredentialSchema,
  );
  return ResultAsync.fromSafePromise(collect(iterable, MAX_CREDENTIALS)).andThen((result) =>
    result.match(
      (items) => okAsync(items),
      (error) =>
        error.kind === 'LimitExceeded'
          ? errAsync(
              invalidResponse('graph', operation, 200, [
                { path: 'value', message: `more than ${MAX_CREDENTIALS} credentials; an application holds at most 20` },
              ]),
            )
          : errAsync(error),
    ),
  );
}

/**
 * Adds a federated identity credential to an application.
 *
 * `POST /applications/{id}/federatedIdentityCredentials` with `{ name, issuer, subject, audiences, description? }`
 * → `201` + the credential.
 * Permission: `Application.ReadWrite.OwnedBy` (owner) or `Application.ReadWrite.All`.
 * Not safe to re-run as is: the same name or issuer+subject again fails (`Request_MultipleObjectsWithSameKeyValue`,
 * status unconfirmed); list first. A new credential can take minutes before token exchange accepts it.
 * Errors: `BadRequest` (invalid name, not exactly one audience, duplicate), `Conflict`, `NotFound`,
 * `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`, `Network`, `Authentication`,
 * `Aborted`, `InvalidResponse`.
 *
 * @example
 * const fic = await createFederatedIdentityCredential(graph, app.id, { name: 'ado-prod', issuer, subject, audiences: ['api://AzureADTokenExchange'] });
 */
export function createFederatedIdentityCredential(
  client: GraphClient,
  appObjectId: string,
  body: FederatedIdentityCredentialBody,
  options: GraphRequestOptions = {},
): ResultAsync<FederatedIdentityCredential, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'POST',
        path: credentialsPath(appObjectId),
        body,
        operation: 'POST federatedIdentityCredentials',
        abortSignal: options.abortSignal,
      },
      federatedIdentityCredentialSchema,
    )
    .andThen(({ body: created }) => ok(created));
}

/**
 * Changes the issuer, subject, audiences or description of a federated identity credential.
 *
 * `PATCH /applications/{id}/federatedIdentityCredentials/{id or name}` → `204`.
 * Permission: `Application.ReadWrite.OwnedBy` (owner) or `Application.ReadWrite.All`.
 * Safe to re-run.
 * Errors: `NotFound`, `BadRequest`, `Conflict`, `Unauthorized`, `Forbidden`, `Throttled`,
 * `ServiceUnavailable`, `Network`, `Authentication`, `Aborted`.
 *
 * @example
 * await updateFederatedIdentityCredential(graph, app.id, 'ado-prod', { subject: newSubject });
 */
export function updateFederatedIdentityCredential(
  client: GraphClient,
  appObjectId: string,
  idOrName: string,
  patch: FederatedIdentityCredentialPatch,
  options: GraphRequestOptions = {},
): ResultAsync<void, TransportError> {
  return client.transport
    .send({
      method: 'PATCH',
      path: `${credentialsPath(appObjectId)}/${encodeURIComponent(idOrName)}`,
      body: patch,
      operation: 'PATCH federatedIdentityCredential',
      abortSignal: options.abortSignal,
    })
    .andThen(() => ok(undefined));
}

/**
 * Removes a federated identity credential from an application.
 *
 * `DELETE /applications/{id}/federatedIdentityCredentials/{id or name}` → `204`.
 * Permission: `Application.ReadWrite.OwnedBy` (owner) or `Application.ReadWrite.All`.
 * Re-running after success gives `NotFound`.
 * Errors: `NotFound`, `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`, `Network`,
 * `Authentication`, `Aborted`.
 *
 * @example
 * await deleteFederatedIdentityCredential(graph, app.id, 'ado-prod');
 */
export function deleteFederatedIdentityCredential(
  client: GraphClient,
  appObjectId: string,
  idOrName: string,
  options: GraphRequestOptions = {},
): ResultAsync<void, TransportError> {
  return client.transport
    .send({
      method: 'DELETE',
      path: `${credentialsPath(appObjectId)}/${encodeURIComponent(idOrName)}`,
      operation: 'DELETE federatedIdentityCredential',
      abortSignal: options.abortSignal,
    })
    .andThen(() => ok(undefined));
}
