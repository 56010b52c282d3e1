import { pages, type TransportError } from '@wif/http';
import { ok, type Result } from 'neverthrow';
import type { DevOpsClient, DevOpsOperationOptions } from '../client';
import { API_VERSION, segment } from '../_internal/request';
import { type ServiceEndpointExecutionRecord, serviceEndpointExecutionRecordListSchema } from '../schemas/executionHistory';

/**
 * Lists the pipeline runs that used a service connection (its "Usage history"), one page per
 * yielded `Result`.
 *
 * `GET /{org}/{project}/_apis/serviceendpoint/{endpointId}/executionhistory?top={top}&api-version=7.1`
 * (Executionhistory - List), then again with `continuationToken=` set to the
 * `x-ms-continuationtoken` response header while the service sends one. The spec declares the
 * `continuationToken` query parameter but not where the next one comes from; the header is how the
 * other Azure DevOps lists page (unconfirmed here), and a response without it ends the listing.
 * The order of the records is not documented either: callers must not assume newest first.
 * Reference: learn.microsoft.com/rest/api/azure/devops/serviceendpoint/executionhistory/list?view=azure-devops-rest-7.1
 *
 * Permission: read on the connection (PAT scope `vso.serviceendpoint`). Read-only, safe to re-run.
 * Errors: `NotFound`, `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`, `Network`,
 * `InvalidResponse`, `Authentication`, `Aborted`; the first failed page ends the listing.
 *
 * @example
 * for await (const page of listServiceEndpointExecutionRecords(devops, projectId, connectionId, { top: 100 })) …
 */
export function listServiceEndpointExecutionRecords(
  client: DevOpsClient,
  project: string,
  endpointId: string,
  query: { readonly top?: number } = {},
  options: DevOpsOperationOptions = {},
): AsyncGenerator<Result<readonly ServiceEndpointExecutionRecord[], TransportError>> {
  return pages((continuationToken) =>
    client.transport
      .sendJson(
        {
          method: 'GET',
          path: `/${segment(project)}/_apis/serviceendpoint/${segment(endpointId)}/executionhistory`,
          query: { top: query.top, continuationToken, 'api-version': API_VERSION },
          operation: 'GET executionhistory',
          abortSignal: options.abortSignal,
        },
        serviceEndpointExecutionRecordListSchema,
      )
      .andThen((res) => ok({ items: res.body, next: res.header('x-ms-continuationtoken') || undefined })),
  );
}
