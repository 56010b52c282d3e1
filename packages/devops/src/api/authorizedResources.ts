/**
 * The resources of a project authorised for all its pipelines: the "Grant access permission to all
 * pipelines" switch of a service connection, for every connection of the project in one read.
 *
 * `GET /{org}/{project}/_apis/build/authorizedresources?type=endpoint&api-version=7.1-preview.1`
 * (Build, location `398c85bc-81aa-4822-947c-a194a05f0fef`, preview-only).
 * Reference: https://learn.microsoft.com/rest/api/azure/devops/build/authorizedresources/list
 *
 * Confirmed (public sources): the route, its `type`/`id` query parameters and the
 * `DefinitionResourceReference { authorized, id, name, type }` items, from the generated clients
 * (microsoft/azure-devops-node-api `BuildApi.getProjectResources`, microsoft/azure-devops-go-api
 * `build.GetProjectResources`); that its PATCH (`AuthorizeProjectResources`) is the "all pipelines"
 * switch, from terraform's `azuredevops_resource_authorization` (its read lists by `type` and `id`
 * and treats an empty answer as "not authorised") and from the Azure DevOps security scanner
 * (azsk/ADOScanner reads `authorizedresources?type=…&id=…` to report "access permission to all
 * pipelines is enabled"); and that the pipeline-permissions API's `allPipelines` is the same
 * switch, from terraform's `azuredevops_pipeline_authorization` ("a replacement for
 * `azuredevops_resource_authorization`: authorizations managed by it can also be managed by this
 * resource"): https://learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/pipeline-permissions
 * Not confirmed: whether the list without `id` also carries resources with `authorized: false`
 * (read here as not authorised either way) and whether it is ever paged (no continuation token is
 * documented). docs/decisions/021-per-project-governance-reads.md.
 */
import type { TransportError } from '@wif/http';
import { type ResultAsync, ok } from 'neverthrow';
import type { DevOpsClient, DevOpsOperationOptions } from '../client';
import { segment } from '../_internal/request';
import { type DefinitionResourceReference, definitionResourceReferenceListSchema } from '../schemas/authorizedResources';

/** The api-version of `build/authorizedresources` (preview-only). */
export const AUTHORIZED_RESOURCES_API_VERSION = '7.1-preview.1';

/**
 * Lists the resources of a type authorised for all pipelines of a project (`authorized: true`).
 *
 * `GET /{org}/{project}/_apis/build/authorizedresources?type={type}&api-version=7.1-preview.1`; the
 * `{ count, value }` wrapper is unwrapped. Permission: read builds of the project (PAT `vso.build`).
 * Read-only, safe to re-run. Errors: `NotFound` (project), `Unauthorized`, `Forbidden`, `Throttled`,
 * `ServiceUnavailable`, `Network`, `InvalidResponse`, `Authentication`, `Aborted`.
 * @example
 * const open = await listAuthorizedResources(devops, projectId, { type: 'endpoint' });
 * const openIds = new Set(open._unsafeUnwrap().filter((r) => r.authorized === true).map((r) => r.id.toLowerCase()));
 */
export function listAuthorizedResources(
  client: DevOpsClient,
  project: string,
  filter: { readonly type: 'endpoint'; readonly id?: string },
  options: DevOpsOperationOptions = {},
): ResultAsync<DefinitionResourceReference[], TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'GET',
        path: `/${segment(project)}/_apis/build/authorizedresources`,
        query: {
          type: filter.type,
          ...(filter.id !== undefined ? { id: filter.id } : {}),
          'api-version': AUTHORIZED_RESOURCES_API_VERSION,
        },
        operation: 'GET authorizedResources',
        abortSignal: options.abortSignal,
      },
      definitionResourceReferenceListSchema,
    )
    .andThen((res) => ok(res.body.value));
}
