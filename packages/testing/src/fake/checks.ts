/**
 * Azure DevOps check configurations in the fake (`pipelines/checks/configurations`, 7.1-preview.1
 * only — the GA version is refused, as no GA exists): project-scoped routes, `{count,value}` lists,
 * `settings` only with `$expand=settings`, 200 on add, PATCH of an existing id (type cannot change),
 * 404 for an unknown id, and `queryconfigurations` (the checks of several resources in one POST).
 * Like the service it allows several checks of one type on a resource.
 * Source: learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/check-configurations?view=azure-devops-rest-7.1
 */
import { serviceError, type RouteContext } from '../_router';
import {
  type CheckBody,
  checkBodyProblem,
  checkBodySchema,
  checkConfigurationsRoute,
  checkQueryBodySchema,
  checkQueryProblem,
  checkQueryRoute,
} from '../contract/devopsGovernance';
import { json, noContent } from './_respond';
import type { FakeCheck } from './governanceState';
import type { FakeRoute, FakeRuntime } from './options';

const same = (a: string | null | undefined, b: string): boolean => (a ?? '').toLowerCase() === b.toLowerCase();

export function checkRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  const gov = state.governance;
  const base = (org: string): string => `${rt.options.baseUrls.devops}/${org}`;

  const projectOr404 = (ctx: RouteContext): { id: string } | Response => {
    const key = ctx.params[1] ?? '';
    const project = state.project(key);
    return (
      project ??
      serviceError(
        'devops',
        404,
        'ProjectDoesNotExistWithNameException',
        `TF200016: The following project does not exist: ${key}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`,
      )
    );
  };
  const checkJson = (c: FakeCheck, org: string, withSettings: boolean): Record<string, unknown> => {
    const url = `${base(org)}/${c.projectId}/_apis/pipelines/checks/configurations/${c.id}`;
    const by = { displayName: 'Platform operator', id: '3b3db741-9d03-4e32-a7c0-6c3dfc2013c1', uniqueName: 'operator@fake' };
    return {
      ...(withSettings ? { settings: structuredClone(c.settings) } : {}),
      createdBy: by,
      createdOn: c.createdOn,
      modifiedBy: by,
      modifiedOn: c.modifiedOn,
      timeout: c.timeout,
      _links: { self: { href: url } },
      id: c.id,
      version: c.version,
      type: { ...c.type },
      url,
      resource: { ...c.resource },
      isDisabled: c.isDisabled,
    };
  };
  const resourceProblem = (type: string, id: string): Response | undefined =>
    same(type, 'endpoint') && !state.serviceEndpoint(id)
      ? serviceError(
          'devops',
          404,
          'ResourceNotFoundException',
          `The resource of type endpoint with id ${id} does not exist or you do not have access to it.`,
        )
      : undefined;
  /** The project of the URL and the body, or the service's refusal of either (404 first, then 400). */
  const projectAndBody = (ctx: RouteContext): { project: { id: string }; body: CheckBody } | Response => {
    const project = projectOr404(ctx);
    if (project instanceof Response) return project;
    return checkBodyProblem(ctx.body) ?? { project, body: checkBodySchema.parse(ctx.body) };
  };
  const checkNotFound = (id: string | number | undefined): Response =>
    serviceError('devops', 404, 'CheckConfigurationNotFoundException', `Check configuration ${id ?? ''} does not exist.`);

  return [
    checkConfigurationsRoute('GET checkConfigurations', (ctx) => {
      const project = projectOr404(ctx);
      if (project instanceof Response) return project;
      const type = ctx.query.get('resourceType');
      const id = ctx.query.get('resourceId');
      if (type === null || id === null)
        return serviceError('devops', 400, 'ArgumentNullException', 'Value cannot be null. Parameter name: resourceType, resourceId');
      const expand = ctx.query.get('$expand');
      if (expand !== null && !['none', 'settings'].some((e) => same(expand, e)))
        return serviceError('devops', 400, 'ArgumentException', `The value '${expand}' is not valid for $expand.`);
      const value = gov.checksOn(type, id).map((c) => checkJson(c, ctx.params[0] ?? '', same(expand, 'settings')));
      return json({ count: value.length, value });
    }),
    // The checks of several resources in one request, in the order the resources were named.
    checkQueryRoute((ctx) => {
      const project = projectOr404(ctx);
      if (project instanceof Response) return project;
      const problem = checkQueryProblem(ctx.query, ctx.body);
      if (problem) return problem;
      const withSettings = same(ctx.query.get('$expand'), 'settings');
      const seen = new Set<string>();
      const value = checkQueryBodySchema
        .parse(ctx.body)
        .filter((r) => {
          const key = `${r.type}/${r.id}`.toLowerCase();
          return seen.has(key) ? false : (seen.add(key), true);
        })
        .flatMap((r) => gov.checksOn(r.type, r.id).map((c) => checkJson(c, ctx.params[0] ?? '', withSettings)));
      return json({ count: value.length, value });
    }),
    checkConfigurationsRoute('GET checkConfiguration', (ctx) => {
      const project = projectOr404(ctx);
      if (project instanceof Response) return project;
      const found = gov.check(Number(ctx.params[2]));
      return found ? json(checkJson(found, ctx.params[0] ?? '', same(ctx.query.get('$expand'), 'settings'))) : checkNotFound(ctx.params[2]);
    }),
    checkConfigurationsRoute('POST checkConfiguration', (ctx) => {
      const request = projectAndBody(ctx);
      if (request instanceof Response) return request;
      const { project, body } = request;
      const missing = resourceProblem(body.resource.type, body.resource.id);
      if (missing) return missing;
      const created = gov.addCheck({
        projectId: project.id,
        type: { id: body.type.id.toLowerCase(), ...(body.type.name ? { name: body.type.name } : {}) },
        resource: { type: body.resource.type, id: body.resource.id },
        settings: body.settings ?? {},
        ...(body.timeout != null ? { timeout: body.timeout } : {}),
        ...(body.isDisabled != null ? { isDisabled: body.isDisabled } : {}),
      });
      return json(checkJson(created, ctx.params[0] ?? '', true));
    }),
    checkConfigurationsRoute('PATCH checkConfiguration', (ctx) => {
      const request = projectAndBody(ctx);
      if (request instanceof Response) return request;
      const { body } = request;
      const id = Number(ctx.params[2]);
      if (body.id !== undefined && body.id !== id)
        return serviceError('devops', 400, 'ArgumentException', `The check id ${body.id} in the body does not match ${id} in the URL.`);
      const found = gov.check(id);
      if (!found) return checkNotFound(id);
      if (!same(found.type.id, body.type.id) || !same(found.resource.id, body.resource.id)) {
        return serviceError('devops', 400, 'ArgumentException', 'The type and resource of a check configuration cannot be changed.');
      }
      found.settings = structuredClone(body.settings ?? {});
      if (body.timeout != null) found.timeout = body.timeout;
      if (body.isDisabled != null) found.isDisabled = body.isDisabled;
      found.version += 1;
      found.modifiedOn = new Date(rt.now()).toISOString();
      return json(checkJson(found, ctx.params[0] ?? '', true));
    }),
    checkConfigurationsRoute('DELETE checkConfiguration', (ctx) => {
      const project = projectOr404(ctx);
      if (project instanceof Response) return project;
      return gov.deleteCheck(Number(ctx.params[2])) ? noContent() : checkNotFound(ctx.params[2]);
    }),
  ];
}
