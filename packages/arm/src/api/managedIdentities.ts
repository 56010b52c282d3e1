/**
 * `Microsoft.ManagedIdentity/userAssignedIdentities` and their `federatedIdentityCredentials`.
 * Reference: learn.microsoft.com/rest/api/managedidentity/user-assigned-identities and
 * learn.microsoft.com/rest/api/managedidentity/federated-identity-credentials (spec
 * Azure/azure-rest-api-specs `specification/msi/resource-manager/Microsoft.ManagedIdentity/stable/2024-11-30`).
 * Plain ARM: no Microsoft Graph call and no Graph permission is involved.
 */
import { type Result, type ResultAsync, ok } from 'neverthrow';
import { pages, type TransportError } from '@wif/http';
import type { ArmClient, ArmOperationOptions } from '../client';
import {
  IdentityFederatedCredentialListSchema,
  IdentityFederatedCredentialSchema,
  UserAssignedIdentityListSchema,
  UserAssignedIdentitySchema,
  type IdentityFederatedCredential,
  type UserAssignedIdentity,
} from '../schemas/managedIdentity';

/**
 * The api-version of every Microsoft.ManagedIdentity call: `2024-11-30` (stable; same paths and
 * shapes as `2023-01-31` plus the read-only `isolationScope`, which wif never sends). See
 * learn.microsoft.com/rest/api/managedidentity/user-assigned-identities/create-or-update?view=rest-managedidentity-2024-11-30.
 */
export const MANAGED_IDENTITY_API_VERSION = '2024-11-30';

/** Where a user-assigned identity lives. */
export interface ManagedIdentityRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

/** Body of {@link createOrUpdateUserAssignedIdentity}: `location` is required (TrackedResource). */
export interface UserAssignedIdentityBody {
  readonly location: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Body of {@link putIdentityFederatedCredential}. */
export interface IdentityFederatedCredentialBody {
  readonly issuer: string;
  readonly subject: string;
  /** Exactly one: `api://AzureADTokenExchange`. */
  readonly audiences: readonly string[];
}

/** The request path of an identity (segments percent-encoded). */
export function userAssignedIdentityPath(ref: ManagedIdentityRef): string {
  return (
    `/subscriptions/${encodeURIComponent(ref.subscriptionId)}/resourceGroups/${encodeURIComponent(ref.resourceGroup)}` +
    `/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${encodeURIComponent(ref.name)}`
  );
}

const credentialsPath = (ref: ManagedIdentityRef, name?: string): string =>
  `${userAssignedIdentityPath(ref)}/federatedIdentityCredentials${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

const query = { 'api-version': MANAGED_IDENTITY_API_VERSION };

/**
 * Creates or updates a user-assigned identity. Synchronous: the ids are in the answer.
 *
 * `PUT /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}?api-version=2024-11-30`
 * with `{ location, tags? }`. Permission: Managed Identity Contributor on the resource group.
 * @returns `created: true` for 201, `false` for 200 (it existed; `clientId`/`principalId` unchanged).
 * Errors: `BadRequest` (`LocationRequired`, name rules), `Forbidden` (`AuthorizationFailed`),
 * `Conflict` (`MissingSubscriptionRegistration`), `NotFound` (`ResourceGroupNotFound`) and those of
 * every call. Safe to re-run with the same body.
 * @example createOrUpdateUserAssignedIdentity(arm, { subscriptionId, resourceGroup: 'rg-identities', name: 'id-prod' }, { location: 'westeurope' })
 */
export function createOrUpdateUserAssignedIdentity(
  client: ArmClient,
  ref: ManagedIdentityRef,
  body: UserAssignedIdentityBody,
  options: ArmOperationOptions = {},
): ResultAsync<{ created: boolean; identity: UserAssignedIdentity }, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'PUT',
        path: userAssignedIdentityPath(ref),
        query,
        body: { location: body.location, ...(body.tags !== undefined ? { tags: { ...body.tags } } : {}) },
        operation: 'PUT userAssignedIdentity',
        abortSignal: options.abortSignal,
      },
      UserAssignedIdentitySchema,
    )
    .andThen(({ status, body: identity }) => ok({ created: status === 201, identity }));
}

/**
 * Reads a user-assigned identity.
 *
 * `GET …/userAssignedIdentities/{name}?api-version=2024-11-30`. Permission: Managed Identity
 * Operator, Reader or more. Errors: `NotFound` (`ResourceNotFound`) and those of every call.
 * Read-only. @example getUserAssignedIdentity(arm, ref)
 */
export function getUserAssignedIdentity(
  client: ArmClient,
  ref: ManagedIdentityRef,
  options: ArmOperationOptions = {},
): ResultAsync<UserAssignedIdentity, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'GET',
        path: userAssignedIdentityPath(ref),
        query,
        operation: 'GET userAssignedIdentity',
        abortSignal: options.abortSignal,
      },
      UserAssignedIdentitySchema,
    )
    .andThen(({ body }) => ok(body));
}

/**
 * Deletes a user-assigned identity (its service principal and federated credentials go with it).
 *
 * `DELETE …/userAssignedIdentities/{name}?api-version=2024-11-30`: 200 deleted, 204 already gone.
 * Permission: Managed Identity Contributor. Safe to re-run.
 * @returns `true` when something was deleted.
 * @example deleteUserAssignedIdentity(arm, ref)
 */
export function deleteUserAssignedIdentity(
  client: ArmClient,
  ref: ManagedIdentityRef,
  options: ArmOperationOptions = {},
): ResultAsync<boolean, TransportError> {
  return client.transport
    .send({
      method: 'DELETE',
      path: userAssignedIdentityPath(ref),
      query,
      operation: 'DELETE userAssignedIdentity',
      abortSignal: options.abortSignal,
    })
    .andThen(({ status }) => ok(status === 200));
}

/**
 * Creates or replaces one federated identity credential. Writes under one identity must be
 * sequential: concurrent writes are refused with 409
 * `ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity` (not retried here).
 *
 * `PUT …/userAssignedIdentities/{name}/federatedIdentityCredentials/{ficName}?api-version=2024-11-30`
 * with `{ properties: { issuer, subject, audiences } }`.
 * Permission: Managed Identity Contributor. @returns `created: true` for 201, `false` for 200.
 * Errors: `Conflict` (concurrent write), `BadRequest` (invalid name, audience count, duplicate
 * issuer+subject under another name, more than 20 credentials), `MethodNotAllowed` (405: region
 * without federated credentials), `NotFound` (parent identity) and those of every call.
 * Safe to re-run with the same body.
 * @example putIdentityFederatedCredential(arm, ref, 'ado-prod', { issuer, subject, audiences: ['api://AzureADTokenExchange'] })
 */
export function putIdentityFederatedCredential(
  client: ArmClient,
  ref: ManagedIdentityRef,
  name: string,
  body: IdentityFederatedCredentialBody,
  options: ArmOperationOptions = {},
): ResultAsync<{ created: boolean; credential: IdentityFederatedCredential }, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'PUT',
        path: credentialsPath(ref, name),
        query,
        body: { properties: { issuer: body.issuer, subject: body.subject, audiences: [...body.audiences] } },
        operation: 'PUT federatedIdentityCredential',
        abortSignal: options.abortSignal,
      },
      IdentityFederatedCredentialSchema,
    )
    .andThen(({ status, body: credential }) => ok({ created: status === 201, credential }));
}

/**
 * Reads one federated identity credential of an identity.
 *
 * `GET …/federatedIdentityCredentials/{ficName}?api-version=2024-11-30`. Errors: `NotFound` and
 * those of every call. Read-only. @example getIdentityFederatedCredential(arm, ref, 'ado-prod')
 */
export function getIdentityFederatedCredential(
  client: ArmClient,
  ref: ManagedIdentityRef,
  name: string,
  options: ArmOperationOptions = {},
): ResultAsync<IdentityFederatedCredential, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'GET',
        path: credentialsPath(ref, name),
        query,
        operation: 'GET federatedIdentityCredential',
        abortSignal: options.abortSignal,
      },
      IdentityFederatedCredentialSchema,
    )
    .andThen(({ body }) => ok(body));
}

/**
 * Deletes one federated identity credential (200 deleted, 204 already gone); sequential per
 * identity like every credential write. `DELETE …/federatedIdentityCredentials/{ficName}?api-version=2024-11-30`.
 * @returns `true` when something was deleted. Safe to re-run.
 * @example deleteIdentityFederatedCredential(arm, ref, 'ado-prod')
 */
export function deleteIdentityFederatedCredential(
  client: ArmClient,
  ref: ManagedIdentityRef,
  name: string,
  options: ArmOperationOptions = {},
): ResultAsync<boolean, TransportError> {
  return client.transport
    .send({
      method: 'DELETE',
      path: credentialsPath(ref, name),
      query,
      operation: 'DELETE federatedIdentityCredential',
      abortSignal: options.abortSignal,
    })
    .andThen(({ status }) => ok(status === 200));
}

/**
 * Lists the federated identity credentials of an identity, following `nextLink`.
 *
 * `GET …/federatedIdentityCredentials?api-version=2024-11-30[&$top=N]`. Read-only.
 * @example for await (const page of listIdentityFederatedCredentials(arm, ref)) { … }
 */
export function listIdentityFederatedCredentials(
  client: ArmClient,
  ref: ManagedIdentityRef,
  listOptions: { readonly top?: number } = {},
  options: ArmOperationOptions = {},
): AsyncGenerator<Result<readonly IdentityFederatedCredential[], TransportError>, void, undefined> {
  return pages((cursor: string | undefined) =>
    client.transport
      .sendJson(
        cursor === undefined
          ? {
              method: 'GET',
              path: credentialsPath(ref),
              query: { ...query, $top: listOptions.top },
              operation: 'GET federatedIdentityCredentials',
              abortSignal: options.abortSignal,
            }
          : { method: 'GET', path: cursor, operation: 'GET federatedIdentityCredentials', abortSignal: options.abortSignal },
        IdentityFederatedCredentialListSchema,
      )
      .andThen(({ body }) => ok({ items: body.value, next: body.nextLink ?? undefined })),
  );
}

/**
 * Lists the user-assigned identities of a resource group, following `nextLink` (audit: find the
 * identity behind a connection's `serviceprincipalid` by `properties.clientId`).
 *
 * `GET /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities?api-version=2024-11-30`.
 * Read-only. @example for await (const page of listUserAssignedIdentities(arm, sub, 'rg-identities')) { … }
 */
export function listUserAssignedIdentities(
  client: ArmClient,
  subscriptionId: string,
  resourceGroup: string,
  options: ArmOperationOptions = {},
): AsyncGenerator<Result<readonly UserAssignedIdentity[], TransportError>, void, undefined> {
  const path = `/subscriptions/${encodeURIComponent(subscriptionId)}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`;
  return pages((cursor: string | undefined) =>
    client.transport
      .sendJson(
        cursor === undefined
          ? { method: 'GET', path, query, operation: 'GET userAssignedIdentities', abortSignal: options.abortSignal }
          : { method: 'GET', path: cursor, operation: 'GET userAssignedIdentities', abortSignal: options.abortSignal },
        UserAssignedIdentityListSchema,
      )
      .andThen(({ body }) => ok({ items: body.value, next: body.nextLink ?? undefined })),
  );
}
