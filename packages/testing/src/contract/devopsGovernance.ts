/**
 * Contract routes for the Azure DevOps governance APIs of a service connection: check
 * configurations (`pipelines/checks/configurations`, 7.1-preview.1), security role assignments
 * (`securityroles`, 7.1-preview.1) and the identities lookup (`vssps …/_apis/identities`, 7.1).
 * Stateless: happy paths answer from the official examples with the request echoed; each route
 * refuses what the service refuses. The validators are shared with the stateful fake.
 * References: learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/check-configurations,
 * learn.microsoft.com/rest/api/azure/devops/securityroles/roleassignments,
 * learn.microsoft.com/rest/api/azure/devops/ims/identities/read-identities (view=azure-devops-rest-7.1).
 */
import { createHash } from 'node:crypto';
import { HttpResponse } from 'msw';
import * as z from 'zod';
import { loadFixture } from '../fixtures';
import { badRequest, serviceError, type Route, type RouteContext } from '../_router';
import { same } from '../_compare';

type Json = Record<string, unknown>;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROJECT = '(?!_apis/)([^/]+)';
const ROLES = /^\/([^/]+)\/_apis\/securityroles\/scopes\/([^/]+)\/roleassignments\/resources\/([^/]+)$/i;
export const CHECKS_API_VERSION = '7.1-preview.1';
export const SECURITY_ROLES_API_VERSION = '7.1-preview.1';
export const IDENTITIES_API_VERSION = '7.1';
export const APPROVAL_TYPE_ID = '8c6f20a7-a545-4486-9777-f762fafe0d4d';
export const TASK_CHECK_TYPE_ID = 'fe1de3ee-a436-41b4-bb20-f6eb4cb879a7';
export const EXCLUSIVE_LOCK_TYPE_ID = '2ef31ad6-baa0-403a-8b45-2cbc9b4e5563';
export const KNOWN_CHECK_TYPES = [APPROVAL_TYPE_ID, TASK_CHECK_TYPE_ID, EXCLUSIVE_LOCK_TYPE_ID, '4020e66e-b0f3-47e1-bc88-48f3cc59b5f3'];
const RESOURCE_TYPES = ['endpoint', 'environment', 'queue', 'repository', 'securefile', 'variablegroup'];
/** Roles of `distributedtask.serviceendpointrole` (Creator is project-level only). */
export const ENDPOINT_ROLES: Readonly<Record<string, { allow: number; description: string }>> = {
  Administrator: { allow: 3, description: 'Administrator can use and manage the service connection.' },
  User: { allow: 1, description: 'User can use, but cannot manage the service connection.' },
  Reader: { allow: 16, description: 'Reader can only view the service connection.' },
};

export const checkBodySchema = z.looseObject({
  id: z.number().int().optional(),
  type: z.looseObject({ id: z.string().regex(GUID, 'must be a GUID'), name: z.string().nullish() }),
  resource: z.looseObject({ type: z.string(), id: z.string(), name: z.string().nullish() }),
  settings: z.record(z.string(), z.unknown()).nullish(),
  timeout: z.number().int().nullish(),
  isDisabled: z.boolean().nullish(),
  version: z.number().int().nullish(),
});
export type CheckBody = z.output<typeof checkBodySchema>;

const approvalSettings = z.looseObject({
  approvers: z.array(z.looseObject({ id: z.string().regex(GUID, 'must be an identity id (GUID)') })).min(1, 'needs at least one approver'),
  minRequiredApprovers: z.number().int().min(0).optional(),
  executionOrder: z.enum(['anyOrder', 'inSequence']).optional(),
  instructions: z.string().nullish(),
  blockedApprovers: z.array(z.looseObject({ id: z.string() })).optional(),
  requesterCannotBeApprover: z.boolean().optional(),
});
const taskSettings = z.looseObject({
  definitionRef: z.looseObject({
    id: z.string().regex(GUID, 'must be a GUID'),
    name: z.string().optional(),
    version: z.string().optional(),
  }),
  inputs: z.record(z.string(), z.string()).optional(),
  displayName: z.string().optional(),
  retryInterval: z.number().int().optional(),
});

/** The first problem the service reports for a check body, or undefined. */
export function checkBodyProblem(body: unknown): Response | undefined {
  const parsed = checkBodySchema.safeParse(body);
  if (!parsed.success) return invalid(parsed.error);
  const b = parsed.data;
  if (!KNOWN_CHECK_TYPES.some((t) => same(b.type.id, t))) return badRequest('devops', `Check type '${b.type.id}' does not exist.`);
  if (!RESOURCE_TYPES.some((t) => same(b.resource.type, t)))
    return badRequest('devops', `Resource type '${b.resource.type}' is not supported.`);
  if (same(b.resource.type, 'endpoint') && !GUID.test(b.resource.id))
    return badRequest('devops', `The value '${b.resource.id}' is not a valid service connection id.`);
  if (b.timeout != null && (b.timeout < 1 || b.timeout > 43200))
    return badRequest('devops', 'Timeout must be between 1 and 43200 minutes.');
  const settings = b.settings ?? {};
  if (same(b.type.id, APPROVAL_TYPE_ID)) {
    const s = approvalSettings.safeParse(settings);
    if (!s.success) return invalid(s.error, 'settings');
    if ((s.data.minRequiredApprovers ?? 0) > s.data.approvers.length)
      return badRequest('devops', 'minRequiredApprovers cannot exceed the number of approvers.');
  }
  if (same(b.type.id, TASK_CHECK_TYPE_ID)) {
    const s = taskSettings.safeParse(settings);
    if (!s.success) return invalid(s.error, 'settings');
  }
  return undefined;
}

/** The body of a checks query: `[{ type, id, name? }, …]` (the spec's `Resource[]`). */
export const checkQueryBodySchema = z.array(z.looseObject({ type: z.string().min(1), id: z.string().min(1), name: z.string().nullish() }));
export type CheckQueryBody = z.output<typeof checkQueryBodySchema>;

/**
 * The first problem of `POST …/pipelines/checks/queryconfigurations` (its body and `$expand`), or
 * undefined: the body must be an array of resources, each with a type and an id; an endpoint id is
 * a GUID. Shared by the contract route and the fake.
 * https://learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/check-configurations/query
 */
export function checkQueryProblem(query: URLSearchParams, body: unknown): Response | undefined {
  const expand = query.get('$expand');
  if (expand !== null && !['none', 'settings'].some((e) => same(expand, e)))
    return badRequest('devops', `The value '${expand}' is not valid for $expand.`);
  if (!Array.isArray(body)) return badRequest('devops', 'Invalid request body: body must be a list of resources ([{ type, id }]).');
  const parsed = checkQueryBodySchema.safeParse(body);
  if (!parsed.success) return invalid(parsed.error);
  for (const r of parsed.data) {
    if (!RESOURCE_TYPES.some((t) => same(r.type, t))) return badRequest('devops', `Resource type '${r.type}' is not supported.`);
    if (same(r.type, 'endpoint') && !GUID.test(r.id))
      return badRequest('devops', `The value '${r.id}' is not a valid service connection id.`);
  }
  return undefined;
}

/** Resource types of `build/authorizedresources` (those the generated clients and terraform name). */
export const AUTHORIZED_RESOURCE_TYPES = ['endpoint', 'queue', 'variablegroup', 'securefile', 'environment', 'repository'];
export const AUTHORIZED_RESOURCES_API_VERSION = '7.1-preview.1';
export const authorizedResourcesBodySchema = z
  .array(z.looseObject({ id: z.string().min(1), type: z.string().min(1), authorized: z.boolean(), name: z.string().nullish() }))
  .min(1, 'needs at least one resource');
export type AuthorizedResourcesBody = z.output<typeof authorizedResourcesBodySchema>;

/** The first problem of a `GET build/authorizedresources` query (`type`, `id`), or undefined. */
export function authorizedResourcesQueryProblem(query: URLSearchParams): Response | undefined {
  const type = query.get('type');
  if (type !== null && !AUTHORIZED_RESOURCE_TYPES.some((t) => same(type, t)))
    return badRequest('devops', `Resource type '${type}' is not supported.`);
  const id = query.get('id');
  if (id !== null && type === null) return badRequest('devops', 'Value cannot be null. Parameter name: type');
  return undefined;
}

/** The first problem of a `PATCH build/authorizedresources` body (`[{ id, type, authorized }]`), or undefined. */
export function authorizedResourcesBodyProblem(body: unknown): Response | undefined {
  if (!Array.isArray(body))
    return badRequest('devops', 'Invalid request body: body must be a list of resources ([{ id, type, authorized }]).');
  const parsed = authorizedResourcesBodySchema.safeParse(body);
  if (!parsed.success) return invalid(parsed.error);
  for (const r of parsed.data) {
    if (!AUTHORIZED_RESOURCE_TYPES.some((t) => same(r.type, t))) return badRequest('devops', `Resource type '${r.type}' is not supported.`);
    if (same(r.type, 'endpoint') && !GUID.test(r.id))
      return badRequest('devops', `The value '${r.id}' is not a valid service connection id.`);
  }
  return undefined;
}

export const roleAssignmentBodySchema = z
  .array(z.looseObject({ roleName: z.string(), userId: z.string() }))
  .min(1, 'needs at least one assignment');
export const identityIdsBodySchema = z.array(z.string()).min(1, 'needs at least one identity id');

/** The first problem of a PUT of role assignments, or undefined. */
export function roleAssignmentsProblem(scope: string, resourceId: string, body: unknown): Response | undefined {
  const resource = endpointResourceProblem(scope, resourceId);
  if (resource) return resource;
  const parsed = roleAssignmentBodySchema.safeParse(body);
  if (!parsed.success) return invalid(parsed.error);
  const unknownRole = parsed.data.find((a) => !Object.keys(ENDPOINT_ROLES).includes(a.roleName));
  if (unknownRole) return badRequest('devops', `Role '${unknownRole.roleName}' does not exist in scope '${scope}'.`);
  return undefined;
}

/**
 * What a PATCH of role assignments asks, or the service's refusal: with `?inheritPermissions=true|false`
 * (no body) inheritance on or off; otherwise the body `["<identity id>", …]` names the assignments
 * to remove. Shared by the contract route and the fake; each keeps its own resource checks.
 */
export function roleAssignmentsPatch(query: URLSearchParams, body: unknown): { inherit: boolean } | { remove: string[] } | Response {
  const inherit = query.get('inheritPermissions');
  if (inherit !== null) {
    return /^(true|false)$/i.test(inherit)
      ? { inherit: inherit.toLowerCase() === 'true' }
      : badRequest('devops', `The value '${inherit}' is not valid for inheritPermissions.`);
  }
  const parsed = identityIdsBodySchema.safeParse(body);
  return parsed.success ? { remove: parsed.data } : invalid(parsed.error);
}

/** `distributedtask.serviceendpointrole` resources are `{projectId}_{endpointId}` (GUIDs). */
export function endpointResourceProblem(scope: string, resourceId: string): Response | undefined {
  if (!same(scope, 'distributedtask.serviceendpointrole')) return undefined;
  const [projectId = '', endpointId = '', ...rest] = resourceId.split('_');
  if (!GUID.test(projectId) || !GUID.test(endpointId) || rest.length > 0) {
    return badRequest('devops', `The resource id '${resourceId}' is not valid: expected {projectId}_{endpointId} (GUIDs).`);
  }
  return undefined;
}

export function invalid(error: z.ZodError, prefix?: string): Response {
  const first = error.issues[0];
  const where = [prefix, ...(first?.path ?? []).map(String)].filter(Boolean).join('.') || 'body';
  return badRequest('devops', `Invalid request body: ${first ? `${where} ${first.message}` : 'unreadable'}.`);
}

export const roleJson = (scope: string, name: string): Json => ({
  displayName: name,
  name,
  allowPermissions: ENDPOINT_ROLES[name]?.allow ?? 0,
  denyPermissions: 0,
  identifier: `${scope}.${name}`,
  description: ENDPOINT_ROLES[name]?.description ?? '',
  scope,
});

function guidFrom(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface Example {
  readonly responses: Record<string, { readonly body?: unknown }>;
}
const example = (name: string): Json => structuredClone(loadFixture<Example>(name).responses['200']!.body) as Json;

/** `searchFilter` values (IMS spec). */
export const SEARCH_FILTERS = ['AccountName', 'DisplayName', 'MailAddress', 'General', 'LocalGroupName'];

/** The checks of an identities query the service makes; the problem or undefined. */
export function identitiesQueryProblem(query: URLSearchParams): Response | undefined {
  const filter = query.get('searchFilter');
  const value = query.get('filterValue');
  const ids = query.get('identityIds') ?? query.get('descriptors') ?? query.get('subjectDescriptors');
  if (filter === null && ids === null)
    return badRequest('devops', 'One of searchFilter, identityIds, descriptors or subjectDescriptors is required.');
  if (filter !== null && !SEARCH_FILTERS.some((f) => same(f, filter)))
    return badRequest('devops', `The value '${filter}' is not valid for searchFilter.`);
  if (filter !== null && (value === null || value === '')) return badRequest('devops', 'Value cannot be null. Parameter name: filterValue');
  return undefined;
}

export function devopsGovernanceRoutes(): Route[] {
  const approvalExample = example('ado-approvalsAndChecks-7.1-POST__AddApprovalCheckConfiguration.json');
  const taskExample = example('ado-approvalsAndChecks-7.1-POST__AddTaskCheckConfiguration.json');
  const answer = (body: CheckBody, id: number): Json => {
    const template = same(body.type.id, APPROVAL_TYPE_ID) ? approvalExample : taskExample;
    return { ...template, id, type: body.type, resource: body.resource, settings: body.settings ?? {}, timeout: body.timeout ?? 43200 };
  };
  let nextId = 100;
  return [
    checkConfigurationsRoute('GET checkConfigurations', (ctx) => {
      const type = ctx.query.get('resourceType');
      const id = ctx.query.get('resourceId');
      if (type === null || id === null) return badRequest('devops', 'Value cannot be null. Parameter name: resourceType, resourceId');
      const expand = ctx.query.get('$expand');
      if (expand !== null && !['none', 'settings'].some((e) => same(expand, e)))
        return badRequest('devops', `The value '${expand}' is not valid for $expand.`);
      const list = example('ado-approvalsAndChecks-7.1-GET__CheckConfigurationsOnResource.json');
      const value = (list['value'] as Json[]).map((item) => {
        const isApproval = same((item['type'] as Json)['id'] as string, APPROVAL_TYPE_ID);
        const settings = ((isApproval ? approvalExample : taskExample)['settings'] ?? {}) as Json;
        return { ...item, resource: { type, id }, ...(same(expand, 'settings') ? { settings } : {}) };
      });
      return HttpResponse.json({ count: value.length, value });
    }),
    checkConfigurationsRoute('GET checkConfiguration', (ctx) => {
      const got = example('ado-approvalsAndChecks-7.1-GET__CheckConfiguration.json');
      return HttpResponse.json({
        ...got,
        id: Number(ctx.params[2]),
        ...(same(ctx.query.get('$expand'), 'settings') ? { settings: taskExample['settings'] } : {}),
      });
    }),
    checkConfigurationsRoute('POST checkConfiguration', (ctx) => {
      const problem = checkBodyProblem(ctx.body);
      if (problem) return problem;
      const body = checkBodySchema.parse(ctx.body);
      if (body.id !== undefined) return badRequest('devops', 'A new check configuration must not carry an id.');
      nextId += 1;
      // The service answers 200 (not 201) to an add.
      return HttpResponse.json(answer(body, nextId));
    }),
    checkConfigurationsRoute('PATCH checkConfiguration', (ctx) => {
      const problem = checkBodyProblem(ctx.body);
      if (problem) return problem;
      const body = checkBodySchema.parse(ctx.body);
      const id = Number(ctx.params[2]);
      if (body.id !== undefined && body.id !== id)
        return badRequest('devops', `The check id ${body.id} in the body does not match ${id} in the URL.`);
      return HttpResponse.json(answer(body, id));
    }),
    checkConfigurationsRoute('DELETE checkConfiguration', () => new HttpResponse(null, { status: 204 })),
    checkQueryRoute((ctx) => {
      const problem = checkQueryProblem(ctx.query, ctx.body);
      if (problem) return problem;
      // The example's checks, handed out round-robin to the resources asked about (each keeps the
      // resource it was asked for): every resource has checks, as in the example.
      const examples = example('ado-approvalsAndChecks-7.1-POST__QueryCheckConfigurationsOnResources.json')['value'] as Json[];
      const resources = checkQueryBodySchema.parse(ctx.body);
      const withSettings = same(ctx.query.get('$expand'), 'settings');
      const value = resources.flatMap((r, i) =>
        [examples[(2 * i) % examples.length]!, examples[(2 * i + 1) % examples.length]!].map((item) => {
          const isApproval = same((item['type'] as Json)['id'] as string, APPROVAL_TYPE_ID);
          const settings = ((isApproval ? approvalExample : taskExample)['settings'] ?? {}) as Json;
          return {
            ...item,
            resource: { type: r.type, id: r.id, ...(r.name ? { name: r.name } : {}) },
            ...(withSettings ? { settings } : {}),
          };
        }),
      );
      return HttpResponse.json({ count: value.length, value });
    }),
    authorizedResourcesRoute('GET', (ctx) => {
      const problem = authorizedResourcesQueryProblem(ctx.query);
      if (problem) return problem;
      // No official example: one resource authorised for all pipelines, of the type asked (the id
      // asked, or a fixed one), in the `{ count, value }` wrapper of every Azure DevOps list.
      const type = ctx.query.get('type') ?? 'endpoint';
      const id = ctx.query.get('id') ?? '5e47a0d8-c745-44f8-8f93-784f18ff31c4';
      return HttpResponse.json({ count: 1, value: [{ authorized: true, id, name: `${type}-${id.slice(0, 8)}`, type }] });
    }),
    authorizedResourcesRoute('PATCH', (ctx) => {
      const problem = authorizedResourcesBodyProblem(ctx.body);
      if (problem) return problem;
      const value = authorizedResourcesBodySchema
        .parse(ctx.body)
        .map((r) => ({ authorized: r.authorized, id: r.id, type: r.type, name: r.name ?? null }));
      return HttpResponse.json({ count: value.length, value });
    }),
    roleAssignmentsRoute('GET', ({ scope, resourceId }) => {
      const problem = endpointResourceProblem(scope, resourceId);
      if (problem) return problem;
      const item = (example('ado-securityRoles-7.1-AddRoleAssignments.json')['value'] as Json[])[0]!;
      return HttpResponse.json({ count: 1, value: [{ ...item, role: roleJson(scope, 'Administrator') }] });
    }),
    roleAssignmentsRoute('PUT', ({ scope, resourceId, ctx }) => {
      const problem = roleAssignmentsProblem(scope, resourceId, ctx.body);
      if (problem) return problem;
      const item = (example('ado-securityRoles-7.1-AddRoleAssignments.json')['value'] as Json[])[0]!;
      // An id that is not a GUID names no identity: silently left out (200, count 0), as the service does.
      const value = roleAssignmentBodySchema
        .parse(ctx.body)
        .filter((a) => GUID.test(a.userId))
        .map((a) => ({ ...item, identity: { ...(item['identity'] as Json), id: a.userId }, role: roleJson(scope, a.roleName) }));
      return HttpResponse.json({ count: value.length, value });
    }),
    roleAssignmentsRoute('PATCH', ({ scope, resourceId, ctx }) => {
      const problem = endpointResourceProblem(scope, resourceId);
      if (problem) return problem;
      const patch = roleAssignmentsPatch(ctx.query, ctx.body);
      return patch instanceof Response ? patch : new HttpResponse(null, { status: 200 });
    }),
  ];
}

const CHECKS = `^/([^/]+)/${PROJECT}/_apis/pipelines/checks/configurations`;
const CHECK_ROUTES = {
  'GET checkConfigurations': ['GET', new RegExp(`${CHECKS}$`, 'i')],
  'GET checkConfiguration': ['GET', new RegExp(`${CHECKS}/(\\d+)$`, 'i')],
  'POST checkConfiguration': ['POST', new RegExp(`${CHECKS}$`, 'i')],
  'PATCH checkConfiguration': ['PATCH', new RegExp(`${CHECKS}/(\\d+)$`, 'i')],
  'DELETE checkConfiguration': ['DELETE', new RegExp(`${CHECKS}/(\\d+)$`, 'i')],
} as const;

/**
 * A `/{org}/{project}/_apis/pipelines/checks/configurations[/{id}]` route (7.1-preview.1); `ctx.params`
 * is `[org, project, id?]`. Only this plumbing is shared by the contract route and the fake: each
 * passes its own refusals and answer.
 */
export function checkConfigurationsRoute(operation: keyof typeof CHECK_ROUTES, answer: (ctx: RouteContext) => Response): Route {
  const [method, pattern] = CHECK_ROUTES[operation];
  return { method, pattern, operation, apiVersion: CHECKS_API_VERSION, handle: answer };
}

/**
 * The `POST /{org}/{project}/_apis/pipelines/checks/queryconfigurations` route (7.1-preview.1);
 * `ctx.params` is `[org, project]`. Shared plumbing: each side passes its own refusals and answer.
 */
export function checkQueryRoute(answer: (ctx: RouteContext) => Response): Route {
  return {
    method: 'POST',
    pattern: new RegExp(`^/([^/]+)/${PROJECT}/_apis/pipelines/checks/queryconfigurations$`, 'i'),
    operation: 'POST queryCheckConfigurations',
    apiVersion: CHECKS_API_VERSION,
    handle: answer,
  };
}

/**
 * A `/{org}/{project}/_apis/build/authorizedresources` route (7.1-preview.1; GET lists, PATCH
 * authorises for all pipelines); `ctx.params` is `[org, project]`. Shared plumbing only.
 * https://learn.microsoft.com/rest/api/azure/devops/build/authorizedresources/list
 */
export function authorizedResourcesRoute(method: 'GET' | 'PATCH', answer: (ctx: RouteContext) => Response): Route {
  return {
    method,
    pattern: new RegExp(`^/([^/]+)/${PROJECT}/_apis/build/authorizedresources$`, 'i'),
    operation: `${method} authorizedResources`,
    apiVersion: AUTHORIZED_RESOURCES_API_VERSION,
    handle: answer,
  };
}

/** What a securityroles request names in its path, and the request. */
export interface RoleAssignmentsRequest {
  readonly scope: string;
  readonly resourceId: string;
  readonly ctx: RouteContext;
}

/**
 * A `/{org}/_apis/securityroles/scopes/{scope}/roleassignments/resources/{resourceId}` route
 * (7.1-preview.1) with its path parameters parsed. Only this plumbing is shared by the contract
 * route and the fake: each passes its own refusals and answer.
 */
export function roleAssignmentsRoute(method: 'GET' | 'PUT' | 'PATCH', answer: (request: RoleAssignmentsRequest) => Response): Route {
  return {
    method,
    pattern: ROLES,
    operation: `${method} roleAssignments`,
    apiVersion: SECURITY_ROLES_API_VERSION,
    handle(ctx) {
      const [, scope = '', resourceId = ''] = ctx.params;
      return answer({ scope, resourceId, ctx });
    },
  };
}

/**
 * The `GET /{org}/_apis/identities` route (7.1): path and api-version. Shared plumbing only; the
 * contract route and the fake each pass their own refusals and answer.
 */
export function identitiesRouteOf(answer: (ctx: RouteContext) => Response): Route {
  return {
    method: 'GET',
    pattern: /^\/([^/]+)\/_apis\/identities$/i,
    operation: 'GET identities',
    apiVersion: IDENTITIES_API_VERSION,
    handle: answer,
  };
}

/** The identities route (served on the vssps host and, for the emulator, on the devops base). */
export function identitiesContractRoute(): Route {
  return identitiesRouteOf((ctx) => {
    const problem = identitiesQueryProblem(ctx.query);
    if (problem) return problem;
    const value = ctx.query.get('filterValue') ?? '';
    const found = (loadFixture<Example>('ado-ims-7.1-SearchPCVUByName.json').responses['200']!.body as { value: Json[] }).value[0]!;
    // Stateless: the example's group answers its own name; a qualified "[scope]\name" or a mail
    // address is echoed as a found identity; anything else is unknown: 200 with count 0.
    const hit = /project collection valid users$/i.test(value)
      ? found
      : /^\[[^\]]+\]\\.+$/.test(value) || /^[^@\s]+@[^@\s]+$/.test(value)
        ? { ...found, id: guidFrom(`identity:${value.toLowerCase()}`), providerDisplayName: value, isContainer: !value.includes('@') }
        : undefined;
    if (hit === undefined && ctx.query.get('searchFilter') === null)
      return serviceError('devops', 400, 'ArgumentException', 'Unsupported query.');
    return HttpResponse.json(hit ? { count: 1, value: [hit] } : { count: 0, value: [] });
  });
}
