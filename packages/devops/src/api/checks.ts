/**
 * Check configurations ("Approvals and checks") on a service connection:
 * `/{org}/{project}/_apis/pipelines/checks/configurations` at api-version `7.1-preview.1` (the only
 * version the 7.1 spec declares; no GA exists). Reference:
 * learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/check-configurations?view=azure-devops-rest-7.1
 * Check type ids: learn.microsoft.com/azure/devops/pipelines/process/approvals and the terraform
 * provider's `approvalsandchecks` resources (microsoft/terraform-provider-azuredevops).
 */
import type { TransportError } from '@wif/http';
import { err, ok, okAsync, type ResultAsync } from 'neverthrow';
import type { DevOpsClient, DevOpsOperationOptions } from '../client';
import { segment } from '../_internal/request';
import { type CheckConfiguration, checkConfigurationListSchema, checkConfigurationSchema } from '../schemas/checks';

/** The api-version of every check-configuration call (preview-only: no GA version exists). */
export const CHECKS_API_VERSION = '7.1-preview.1';

/** `type.id` of the check kinds wif manages. Branch control and business hours are both Task Checks, told apart by `settings.definitionRef.id`. */
export const CHECK_TYPE_IDS = {
  approval: '8c6f20a7-a545-4486-9777-f762fafe0d4d',
  taskCheck: 'fe1de3ee-a436-41b4-bb20-f6eb4cb879a7',
  exclusiveLock: '2ef31ad6-baa0-403a-8b45-2cbc9b4e5563',
} as const;

/** `settings.definitionRef` of the Task Checks wif manages. */
export const TASK_CHECK_DEFINITIONS = {
  branchControl: { id: '86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b', name: 'evaluatebranchProtection', version: '0.0.1' },
  businessHours: { id: '445fde2f-6c39-441c-807f-8a59ff2e075f', name: 'evaluateBusinessHours', version: '0.0.1' },
} as const;

/** The protected resource: a service connection, by id. */
export interface CheckResource {
  readonly type: 'endpoint';
  readonly id: string;
  readonly name?: string;
}

/** What {@link createCheckConfiguration} and {@link updateCheckConfiguration} send. */
export interface CheckConfigurationBody {
  readonly type: { readonly id: string; readonly name?: string };
  readonly resource: CheckResource;
  readonly settings: Readonly<Record<string, unknown>>;
  /** Minutes. */
  readonly timeout?: number;
  /**
   * The check is configured but not evaluated (the portal's "Disable"). A writable property of the
   * spec's `CheckConfiguration`; the service's handling of it on add is not documented. Sent only when set.
   */
  readonly isDisabled?: boolean;
}

const BASE = '_apis/pipelines/checks/configurations';
const query = (extra: Record<string, string> = {}): Record<string, string> => ({ ...extra, 'api-version': CHECKS_API_VERSION });
const bodyOf = (b: CheckConfigurationBody): Record<string, unknown> => ({
  type: { ...b.type },
  resource: { ...b.resource },
  settings: b.settings,
  ...(b.timeout !== undefined ? { timeout: b.timeout } : {}),
  ...(b.isDisabled !== undefined ? { isDisabled: b.isDisabled } : {}),
});

/**
 * Lists the checks on a resource, with their settings.
 *
 * `GET /{org}/{project}/_apis/pipelines/checks/configurations?resourceType=endpoint&resourceId={id}&$expand=settings&api-version=7.1-preview.1`
 * (without `$expand=settings` the service leaves `settings` out). The `{ count, value }` wrapper is
 * unwrapped. Permission: read on the connection (PAT `vso.build`). Read-only.
 * @example const checks = await listCheckConfigurations(devops, projectId, { type: 'endpoint', id: sc.id });
 */
export function listCheckConfigurations(
  client: DevOpsClient,
  project: string,
  resource: CheckResource,
  options: DevOpsOperationOptions = {},
): ResultAsync<CheckConfiguration[], TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'GET',
        path: `/${segment(project)}/${BASE}`,
        query: query({ resourceType: resource.type, resourceId: resource.id, $expand: 'settings' }),
        operation: 'GET checkConfigurations',
        abortSignal: options.abortSignal,
      },
      checkConfigurationListSchema,
    )
    .andThen((res) => ok(res.body.value));
}

/**
 * The most resources {@link queryCheckConfigurations} names in one request. Neither the reference
 * (https://learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/check-configurations/query)
 * nor the 7.1 spec documents a limit on the body; 50 keeps each request and its answer bounded
 * (tens of checks per resource at most) and is well above the 10 connections of a typical project,
 * so an audit still sends one query per project.
 */
export const MAX_CHECK_QUERY_RESOURCES = 50;

/**
 * Lists the checks on several resources of one project in one request, with their settings.
 *
 * `POST /{org}/{project}/_apis/pipelines/checks/queryconfigurations?$expand=settings&api-version=7.1-preview.1`
 * with the body `[{ type, id }, …]`, answered `200 { count, value }` (unwrapped): every check of
 * every resource named, each with its `resource`, to tell them apart. Resources are sent in chunks of
 * {@link MAX_CHECK_QUERY_RESOURCES} (one request each, in order); no resource sends nothing.
 * Reference: https://learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/check-configurations/query
 * Permission: read on the resources (PAT `vso.build`). Read-only, safe to re-run. Errors: those of
 * every call; the first failed chunk is the error.
 * @example const checks = await queryCheckConfigurations(devops, projectId, connections.map((c) => ({ type: 'endpoint', id: c.id })));
 */
export function queryCheckConfigurations(
  client: DevOpsClient,
  project: string,
  resources: readonly CheckResource[],
  options: DevOpsOperationOptions = {},
): ResultAsync<CheckConfiguration[], TransportError> {
  const chunks: CheckResource[][] = [];
  for (let i = 0; i < resources.length; i += MAX_CHECK_QUERY_RESOURCES) chunks.push(resources.slice(i, i + MAX_CHECK_QUERY_RESOURCES));
  const one = (chunk: readonly CheckResource[]): ResultAsync<CheckConfiguration[], TransportError> =>
    client.transport
      .sendJson(
        {
          method: 'POST',
          path: `/${segment(project)}/_apis/pipelines/checks/queryconfigurations`,
          query: query({ $expand: 'settings' }),
          body: chunk.map((r) => ({ type: r.type, id: r.id, ...(r.name !== undefined ? { name: r.name } : {}) })),
          operation: 'POST queryCheckConfigurations',
          abortSignal: options.abortSignal,
        },
        checkConfigurationListSchema,
      )
      .andThen((res) => ok(res.body.value));
  return chunks.reduce<ResultAsync<CheckConfiguration[], TransportError>>(
    (all, chunk) => all.andThen((got) => one(chunk).map((more) => [...got, ...more])),
    okAsync([]),
  );
}

/**
 * Reads one check with its settings. `GET …/configurations/{id}?$expand=settings&api-version=7.1-preview.1`.
 * Errors: `NotFound` and those of every call. Read-only.
 * @example getCheckConfiguration(devops, projectId, 42)
 */
export function getCheckConfiguration(
  client: DevOpsClient,
  project: string,
  id: number,
  options: DevOpsOperationOptions = {},
): ResultAsync<CheckConfiguration, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'GET',
        path: `/${segment(project)}/${BASE}/${id}`,
        query: query({ $expand: 'settings' }),
        operation: 'GET checkConfiguration',
        abortSignal: options.abortSignal,
      },
      checkConfigurationSchema,
    )
    .andThen((res) => ok(res.body));
}

/**
 * Adds a check. The service always creates a new configuration (duplicates are allowed): list
 * first and update a match instead (what `@wif/core` does). `POST …/configurations?api-version=7.1-preview.1`,
 * answered `200` with the server-assigned `id`.
 * Permission: Administrator role on the connection (PAT `vso.build_execute` + `vso.pipelineresources_manage`).
 * Errors: `BadRequest`, `Forbidden` and those of every call. Not safe to re-run blindly.
 * @example createCheckConfiguration(devops, projectId, { type: { id: CHECK_TYPE_IDS.exclusiveLock, name: 'ExclusiveLock' }, resource, settings: {} })
 */
export function createCheckConfiguration(
  client: DevOpsClient,
  project: string,
  body: CheckConfigurationBody,
  options: DevOpsOperationOptions = {},
): ResultAsync<CheckConfiguration, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'POST',
        path: `/${segment(project)}/${BASE}`,
        query: query(),
        body: bodyOf(body),
        operation: 'POST checkConfiguration',
        abortSignal: options.abortSignal,
      },
      checkConfigurationSchema,
    )
    .andThen((res) => ok(res.body));
}

/**
 * Replaces an existing check's configuration: `PATCH …/configurations/{id}?api-version=7.1-preview.1`
 * with the full configuration including `id` (and `version` when the service sent one).
 * Same permission as create. Safe to re-run.
 * @example updateCheckConfiguration(devops, projectId, 42, body, { version: 3 })
 */
export function updateCheckConfiguration(
  client: DevOpsClient,
  project: string,
  id: number,
  body: CheckConfigurationBody,
  extra: { readonly version?: number | undefined } = {},
  options: DevOpsOperationOptions = {},
): ResultAsync<CheckConfiguration, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'PATCH',
        path: `/${segment(project)}/${BASE}/${id}`,
        query: query(),
        body: { id, ...bodyOf(body), ...(extra.version !== undefined ? { version: extra.version } : {}) },
        operation: 'PATCH checkConfiguration',
        abortSignal: options.abortSignal,
      },
      checkConfigurationSchema,
    )
    .andThen((res) => ok(res.body));
}

/**
 * Deletes a check: `DELETE …/configurations/{id}?api-version=7.1-preview.1` (the example answers
 * 204, the spec 200: both accepted). Safe to re-run: a check already gone (404) is success.
 * @returns `true` when something was deleted.
 * @example deleteCheckConfiguration(devops, projectId, 42)
 */
export function deleteCheckConfiguration(
  client: DevOpsClient,
  project: string,
  id: number,
  options: DevOpsOperationOptions = {},
): ResultAsync<boolean, TransportError> {
  return client.transport
    .send({
      method: 'DELETE',
      path: `/${segment(project)}/${BASE}/${id}`,
      query: query(),
      operation: 'DELETE checkConfiguration',
      abortSignal: options.abortSignal,
    })
    .andThen(() => ok(true))
    .orElse((error) => (error.kind === 'NotFound' ? ok(false) : err(error)));
}
