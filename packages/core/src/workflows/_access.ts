/** Who may use a connection: the projects it is shared into and the pipelines authorized to use it. */
import type { OperationOptions } from '@wif/http';
import {
  getPipelinePermissions,
  getProject,
  type ResourcePipelinePermissions,
  shareServiceEndpoint,
  updatePipelinePermissions,
} from '@wif/devops';
import { okAsync, ResultAsync } from 'neverthrow';
import type { WifError } from '../errors';
import type { ManualConnection } from '../steps/createManualConnection';
import type { Outcome } from '../types';
import type { DesiredConnection } from '../spec/load';
import type { PipelinesSpec } from '../spec/schema';
import type { WifClients } from './clients';
import { decideShare } from './_desired';
import type { FieldChange } from './types';

/** What an access step did, when it had something to do. */
export interface AccessChange {
  readonly outcome: Outcome;
  readonly changes: readonly FieldChange[];
}

/** Options travel whole: the transport reads only what it knows. */
const opt = (o: OperationOptions): OperationOptions => o;

/**
 * Shares the connection into every project of `shareWith` it is not in yet: `GET projects/{p}` for
 * each (the reference needs the id), then one `PATCH serviceendpoint/endpoints/{id}`, which adds
 * references and leaves the others alone (docs/reference/devops.md §7).
 */
export function shareConnection(
  clients: WifClients,
  c: DesiredConnection,
  connection: ManualConnection,
  options: { abortSignal?: AbortSignal },
): ResultAsync<AccessChange, WifError> {
  const { missing, action } = decideShare(c.shareWith, connection.projectReferences);
  if (action === 'unchanged') return okAsync({ outcome: 'unchanged', changes: [] });
  return ResultAsync.combine(missing.map((p) => getProject(clients.devops, p, opt(options)))).andThen((projects) =>
    shareServiceEndpoint(
      clients.devops,
      connection.id,
      projects.map((p) => ({ projectReference: { id: p.id, name: p.name }, name: connection.name })),
      opt(options),
    ).map((): AccessChange => ({
      outcome: action === 'create' ? 'created' : 'updated',
      changes: missing.map((p) => ({ field: 'project', from: null, to: p })),
    })),
  );
}

/**
 * What must change for exactly the spec's pipelines to be authorized: the named ones missing, and
 * "all pipelines" open exactly when the spec says `{ all: true }`. Pure; shared with `plan`.
 */
export function pipelineChanges(
  wanted: PipelinesSpec,
  perms: Partial<Pick<ResourcePipelinePermissions, 'pipelines' | 'allPipelines'>>,
): { missing: number[]; flipAll: boolean; allOpen: boolean; changes: FieldChange[] } {
  const allOpen = perms.allPipelines?.authorized === true;
  const authorized = new Set((perms.pipelines ?? []).filter((p) => p.authorized).map((p) => p.id));
  const missing = Array.isArray(wanted) ? wanted.filter((id) => !authorized.has(id)) : [];
  const flipAll = Array.isArray(wanted) ? allOpen : !allOpen;
  const changes: FieldChange[] = [
    ...missing.map((id) => ({ field: 'pipeline', from: null, to: String(id) })),
    ...(flipAll ? [{ field: 'allPipelines', from: String(allOpen), to: String(!allOpen) }] : []),
  ];
  return { missing, flipAll, allOpen, changes };
}

/**
 * Authorizes the named pipelines (or all of them, only when the spec says `{ all: true }`), and
 * closes a connection that was opened to all pipelines when the spec names a list. A connection
 * this run created has no permissions yet, so it is one `PATCH pipelinePermissions/endpoint/{id}`;
 * otherwise a `GET` first, and a `PATCH` only for what is missing. Pipelines authorized by hand
 * besides the named ones are left alone.
 */
export function authorizePipelines(
  clients: WifClients,
  wanted: PipelinesSpec,
  connection: ManualConnection,
  fresh: boolean,
  options: { abortSignal?: AbortSignal },
): ResultAsync<AccessChange, WifError> {
  const resource = { type: 'endpoint' as const, id: connection.id };
  const current: ResultAsync<Partial<Pick<ResourcePipelinePermissions, 'pipelines' | 'allPipelines'>>, WifError> = fresh
    ? okAsync({})
    : getPipelinePermissions(clients.devops, connection.projectId, resource, opt(options));
  return current.andThen((perms) => {
    const { missing, flipAll, allOpen, changes } = pipelineChanges(wanted, perms);
    if (changes.length === 0) return okAsync<AccessChange, WifError>({ outcome: 'unchanged', changes });
    const body = {
      ...(missing.length > 0 ? { pipelines: missing.map((id) => ({ id, authorized: true })) } : {}),
      ...(flipAll ? { allPipelines: { authorized: !allOpen } } : {}),
    };
    return updatePipelinePermissions(clients.devops, connection.projectId, resource, body, opt(options)).map((): AccessChange => ({
      outcome: fresh ? 'created' : 'updated',
      changes,
    }));
  });
}
