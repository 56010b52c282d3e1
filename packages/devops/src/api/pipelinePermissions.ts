/**
 * Pipeline permissions of protected resources, api-version `7.1-preview.1` (no GA version exists).
 * Reference: learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/pipeline-permissions?view=azure-devops-rest-7.1
 * ("Pipeline Permissions - Get", "Update Pipeline Permisions For Resource"); spec
 * MicrosoftDocs/vsts-rest-api-specs `specification/approvalsAndChecks/7.1/pipelinePermissions.json`
 * @ a4336569e790ad8a3dbfa88dbd092ef0ec2727dd. The reference's examples use resource type `queue`;
 * `endpoint` for a service connection is what public scripts use (not stated in the reference:
 * unconfirmed there, but consistent across them).
 */
import type { TransportError } from '@wif/http';
import { type ResultAsync, ok } from 'neverthrow';
import type { DevOpsClient, DevOpsOperationOptions } from '../client';
import { segment } from '../_internal/request';
import { type ResourcePipelinePermissions, resourcePipelinePermissionsSchema } from '../schemas/pipelinePermissions';

const API_VERSION = '7.1-preview.1';

/** The protected resource: a service connection, by id. */
export interface PipelineResource {
  readonly type: 'endpoint';
  readonly id: string;
}

/** What {@link updatePipelinePermissions} changes; anything left out stays as it is. */
export interface PipelinePermissionsUpdate {
  /** Authorize (or revoke) individual pipelines, by pipeline (definition) id. */
  readonly pipelines?: readonly { readonly id: number; readonly authorized: boolean }[];
  /** Open the resource to every pipeline of the project (or close it again). */
  readonly allPipelines?: { readonly authorized: boolean };
}

const path = (project: string, resource: PipelineResource): string =>
  `/${segment(project)}/_apis/pipelines/pipelinePermissions/${segment(resource.type)}/${segment(resource.id)}`;

/**
 * Reads which pipelines may use a service connection.
 *
 * `GET /{org}/{project}/_apis/pipelines/pipelinePermissions/endpoint/{id}?api-version=7.1-preview.1`.
 * A connection no pipeline was ever authorized for has `pipelines: []`. Permission: read access to
 * the connection (PAT scope `vso.build`). Read-only, safe to re-run. Errors: `NotFound`,
 * `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`, `Network`, `InvalidResponse`,
 * `Authentication`, `Aborted`.
 *
 * @example
 * const perms = await getPipelinePermissions(devops, 'platform', { type: 'endpoint', id: sc.id });
 */
export function getPipelinePermissions(
  client: DevOpsClient,
  project: string,
  resource: PipelineResource,
  options: DevOpsOperationOptions = {},
): ResultAsync<ResourcePipelinePermissions, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'GET',
        path: path(project, resource),
        query: { 'api-version': API_VERSION },
        operation: 'GET pipelinePermissions',
        abortSignal: options.abortSignal,
      },
      resourcePipelinePermissionsSchema,
    )
    .andThen((res) => ok(res.body));
}

/**
 * Authorizes (or revokes) pipelines for a service connection; answers the resulting permissions.
 *
 * `PATCH /{org}/{project}/_apis/pipelines/pipelinePermissions/endpoint/{id}?api-version=7.1-preview.1`
 * with `{ resource: { id, type }, pipelines?, allPipelines? }` (a `ResourcePipelinePermissions`).
 * Permission: Administrator role on the connection (PAT scope `vso.pipelineresources_manage`,
 * "Pipeline Resources: Use and manage"). Safe to re-run: setting a pipeline to its current state
 * changes nothing. Errors: `BadRequest`, `Unauthorized`, `Forbidden`, `NotFound`, `Throttled`,
 * `ServiceUnavailable`, `Network`, `InvalidResponse`, `Authentication`, `Aborted`.
 *
 * @example
 * await updatePipelinePermissions(devops, 'platform', { type: 'endpoint', id: sc.id }, { pipelines: [{ id: 42, authorized: true }] });
 */
export function updatePipelinePermissions(
  client: DevOpsClient,
  project: string,
  resource: PipelineResource,
  body: PipelinePermissionsUpdate,
  options: DevOpsOperationOptions = {},
): ResultAsync<ResourcePipelinePermissions, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'PATCH',
        path: path(project, resource),
        query: { 'api-version': API_VERSION },
        body: { resource: { id: resource.id, type: resource.type }, ...body },
        operation: 'PATCH pipelinePermissions',
        abortSignal: options.abortSignal,
      },
      resourcePipelinePermissionsSchema,
    )
    .andThen((res) => ok(res.body));
}
