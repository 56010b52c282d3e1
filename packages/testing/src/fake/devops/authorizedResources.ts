/**
 * `{project}/_apis/build/authorizedresources` (Build 7.1-preview.1) in the fake: the service
 * connections of a project authorised for all its pipelines. It reads and writes the same record as
 * `pipelinePermissions` (`allPipelines`): one "Grant access permission to all pipelines" switch per
 * connection and project, whichever API sets it. https://learn.microsoft.com/rest/api/azure/devops/build/authorizedresources/list
 */
import {
  authorizedResourcesBodyProblem,
  authorizedResourcesBodySchema,
  authorizedResourcesQueryProblem,
  authorizedResourcesRoute,
} from '../../contract/devopsGovernance';
import type { RouteContext } from '../../_router';
import { json } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import { administerRefused, argument, callerIdentity, cannotAdminister, endpointNotFound, nowIso, projectNotFound } from './_common';

const isEndpoint = (type: string): boolean => type.toLowerCase() === 'endpoint';

export function authorizedResourceRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  const projectOf = (ctx: RouteContext): { id: string } | Response => {
    const key = ctx.params[1] ?? '';
    return state.project(key) ?? projectNotFound(key);
  };
  const reference = (projectId: string, endpointId: string): Record<string, unknown> => {
    const e = state.serviceEndpoint(endpointId);
    const authorized = state.pipelinePermissions(projectId, endpointId)?.allPipelines?.authorized === true;
    return { authorized, id: endpointId, name: e?.name ?? null, type: 'endpoint' };
  };

  return [
    authorizedResourcesRoute('GET', (ctx) => {
      const project = projectOf(ctx);
      if (project instanceof Response) return project;
      const problem = authorizedResourcesQueryProblem(ctx.query);
      if (problem) return problem;
      const type = ctx.query.get('type');
      const id = ctx.query.get('id')?.toLowerCase();
      // The fake holds no other resource type: a list of another type is empty.
      const value =
        type !== null && !isEndpoint(type)
          ? []
          : state
              .serviceEndpointsIn(project.id)
              .filter(
                (e) => (id === undefined || e.id === id) && state.pipelinePermissions(project.id, e.id)?.allPipelines?.authorized === true,
              )
              .map((e) => reference(project.id, e.id));
      return json({ count: value.length, value });
    }),
    authorizedResourcesRoute('PATCH', (ctx) => {
      const project = projectOf(ctx);
      if (project instanceof Response) return project;
      const problem = authorizedResourcesBodyProblem(ctx.body);
      if (problem) return problem;
      const body = authorizedResourcesBodySchema.parse(ctx.body);
      const other = body.find((r) => !isEndpoint(r.type));
      if (other) return argument(`The fake holds only service connections (type endpoint), not '${other.type}'.`);
      // Every resource is checked before any is changed.
      for (const r of body) {
        if (!state.pipelinePermissions(project.id, r.id)) return endpointNotFound(r.id);
        const endpoint = state.serviceEndpoint(r.id);
        if (endpoint && cannotAdminister(rt, endpoint)) return administerRefused(endpoint);
      }
      const by = callerIdentity(ctx);
      const on = nowIso(rt);
      for (const r of body)
        state.pipelinePermissions(project.id, r.id)!.allPipelines = { authorized: r.authorized, authorizedBy: by, authorizedOn: on };
      const value = body.map((r) => reference(project.id, r.id.toLowerCase()));
      return json({ count: value.length, value });
    }),
  ];
}
