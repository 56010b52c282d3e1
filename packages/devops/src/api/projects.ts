import { pages, type TransportError } from '@wif/http';
import { type Result, type ResultAsync, ok } from 'neverthrow';
import type { DevOpsClient, DevOpsOperationOptions } from '../client';
import { API_VERSION, segment } from '../_internal/request';
import { type TeamProjectReference, teamProjectListSchema, teamProjectReferenceSchema } from '../schemas/project';

/** Query of {@link listProjects}. */
export interface ListProjectsQuery {
  /** `wellFormed` (the service default), `all`, `createPending`, `deleting`, `new`, `unchanged`, `deleted`. */
  readonly stateFilter?: string;
  /** Sent as `$top`. */
  readonly top?: number;
}

/**
 * Lists the projects the caller can see, one page per yielded `Result`.
 *
 * `GET /{org}/_apis/projects?api-version=7.1`, then again with `continuationToken=` set to the
 * `x-ms-continuationtoken` response header while the service sends one (not in the spec; see
 * `docs/reference/devops.md` §9). Permission: any member of the organization (PAT scope `vso.project`).
 * Read-only, safe to re-run. Errors: `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`,
 * `Network`, `InvalidResponse`, `Authentication`, `Aborted`; the first failed page ends the listing.
 *
 * @example
 * const all = await collect(listProjects(devops), 5000);
 */
export function listProjects(
  client: DevOpsClient,
  query: ListProjectsQuery = {},
  options: DevOpsOperationOptions = {},
): AsyncGenerator<Result<readonly TeamProjectReference[], TransportError>> {
  return pages((continuationToken) =>
    client.transport
      .sendJson(
        {
          method: 'GET',
          path: '/_apis/projects',
          query: { stateFilter: query.stateFilter, $top: query.top, continuationToken, 'api-version': API_VERSION },
          operation: 'GET projects',
          abortSignal: options.abortSignal,
        },
        teamProjectListSchema,
      )
      .andThen((res) => ok({ items: res.body.value, next: res.header('x-ms-continuationtoken') || undefined })),
  );
}

/**
 * Reads one project by id or name.
 *
 * `GET /{org}/_apis/projects/{projectId}?api-version=7.1` (Projects - Get; the stored 7.1 spec
 * snapshots declare `7.1-preview.4` for this resource and the newer `adb28786` snapshot `7.1` for its
 * list: the GA version is assumed to cover Get too, unconfirmed). Permission: read access to the
 * project (PAT scope `vso.project`). Read-only, safe to re-run. Errors: `NotFound` (no such project,
 * or not visible), `Unauthorized`, `Forbidden`, `Throttled`, `ServiceUnavailable`, `Network`,
 * `InvalidResponse`, `Authentication`, `Aborted`.
 *
 * @example
 * const project = await getProject(devops, 'platform');
 */
export function getProject(
  client: DevOpsClient,
  projectIdOrName: string,
  options: DevOpsOperationOptions = {},
): ResultAsync<TeamProjectReference, TransportError> {
  return client.transport
    .sendJson(
      {
        method: 'GET',
        path: `/_apis/projects/${segment(projectIdOrName)}`,
        query: { 'api-version': API_VERSION },
        operation: 'GET project',
        abortSignal: options.abortSignal,
      },
      teamProjectReferenceSchema,
    )
    .andThen((res) => ok(res.body));
}
