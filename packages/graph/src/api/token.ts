/**
 * The Microsoft Entra token endpoint: client credentials with a federated assertion (the
 * workload identity federation exchange, docs/reference/federation.md §4). No bearer token: the assertion
 * authenticates the application.
 */
import {
  type CloudName,
  createTransport,
  registerSecret,
  resolveEndpoints,
  type Transport,
  type TransportError,
  type TransportOptions,
} from '@wif/http';
import type { ResultAsync } from 'neverthrow';
import { AccessTokenHandle } from '../accessTokenHandle';
import { tokenResponseSchema } from '../schemas/token';

/** Options of {@link createEntraTokenClient}. */
export type EntraTokenClientOptions = {
  /** Authority host, e.g. `https://login.microsoftonline.com`. Default: the cloud preset's. */
  readonly authority?: string;
  /** Cloud preset for the default authority. Default `AzureCloud`. */
  readonly cloud?: CloudName;
} & TransportOptions;

/** A client for the Entra token endpoint. */
export interface EntraTokenClient {
  readonly transport: Transport;
}

/** The signed assertion presented to Entra, e.g. an Azure DevOps OIDC token. Registered as a secret. */
export type AssertionSource = string;

/** Input of {@link requestTokenWithClientAssertion}. */
export interface ClientAssertionTokenRequest {
  /** Tenant id (GUID) or verified domain of the application's home tenant. */
  readonly tenantId: string;
  /** The application's client id (`appId`). */
  readonly clientId: string;
  /** One resource with `/.default`, e.g. `https://management.azure.com/.default`. */
  readonly scope: string;
  readonly clientAssertion: AssertionSource;
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * Creates a client for the Entra token endpoint.
 *
 * @throws TypeError (a programmer error) when `authority` is not an absolute https URL (or http to
 * this machine).
 * @example
 * const entra = createEntraTokenClient();
 */
export function createEntraTokenClient(options: EntraTokenClientOptions = {}): EntraTokenClient {
  const { authority, cloud, ...transportOptions } = options;
  const baseUrl = resolveEndpoints(cloud, authority ? { authority } : {}).authority;
  return Object.freeze({ transport: createTransport({ ...transportOptions, service: 'entra', baseUrl, auth: { kind: 'none' } }) });
}

/**
 * Exchanges a signed assertion for an access token (client credentials grant).
 *
 * `POST {authority}/{tenant}/oauth2/v2.0/token`, form-encoded `client_id`, `scope`,
 * `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`,
 * `client_assertion`, `grant_type=client_credentials`.
 * Permission: none; the application needs a federated identity credential matching the
 * assertion's issuer, subject and audience. Safe to re-run while the assertion is valid.
 * Errors carry `code` = the OAuth `error` and `errorCodes` = the AADSTS numbers: e.g. `BadRequest`
 * with 70021 (no matching federated credential; also for minutes after one is created, so retry
 * with back-off), 700024 (assertion expired), 700016 (unknown client id); `Unauthorized`
 * (`invalid_client`); `Throttled`, `ServiceUnavailable`, `Network`, `Aborted`, `InvalidResponse`.
 * The assertion and the token never appear in an error or a log line.
 *
 * @example
 * const token = await requestTokenWithClientAssertion(entra, { tenantId, clientId: app.appId, scope: 'https://management.azure.com/.default', clientAssertion: oidcToken });
 */
export function requestTokenWithClientAssertion(
  client: EntraTokenClient,
  input: ClientAssertionTokenRequest,
  options: { readonly abortSignal?: AbortSignal | undefined } = {},
): ResultAsync<AccessTokenHandle, TransportError> {
  registerSecret(input.clientAssertion);
  const form = new URLSearchParams({
    client_id: input.clientId,
    scope: input.scope,
    client_assertion_type: JWT_BEARER,
    client_assertion: input.clientAssertion,
    grant_type: 'client_credentials',
  });
  const requestedAt = Date.now();
  return client.transport
    .sendJson(
      {
        method: 'POST',
        path: `/${encodeURIComponent(input.tenantId)}/oauth2/v2.0/token`,
        body: form.toString(),
        contentType: 'application/x-www-form-urlencoded',
        operation: 'POST token',
        abortSignal: options.abortSignal,
      },
      tokenResponseSchema,
    )
    .map(
      ({ body }) =>
        new AccessTokenHandle({
          token: body.access_token,
          tokenType: body.token_type,
          // Counted from when the request left, so the handle never outlives the real token.
          expiresOnTimestamp: requestedAt + body.expires_in * 1000,
          scope: input.scope,
        }),
    );
}
