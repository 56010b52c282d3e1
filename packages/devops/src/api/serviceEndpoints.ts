/**
 * Service endpoints (service connections), `serviceendpoint/endpoints` at api-version 7.1.
 * Reference: learn.microsoft.com/rest/api/azure/devops/serviceendpoint/endpoints?view=azure-devops-rest-7.1;
 * spec `specification/serviceEndpoint/7.1/serviceEndpoint.json` (`docs/reference/devops.md` §1–§7).
 */
import { built, deferred, httpError, type TransportError } from '@wif/http';
import { errAsync, okAsync, type ResultAsync, ok } from 'neverthrow';
import type { DevOpsClient, DevOpsOperationOptions } from '../client';
import { API_VERSION, segment } from '../_internal/request';
import {
  type ServiceEndpoint,
  type ServiceEndpointCreate,
  serviceEndpointListSchema,
  type ServiceEndpointProjectReference,
  serviceEndpointSchema,
} from '../schemas/serviceEndpoint';

/** Built once: a zod schema costs far more to build than to run (this one is used per request). */
const nullishServiceEndpointSchema = deferred(() => built(serviceEndpointSchema).nullish());

const ENDPOINTS = '_apis/serviceendpoint/endpoints';

/** Filters of {@link getServiceEndpointsByNames}. */
export interface ServiceEndpointsByNamesQuery {
  /** e.g. `azurerm`. */
  readonly type?: string;
  /** Include connections whose creation failed (use `true` to find every name that is taken). */
  readonly includeFailed?: boolean;
}

/** Filters of {@link listServiceEndpoints}. */
export interface ListServiceEndpointsQuery {
  /** e.g. `azurerm`. */
  readonly type?: string;
  /** e.g. `['ServicePrincipal']`; sent comma-separated. */
  readonly authSchemes?: readonly string[];
  /** Include connections whose creation failed (use `true` for audits). */
  readonly includeFailed?: boolean;
  /** Internal detail flag the official conversion script sets. */
  readonly includeDetails?: boolean;
}

/** Query of {@link updateServiceEndpoint}. */
export interface UpdateServiceEndpointQuery {
  /** Free text in the spec; the documented value is `ConvertAuthenticationScheme`. */
  readonly operation?: string;
  /**
   * Project id or name: sends the PUT to the project-level route
   * `/{org}/{project}/_apis/serviceendpoint/endpoints/{id}`, as the official conversion script does.
   */
  readonly project?: string;
}

/** Query of {@link deleteServiceEndpoint}. */
export interface DeleteServiceEndpointQuery {
  /**
   * Also delete the service principal Azure DevOps created for the connection (automatic mode only).
   * Never set it for connections whose identity you manage yourself. Default: not sent.
   */
  readonly deep?: boolean;
}

const read = (
  client: DevOpsClient,
  path: string,
  query: Record<string, string | boolean | undefined>,
  operation: string,
  options: DevOpsOperationOptions,
): ResultAsync<ServiceEndpoint[], TransportError> =>
  client.transport
    .sendJson(
      { method: 'GET', path, query: { ...query, 'api-version': API_VERSION }, operation, abortSignal: options.abortSignal },
      serviceEndpointListSchema,
    )
    .andThen((res) => ok(res.body.value));

/**
 * Finds service connections of a project by name (names are unique per project, compared
 * case-insensitively by the service).
 *
 * `GET /{org}/{project}/_apis/serviceendpoint/endpoints?endpointNames={n1,n2}&api-version=7.1`; the
 * answer is the `{ count, value }` wrapper, unwrapped here. No names: no request, an empty list (a
 * name holding a comma cannot be looked up this way: the service splits on commas).
 * Permission: Reader role on the project's service connections (PAT scope `vso.serviceendpoint`).
 * Read-only, safe to re-run. Errors: `NotFound` (project), `Unauthorized`, `Forbidden`, `Throttled`,
 * `ServiceUnavailable`, `Network`, `InvalidResponse`, `Authentication`, `Aborted`.
 *
 * @example
 * const [existing] = await getServiceEndpointsByNames(devops, projectId, ['sc-prod'], { includeFailed: true });
 */
export function getServiceEndpointsByNames(
  client: DevOpsClient,
  project: string,
  names: readonly string[],
  query: ServiceEndpointsByNamesQuery = {},
  options: DevOpsOperationOptions = {},
): ResultAsync<ServiceEndpoint[], TransportError> {
  if (names.length === 0) return okAsync([]);
  return read(
    client,
    `/${segment(project)}/${ENDPOINTS}`,
    { endpointNames: names.join(','), type: query.type, includeFailed: query.includeFailed },
    'GET serviceendpoints by name',
    options,
  );
}

/**
 * Lists the service connections of a project. A connection shared into several projects appears
 * in each of their lists: de-duplicate by `id` when listing across projects.
 *
 * `GET /{org}/{project}/_apis/serviceendpoint/endpoints?type=&authSchemes=&includeFailed=&includeDetails=&api-version=7.1`
 * (no paging is documented: all matches come back at once). Permission: Reader role on the project's
 * service connections (PAT scope `vso.serviceendpoint`). Read-only, safe to re-run. Errors:
 * `NotFound` (project), `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`, `Network`,
 * `InvalidResponse`, `Authentication`, `Aborted`.
 *
 * @example
 * const legacy = await listServiceEndpoints(devops, 'platform', { type: 'azurerm', authSchemes: ['ServicePrincipal'], includeFailed: true });
 */
export function listServiceEndpoints(
  client: DevOpsClient,
  project: string,
  query: ListServiceEndpointsQuery = {},
  options: DevOpsOperationOptions = {},
): ResultAsync<ServiceEndpoint[], TransportError> {
  return read(
    client,
    `/${segment(project)}/${ENDPOINTS}`,
    {
      type: query.type,
      authSchemes: query.authSchemes?.join(','),
      includeFailed: query.includeFailed,
      includeDetails: query.includeDetails,
    },
    'GET serviceendpoints',
    options,
  );
}

/**
 * Reads one service connection of a project.
 *
 * `GET /{org}/{project}/_apis/serviceendpoint/endpoints/{endpointId}?api-version=7.1`. A missing (or
 * invisible) id is answered either `404` or `200` with an empty or `null` body, depending on the
 * service version (`docs/reference/devops.md` §2): all three are a `NotFound` error here. Permission: Reader
 * role on the connection (PAT scope `vso.serviceendpoint`). Read-only, safe to re-run. Errors:
 * `NotFound`, `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`, `Network`,
 * `InvalidResponse`, `Authentication`, `Aborted`.
 *
 * @example
 * const endpoint = await getServiceEndpoint(devops, 'platform', connectionId);
 */
export function getServiceEndpoint(
  client: DevOpsClient,
  project: string,
  endpointId: string,
  options: DevOpsOperationOptions = {},
): ResultAsync<ServiceEndpoint, TransportError> {
  const operation = 'GET serviceendpoint';
  return client.transport
    .sendJson(
      {
        method: 'GET',
        path: `/${segment(project)}/${ENDPOINTS}/${segment(endpointId)}`,
        query: { 'api-version': API_VERSION },
        operation,
        abortSignal: options.abortSignal,
      },
      nullishServiceEndpointSchema,
    )
    .andThen((res) =>
      res.body
        ? okAsync(res.body)
        : errAsync(
            httpError({
              service: 'devops',
              operation,
              status: res.status,
              kind: 'NotFound',
              serviceMessage: `Azure DevOps answered ${res.status} with no service connection.`,
            }),
          ),
    );
}

/**
 * Creates a service connection (org-level route; the project binding is in
 * `serviceEndpointProjectReferences`). For workload identity federation the response carries the
 * server-generated `workloadIdentityFederationIssuer`/`Subject`/`IssuerType` parameters: read them
 * with {@link workloadIdentity} and use them verbatim for the federated credential.
 *
 * `POST /{org}/_apis/serviceendpoint/endpoints?api-version=7.1`. Permission: Creator (or
 * Administrator) role on the project's service connections (PAT scope `vso.serviceendpoint_manage`).
 * **Not** safe to re-run blindly: a second create with the same name fails with
 * `ServiceUnavailable`/`code: 'DuplicateServiceConnectionException'` (HTTP 500, never retried) —
 * look the name up first with {@link getServiceEndpointsByNames}. Errors: `BadRequest`,
 * `Unauthorized`, `Forbidden`, `NotFound` (project), `Throttled`, `ServiceUnavailable`, `Network`,
 * `InvalidResponse`, `Authentication`, `Aborted`.
 *
 * @example
 * const sc = await createServiceEndpoint(devops, { name: 'sc-prod', type: 'azurerm', url: 'https://management.azure.com/',
 *   authorization: { scheme: 'WorkloadIdentityFederation', parameters: { tenantid, serviceprincipalid: appId } },
 *   data: { environment: 'AzureCloud', scopeLevel: 'Subscription', subscriptionId, subscriptionName, creationMode: 'Manual' },
 *   serviceEndpointProjectReferences: [{ projectReference: { id: projectId, name: 'platform' }, name: 'sc-prod' }] });
 */
export function createServiceEndpoint(
  client: DevOpsClient,
  body: ServiceEndpointCreate,
  options: DevOpsOperationOptions = {},
): ResultAsync<ServiceEndpoint, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'POST',
        path: `/${ENDPOINTS}`,
        query: { 'api-version': API_VERSION },
        body,
        operation: 'POST serviceendpoint',
        abortSignal: options.abortSignal,
      },
      serviceEndpointSchema,
    )
    .andThen((res) => ok(res.body));
}

/**
 * Replaces a service connection with `body`: GET it, change it, PUT it back whole (unknown fields
 * are kept by the schema). Editing a connection on the Azure DevOps issuer may switch it to the
 * Entra issuer: re-read issuer and subject from the answer.
 *
 * `PUT /{org}/_apis/serviceendpoint/endpoints/{endpointId}?operation=&api-version=7.1`, or with
 * `query.project` the project-level `PUT /{org}/{project}/_apis/serviceendpoint/endpoints/{endpointId}`
 * that the official `ConvertAuthenticationScheme` script uses. Permission: Administrator role on
 * the connection (PAT scope `vso.serviceendpoint_manage`). Safe to re-run with the same body.
 * Errors: `BadRequest`, `Unauthorized`, `Forbidden`, `NotFound`, `Conflict`, `Throttled`,
 * `ServiceUnavailable`, `Network`, `InvalidResponse`, `Authentication`, `Aborted`.
 *
 * @example
 * const updated = await updateServiceEndpoint(devops, sc.id, { ...sc, description: 'prod' });
 */
export function updateServiceEndpoint(
  client: DevOpsClient,
  endpointId: string,
  body: ServiceEndpoint,
  query: UpdateServiceEndpointQuery = {},
  options: DevOpsOperationOptions = {},
): ResultAsync<ServiceEndpoint, TransportError> {
  const scope = query.project === undefined ? '' : `/${segment(query.project)}`;
  return client.transport
    .sendJson(
      {
        method: 'PUT',
        path: `${scope}/${ENDPOINTS}/${segment(endpointId)}`,
        query: { operation: query.operation, 'api-version': API_VERSION },
        body,
        operation: 'PUT serviceendpoint',
        abortSignal: options.abortSignal,
      },
      serviceEndpointSchema,
    )
    .andThen((res) => ok(res.body));
}

/**
 * Shares a service connection into more projects (each reference: the project id and the
 * connection's name there). With the Azure DevOps issuer the subject embeds the project name:
 * re-read issuer/subject after sharing.
 *
 * `PATCH /{org}/_apis/serviceendpoint/endpoints/{endpointId}?api-version=7.1` with an array body;
 * answered `204`. Permission: Administrator role on the connection, and Creator in the target
 * projects (PAT scope `vso.serviceendpoint_manage`). Safe to re-run. Errors: `BadRequest`,
 * `Unauthorized`, `Forbidden`, `NotFound`, `Conflict`, `Throttled`, `ServiceUnavailable`, `Network`,
 * `Authentication`, `Aborted`.
 *
 * @example
 * await shareServiceEndpoint(devops, sc.id, [{ projectReference: { id: otherProjectId, name: 'web' }, name: 'sc-prod' }]);
 */
export function shareServiceEndpoint(
  client: DevOpsClient,
  endpointId: string,
  references: readonly ServiceEndpointProjectReference[],
  options: DevOpsOperationOptions = {},
): ResultAsync<void, TransportError> {
  return client.transport
    .send({
      method: 'PATCH',
      path: `/${ENDPOINTS}/${segment(endpointId)}`,
      query: { 'api-version': API_VERSION },
      body: references,
      operation: 'PATCH serviceendpoint',
      abortSignal: options.abortSignal,
    })
    .andThen(() => ok(undefined));
}

/**
 * Removes a service connection from the given projects; removed from all of them, it is deleted.
 *
 * `DELETE /{org}/_apis/serviceendpoint/endpoints/{endpointId}?projectIds={p1,p2}[&deep=true]&api-version=7.1`
 * (`projectIds` is required: project GUIDs). `deep=true` is sent only when asked. Permission:
 * Administrator role on the connection (PAT scope `vso.serviceendpoint_manage`). Safe to re-run
 * once it is gone only if the caller treats `NotFound` as done. Errors: `BadRequest`,
 * `Unauthorized`, `Forbidden`, `NotFound`, `Throttled`, `ServiceUnavailable`, `Network`,
 * `Authentication`, `Aborted`.
 *
 * @example
 * await deleteServiceEndpoint(devops, sc.id, [projectId]);
 */
export function deleteServiceEndpoint(
  client: DevOpsClient,
  endpointId: string,
  projectIds: readonly string[],
  query: DeleteServiceEndpointQuery = {},
  options: DevOpsOperationOptions = {},
): ResultAsync<void, TransportError> {
  return client.transport
    .send({
      method: 'DELETE',
      path: `/${ENDPOINTS}/${segment(endpointId)}`,
      query: { projectIds: projectIds.join(','), deep: query.deep === true ? true : undefined, 'api-version': API_VERSION },
      operation: 'DELETE serviceendpoint',
      abortSignal: options.abortSignal,
    })
    .andThen(() => ok(undefined));
}

/**
 * Reads one `authorization.parameters` value, matching the key case-insensitively (the service
 * mixes `tenantid` and `workloadIdentityFederationIssuer`). `null` (a confidential value) reads as
 * `undefined`. Never log what it returns for secret keys.
 *
 * @example
 * const appId = authParameter(endpoint, 'serviceprincipalid');
 */
export function authParameter(endpoint: Pick<ServiceEndpoint, 'authorization'>, key: string): string | undefined {
  const parameters = endpoint.authorization?.parameters ?? {};
  const wanted = key.toLowerCase();
  const found = Object.keys(parameters).find((k) => k.toLowerCase() === wanted);
  return found === undefined ? undefined : (parameters[found] ?? undefined);
}

/** The server-generated federation parameters of a workload identity federation connection. */
export interface WorkloadIdentity {
  /** `workloadIdentityFederationIssuer`, to copy verbatim into the federated credential. */
  readonly issuer?: string;
  /** `workloadIdentityFederationSubject`, to copy verbatim into the federated credential. */
  readonly subject?: string;
  /** `workloadIdentityFederationIssuerType`, e.g. `EntraID`; absent on older connections. */
  readonly issuerType?: string;
}

/**
 * Reads issuer, subject and issuer type of a workload identity federation connection (each absent
 * when the service did not report it).
 *
 * @example
 * const { issuer, subject } = workloadIdentity(created);
 */
export function workloadIdentity(endpoint: Pick<ServiceEndpoint, 'authorization'>): WorkloadIdentity {
  const issuer = authParameter(endpoint, 'workloadIdentityFederationIssuer');
  const subject = authParameter(endpoint, 'workloadIdentityFederationSubject');
  const issuerType = authParameter(endpoint, 'workloadIdentityFederationIssuerType');
  return {
    ...(issuer !== undefined ? { issuer } : {}),
    ...(subject !== undefined ? { subject } : {}),
    ...(issuerType !== undefined ? { issuerType } : {}),
  };
}
