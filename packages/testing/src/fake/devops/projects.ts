/**
 * `_apis/projects` (core 7.1) in the fake: the list, paged by `$top`/`$skip`/`continuationToken`,
 * and one project with its links and default team.
 */
import { guidFrom } from '../_random';
import { json } from '../_respond';
import type { FakeRoute, FakeRuntime } from '../options';
import type { FakeProject } from '../state';
import { API, argument, orgPath, orgUrl, projectNotFound, queryCount } from './_common';

const DEFAULT_PROJECT_PAGE = 100;
const PROJECT_STATES = ['deleting', 'new', 'wellformed', 'createpending', 'all', 'unchanged', 'deleted'];

export function projectJson(rt: FakeRuntime, p: FakeProject): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    ...(p.description ? { description: p.description } : {}),
    url: `${orgUrl(rt)}/_apis/projects/${p.id}`,
    state: p.state,
    revision: p.revision,
    visibility: p.visibility,
    lastUpdateTime: p.lastUpdateTime,
  };
}

export function projectRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  const at = orgPath(rt);
  return [
    {
      method: 'GET',
      pattern: at('/_apis/projects'),
      operation: 'projects.list',
      apiVersion: API,
      handle: (ctx) => {
        const top = queryCount(ctx.query, '$top', DEFAULT_PROJECT_PAGE);
        const skip = queryCount(ctx.query, '$skip', 0);
        const token = queryCount(ctx.query, 'continuationToken', 0);
        if (top === undefined || top === 0 || skip === undefined || token === undefined)
          return argument('$top, $skip and continuationToken must be non-negative integers.');
        // Every project of the fake is wellFormed (docs/reference/devops.md §9: the default stateFilter).
        const stateFilter = ctx.query.get('stateFilter')?.toLowerCase();
        if (stateFilter !== undefined && !PROJECT_STATES.includes(stateFilter))
          return argument(`The value '${stateFilter}' is not valid for stateFilter.`);
        const all = stateFilter === undefined || stateFilter === 'all' || stateFilter === 'wellformed' ? state.projects() : [];
        const start = token + skip;
        const rows = all.slice(start, start + top).map((p) => projectJson(rt, p));
        // docs/reference/devops.md §9: more pages are announced only by the x-ms-continuationtoken header.
        const headers: Record<string, string> = start + top < all.length ? { 'x-ms-continuationtoken': String(start + top) } : {};
        return json({ count: rows.length, value: rows }, 200, headers);
      },
    },
    {
      method: 'GET',
      pattern: at('/_apis/projects/([^/]+)'),
      operation: 'projects.get',
      apiVersion: API,
      handle: (ctx) => {
        const p = state.project(ctx.params[0] ?? '');
        if (!p) return projectNotFound(ctx.params[0] ?? '');
        const self = `${orgUrl(rt)}/_apis/projects/${p.id}`;
        return json({
          ...projectJson(rt, p),
          _links: {
            self: { href: self },
            collection: { href: `${orgUrl(rt)}/_apis/projectCollections/${state.organizationId}` },
            web: { href: `${orgUrl(rt)}/${encodeURIComponent(p.name)}` },
          },
          defaultTeam: { id: guidFrom(`team/${p.id}`), name: `${p.name} Team`, url: `${self}/teams/${guidFrom(`team/${p.id}`)}` },
        });
      },
    },
  ];
}
