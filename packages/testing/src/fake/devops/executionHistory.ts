/**
 * `{project}/_apis/serviceendpoint/{endpointId}/executionhistory` (serviceendpoint 7.1) in the fake:
 * the runs that used a connection, newest first, `top` per page (default 50) and the next page
 * announced by the `x-ms-continuationtoken` header, as the other Azure DevOps lists page. The order,
 * the default page size and whether a shared connection's history is per project are not documented;
 * this fake lists a project's own uses only, and wif's code does not rely on any of the three.
 * Source: learn.microsoft.com/rest/api/azure/devops/serviceendpoint/executionhistory/list?view=azure-devops-rest-7.1
 */
import { json } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import { API, argument, endpointNotFound, orgPath, PROJECT, projectNotFound, queryCount } from './_common';

const DEFAULT_PAGE = 50;

export function executionHistoryRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  return [
    {
      method: 'GET',
      pattern: orgPath(rt)(`${PROJECT}/_apis/serviceendpoint/([^/]+)/executionhistory`),
      operation: 'executionHistory.list',
      apiVersion: API,
      handle: (ctx) => {
        const [projectKey = '', endpointId = ''] = ctx.params;
        const project = state.project(projectKey);
        if (!project) return projectNotFound(projectKey);
        const endpoint = state.serviceEndpoint(endpointId);
        if (!endpoint || !endpoint.projectReferences.some((r) => r.projectId === project.id)) return endpointNotFound(endpointId);
        const top = queryCount(ctx.query, 'top', DEFAULT_PAGE);
        const start = queryCount(ctx.query, 'continuationToken', 0);
        if (top === undefined || top === 0 || start === undefined)
          return argument('top and continuationToken must be non-negative integers.');
        const all = state
          .serviceEndpointExecutions(endpoint.id)
          .filter((x) => x.projectId === project.id)
          .slice()
          .reverse();
        const value = all.slice(start, start + top).map((x) => ({
          data: {
            definition: { id: x.definition.id, name: x.definition.name },
            owner: { id: x.owner.id, name: x.owner.name },
            planType: x.planType,
            result: x.result,
            startTime: x.startTime,
            finishTime: x.finishTime,
            id: x.id,
          },
          endpointId: endpoint.id,
        }));
        const headers: Record<string, string> = start + top < all.length ? { 'x-ms-continuationtoken': String(start + top) } : {};
        return json({ count: value.length, value }, 200, headers);
      },
    },
  ];
}
