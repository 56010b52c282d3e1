/**
 * `{project}/_apis/pipelines/pipelinePermissions/endpoint/{id}` (pipelines 7.1-preview.1) in the
 * fake: which pipelines may use a service connection; a PATCH merges into what is there.
 */
import { isRecord, json } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import type { FakeIdentity } from '../state';
import {
  administerRefused,
  argument,
  callerIdentity,
  cannotAdminister,
  endpointNotFound,
  nowIso,
  orgPath,
  PREVIEW,
  PROJECT,
} from './_common';

export function pipelinePermissionRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  const at = orgPath(rt);

  const permissionsJson = (endpointId: string, projectId: string): Record<string, unknown> | undefined => {
    const p = state.pipelinePermissions(projectId, endpointId);
    if (!p) return undefined;
    const auth = (a: { authorized: boolean; authorizedBy?: FakeIdentity; authorizedOn?: string }): Record<string, unknown> => ({
      authorized: a.authorized,
      ...(a.authorizedBy
        ? { authorizedBy: { displayName: a.authorizedBy.displayName, id: a.authorizedBy.id, uniqueName: a.authorizedBy.uniqueName } }
        : {}),
      ...(a.authorizedOn ? { authorizedOn: a.authorizedOn } : {}),
    });
    return {
      resource: { type: 'endpoint', id: endpointId },
      pipelines: p.pipelines.map((x) => ({ id: x.id, ...auth(x) })),
      ...(p.allPipelines ? { allPipelines: auth(p.allPipelines) } : {}),
    };
  };

  return [
    {
      method: 'GET',
      pattern: at(`${PROJECT}/_apis/pipelines/pipelinePermissions/endpoint/([^/]+)`),
      operation: 'pipelinePermissions.get',
      apiVersion: PREVIEW,
      handle: (ctx) => {
        const body = permissionsJson((ctx.params[1] ?? '').toLowerCase(), ctx.params[0] ?? '');
        return body ? json(body) : endpointNotFound(ctx.params[1] ?? '');
      },
    },
    {
      method: 'PATCH',
      pattern: at(`${PROJECT}/_apis/pipelines/pipelinePermissions/endpoint/([^/]+)`),
      operation: 'pipelinePermissions.update',
      apiVersion: PREVIEW,
      handle: (ctx) => {
        const [projectKey = '', rawId = ''] = ctx.params;
        const id = rawId.toLowerCase();
        const p = state.pipelinePermissions(projectKey, id);
        if (!p) return endpointNotFound(rawId);
        const endpoint = state.serviceEndpoint(id);
        if (endpoint && cannotAdminister(rt, endpoint)) return administerRefused(endpoint);
        const body = ctx.body;
        if (!isRecord(body)) return argument('The request body must be a resource pipeline permissions object.');
        const resource = body['resource'];
        if (isRecord(resource) && !(String(resource['id']).toLowerCase() === id && String(resource['type']).toLowerCase() === 'endpoint')) {
          return argument('The resource in the body does not match the resource in the URL.');
        }
        const pipelines = body['pipelines'] ?? [];
        if (
          !Array.isArray(pipelines) ||
          !pipelines.every((x) => isRecord(x) && Number.isInteger(x['id']) && typeof x['authorized'] === 'boolean')
        ) {
          return argument('pipelines must be a list of { id: integer, authorized: boolean }.');
        }
        const all = body['allPipelines'];
        if (all !== undefined && all !== null && !(isRecord(all) && typeof all['authorized'] === 'boolean'))
          return argument('allPipelines must be { authorized: boolean }.');
        const by = callerIdentity(ctx);
        const on = nowIso(rt);
        // Merge: listed pipelines take the new flag (a revoked one stays listed as not authorized),
        // the others keep theirs.
        for (const x of pipelines as Array<{ id: number; authorized: boolean }>) {
          p.pipelines = [
            ...p.pipelines.filter((q) => q.id !== x.id),
            { id: x.id, authorized: x.authorized, authorizedBy: by, authorizedOn: on },
          ];
        }
        if (isRecord(all)) p.allPipelines = { authorized: all['authorized'] as boolean, authorizedBy: by, authorizedOn: on };
        return json(permissionsJson(id, projectKey));
      },
    },
  ];
}
