/**
 * Contract handlers for Azure Resource Manager, Microsoft.Authorization @ 2022-04-01 (docs/reference/arm.md):
 * role definitions (list, get) and role assignments (create, get, delete, list) at all four scope
 * levels. Stateless: every happy path answers from the official examples in `fixtures/`, echoing
 * what the real service echoes (scope, name, principal, role). Error paths beyond request checks
 * belong in per-test `server.use(...)` overrides.
 */
import { HttpResponse, type HttpHandler } from 'msw';
import * as z from 'zod';
import { loadFixture } from '../fixtures';
import { badRequest, serviceError, serviceRouter, type RequestLogEntry, type Route, type RouteContext } from '../_router';
import { managedIdentityContractRoutes } from './managedIdentity';

export interface ArmContractOptions {
  /**
   * What `GET {scope}/providers/Microsoft.Authorization/permissions` answers, per scope (default:
   * the official example's single entry with empty `actions`/`notActions`, i.e. no permission).
   */
  readonly permissions?: (scope: string) => readonly { actions: string[]; notActions: string[] }[];
  /** Base URL the handlers serve (default: the public-cloud endpoint). */
  readonly baseUrl?: string;
  /** Receives every request that reached a route. */
  readonly onRequest?: (entry: RequestLogEntry) => void;
  /** Split list answers into pages of this many items linked by `nextLink` (default: one page). */
  readonly pageSize?: number;
}

const API_VERSION = '2022-04-01';
const GUID_SOURCE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const GUID = new RegExp(`^${GUID_SOURCE}$`, 'i');
// The four scope levels of docs/reference/arm.md ("Scope grammar"), as they appear in a request path.
const SCOPE =
  '(/providers/Microsoft\\.Management/managementGroups/[^/]+|/subscriptions/[^/]+(?:/resourceGroups/[^/]+(?:/providers/[^/]+(?:/[^/]+/[^/]+)+)?)?)';
const AUTHZ = '/providers/Microsoft\\.Authorization';
const route = (tail: string, scope: 'required' | 'optional' = 'required'): RegExp =>
  new RegExp(`^${SCOPE}${scope === 'optional' ? '?' : ''}${AUTHZ}/${tail}$`, 'i');

/**
 * Built-in roles the handlers know (global GUIDs, from learn.microsoft.com built-in roles pages
 * general/privileged). Kept here rather than imported: @wif/testing depends on no wif package.
 */
const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  'Role Based Access Control Administrator': 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
};

type Level = 'managementGroup' | 'subscription' | 'resourceGroup' | 'resource';
type Json = Record<string, unknown>;

function levelOf(scope: string): Level {
  if (/^\/providers\//i.test(scope)) return 'managementGroup';
  if (/\/providers\//i.test(scope)) return 'resource';
  return /\/resourceGroups\//i.test(scope) ? 'resourceGroup' : 'subscription';
}

const subscriptionOf = (scope: string): string | undefined => /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
const resourceGroupOf = (scope: string): string | undefined => /\/resourceGroups\/([^/]+)/i.exec(scope)?.[1];

function responseBody(fixture: string, status: '200' | '201'): Json {
  return structuredClone(loadFixture<{ responses: Record<string, { body: Json }> }>(fixture).responses[status]!.body);
}

const CREATE_FIXTURE: Record<Level, string> = {
  // There is no management-group example; the subscription one has the same shape.
  managementGroup: 'arm-roleAssignments-2022-04-01-CreateForSubscription.json',
  subscription: 'arm-roleAssignments-2022-04-01-CreateForSubscription.json',
  resourceGroup: 'arm-roleAssignments-2022-04-01-CreateForResourceGroup.json',
  resource: 'arm-roleAssignments-2022-04-01-CreateForResource.json',
};

// Real messages: InvalidRoleAssignmentId (Azure/azure-service-operator#2586, Azure/azure-sdk-for-python#4621),
// InvalidPrincipalId (Azure/azure-powershell#16627), InvalidRoleDefinitionId (hashicorp/terraform-provider-azurerm#8547),
// InvalidSubscriptionId (ARM's answer to a malformed subscription segment).
const invalidName = (name: string): Response =>
  serviceError(
    'arm',
    400,
    'InvalidRoleAssignmentId',
    `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
  );
const invalidPrincipal = (id: string): Response =>
  serviceError('arm', 400, 'InvalidPrincipalId', `The Principal ID '${id}' is not valid. Principal ID must be a GUID.`);
const invalidRoleDefinition = (id: string): Response =>
  serviceError('arm', 400, 'InvalidRoleDefinitionId', `The role definition ID '${id}' is not valid.`);

/** Checks the scope the way ARM does before routing (a subscription id must be a GUID). */
function checkScope(scope: string): Response | undefined {
  const subscription = subscriptionOf(scope);
  if (subscription !== undefined && !GUID.test(subscription)) {
    return serviceError(
      'arm',
      400,
      'InvalidSubscriptionId',
      `The provided subscription identifier '${subscription}' is malformed or invalid.`,
    );
  }
  return undefined;
}

// RoleAssignmentCreateParameters (authorization-RoleAssignmentsCalls.json @ 2022-04-01): roleDefinitionId
// and principalId required; principalType defaults to User.
const CreateBody = z.object({
  properties: z.object({
    roleDefinitionId: z.string(),
    principalId: z.string(),
    principalType: z.enum(['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device']).optional(),
    description: z.string().nullish(),
    condition: z.string().nullish(),
    conditionVersion: z.string().nullish(),
    delegatedManagedIdentityResourceId: z.string().nullish(),
  }),
});

const ROLE_DEFINITION_ID = new RegExp(
  `^(?:/subscriptions/([^/]+)|/providers/Microsoft\\.Management/managementGroups/[^/]+)?${AUTHZ}/roleDefinitions/(${GUID_SOURCE})$`,
  'i',
);

function assignmentFrom(template: Json, scope: string, name: string, properties: Json): Json {
  return {
    ...template,
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    properties: { ...(template['properties'] as Json), ...properties, scope },
  };
}

function createRoleAssignment({ params, body }: RouteContext): Response {
  const [scope = '', name = ''] = params;
  if (!GUID.test(name)) return invalidName(name);
  const parsed = CreateBody.safeParse(body);
  // The real service's code for a missing or mistyped field is not documented; the generic
  // InvalidRequestContent 400 of badRequest() stands in for it.
  if (!parsed.success)
    return badRequest(
      'arm',
      `The request content was invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const p = parsed.data.properties;
  if (!GUID.test(p.principalId)) return invalidPrincipal(p.principalId);
  // The principals of these handlers are service principals. ARM takes an omitted principalType as
  // User and refuses the mismatch; the client must say ServicePrincipal (which also spares it the
  // PrincipalNotFound of a just-created principal).
  // https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template#new-service-principal
  if (p.principalType !== 'ServicePrincipal')
    return HttpResponse.json(
      {
        error: {
          code: 'UnmatchedPrincipalType',
          message: `The PrincipalId '${p.principalId}' has type 'ServicePrincipal', which is different from specified PrincipalType '${p.principalType ?? 'User'}'.`,
        },
      },
      { status: 400 },
    );
  const role = ROLE_DEFINITION_ID.exec(p.roleDefinitionId);
  // A subscription-form id must name the scope's own subscription (the code ARM uses for a foreign
  // one is not confirmed; InvalidRoleDefinitionId stands in).
  if (!role || (role[1] !== undefined && role[1].toLowerCase() !== subscriptionOf(scope)?.toLowerCase())) {
    return invalidRoleDefinition(p.roleDefinitionId);
  }
  const assignment = assignmentFrom(responseBody(CREATE_FIXTURE[levelOf(scope)], '201'), scope, name, {
    // Responses carry the tenant form of the role definition id (see the examples).
    roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${role[2]!.toLowerCase()}`,
    principalId: p.principalId,
    principalType: p.principalType,
    ...(p.description !== undefined ? { description: p.description } : {}),
  });
  return HttpResponse.json(assignment, { status: 201 });
}

function readRoleAssignment(fixture: string): (ctx: RouteContext) => Response {
  return ({ params }: RouteContext): Response => {
    const [scope = '', name = ''] = params;
    if (!GUID.test(name)) return invalidName(name);
    return HttpResponse.json(assignmentFrom(responseBody(fixture, '200'), scope, name, {}));
  };
}

const LIST_FILTER = new RegExp(`^(?:(atScope\\(\\))|(?:principalId eq '(${GUID_SOURCE})')|(?:assignedTo\\('(${GUID_SOURCE})'\\)))$`, 'i');

/** Parses the role-assignment `$filter` forms the docs list (and `principalId eq` combined with `atScope()`). */
function parseAssignmentFilter(filter: string | null): { atScope: boolean; principalId?: string } | undefined {
  if (filter === null) return { atScope: false };
  let atScope = false;
  let principalId: string | undefined;
  for (const term of filter.split(/ and /i)) {
    const m = LIST_FILTER.exec(term.trim());
    if (!m) return undefined;
    if (m[1] !== undefined) {
      if (atScope) return undefined;
      atScope = true;
    } else {
      if (principalId !== undefined) return undefined;
      principalId = m[2] ?? m[3];
    }
  }
  return { atScope, ...(principalId !== undefined ? { principalId } : {}) };
}

/** The examples' assignments, moved to the request's scope (what the real list would answer there). */
function assignmentsAt(scope: string): Json[] {
  const level = levelOf(scope);
  if (level === 'subscription' || level === 'resourceGroup') {
    const fixture =
      level === 'subscription'
        ? 'arm-roleAssignments-2022-04-01-ListForScope.json'
        : 'arm-roleAssignments-2022-04-01-ListForResourceGroup.json';
    const rebase = (s: string): string =>
      s
        .replace(/^\/subscriptions\/[^/]+/i, `/subscriptions/${subscriptionOf(scope)}`)
        .replace(/\/resourceGroups\/[^/]+/i, `/resourceGroups/${resourceGroupOf(scope)}`);
    return (responseBody(fixture, '200')['value'] as Json[]).map((item) => {
      const properties = item['properties'] as Json;
      return { ...item, id: rebase(String(item['id'])), properties: { ...properties, scope: rebase(String(properties['scope'])) } };
    });
  }
  // No list example for these levels: the subscription example's item, assigned at the scope itself.
  return (responseBody('arm-roleAssignments-2022-04-01-ListForScope.json', '200')['value'] as Json[]).map((item) =>
    assignmentFrom(item, scope, String(item['name']), {}),
  );
}

const atOrAbove = (itemScope: string, scope: string): boolean =>
  scope.toLowerCase() === itemScope.toLowerCase() || scope.toLowerCase().startsWith(`${itemScope.toLowerCase()}/`);

function roleDefinitionAt(scope: string, roleName: string, guid: string): Json {
  const template = responseBody('arm-roleDefinitions-2022-04-01-GetRoleDefinitionByName.json', '200');
  const subscription = subscriptionOf(scope);
  return {
    ...template,
    // At a subscription (or below) built-in roles come back in the subscription form (https://learn.microsoft.com/azure/role-based-access-control/role-definitions-list).
    id: `${subscription !== undefined ? `/subscriptions/${subscription}` : ''}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
    name: guid,
    properties: { ...(template['properties'] as Json), roleName, type: 'BuiltInRole', assignableScopes: ['/'] },
  };
}

const ROLE_NAME_FILTER = /^roleName eq '((?:[^']|'')*)'$/i;
const TYPE_FILTER = /^type eq '(BuiltInRole|CustomRole)'$/i;

export function armContractHandlers(options: ArmContractOptions = {}): HttpHandler[] {
  const baseUrl = options.baseUrl ?? 'https://management.azure.com';

  /** Answers one page of `items`; `$skipToken` is the offset, as opaque to clients as the real one. */
  const page = (ctx: RouteContext, items: readonly Json[]): Response => {
    const skipText = ctx.query.get('$skipToken') ?? '0';
    if (!/^\d+$/.test(skipText)) return badRequest('arm', `The $skipToken '${skipText}' is not valid.`);
    const skip = Number(skipText);
    const size = options.pageSize ?? Number.POSITIVE_INFINITY;
    const body: Json = { value: items.slice(skip, skip + size) };
    if (skip + size < items.length) {
      const next = new URL(ctx.url);
      next.searchParams.set('$skipToken', String(skip + size));
      body['nextLink'] = next.toString();
    }
    return HttpResponse.json(body);
  };

  const withScope =
    (handle: (ctx: RouteContext) => Response) =>
    (ctx: RouteContext): Response =>
      checkScope(ctx.params[0] ?? '') ?? handle(ctx);

  const routes: Route[] = [
    {
      // Permissions_ListForResourceGroup / Permissions_ListForResource (and the subscription form of
      // the "Check if user can assign access" article); examples arm-permissions-*.json.
      method: 'GET',
      pattern: route('permissions'),
      operation: 'Permissions_List',
      apiVersion: API_VERSION,
      handle: withScope((ctx) => {
        const [scope = ''] = ctx.params;
        if (levelOf(scope) === 'managementGroup') {
          // Not in the REST spec at management-group scope (unconfirmed there): refuse like an unknown type.
          return serviceError('arm', 404, 'InvalidResourceType', `The resource type 'permissions' could not be found at '${scope}'.`);
        }
        const fixture =
          levelOf(scope) === 'resource'
            ? 'arm-permissions-2022-05-01-preview-GetResourcePermissions.json'
            : 'arm-permissions-2015-07-01-GetPermissions.json';
        const example = structuredClone(
          loadFixture<{ responses: Record<string, { body: { value: Json[] } }> }>(fixture).responses['200']!.body.value,
        );
        return page(ctx, options.permissions ? options.permissions(scope).map((p) => ({ ...p })) : example);
      }),
    },
    {
      method: 'GET',
      pattern: route('roleDefinitions'),
      operation: 'RoleDefinitions_List',
      apiVersion: API_VERSION,
      handle: withScope((ctx) => {
        const [scope = ''] = ctx.params;
        const filter = ctx.query.get('$filter');
        const all = Object.entries(BUILT_IN_ROLES).map(([name, guid]) => roleDefinitionAt(scope, name, guid));
        if (filter === null || /^atScopeAndBelow\(\)$/i.test(filter)) return page(ctx, all);
        const byName = ROLE_NAME_FILTER.exec(filter);
        // Exact match: whether the service also matches other casings is not documented.
        if (byName)
          return page(
            ctx,
            all.filter((d) => (d['properties'] as Json)['roleName'] === byName[1]!.replaceAll("''", "'")),
          );
        const byType = TYPE_FILTER.exec(filter);
        // Every role here is built in; custom roles exist only in the stateful fake.
        if (byType) return page(ctx, byType[1]!.toLowerCase() === 'builtinrole' ? all : []);
        // The service's code for an unsupported filter is not documented; a generic 400 stands in.
        return badRequest(
          'arm',
          `The $filter '${filter}' is not supported. Use roleName eq '{name}', type eq '{type}' or atScopeAndBelow().`,
        );
      }),
    },
    {
      method: 'GET',
      pattern: route(`roleDefinitions/([^/]+)`, 'optional'),
      operation: 'RoleDefinitions_Get',
      apiVersion: API_VERSION,
      handle: withScope(({ params: [scope = '', guid = ''] }) => {
        const name = Object.keys(BUILT_IN_ROLES).find((n) => BUILT_IN_ROLES[n] === guid.toLowerCase());
        return name !== undefined
          ? HttpResponse.json(roleDefinitionAt(scope, name, guid.toLowerCase()))
          : serviceError('arm', 404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${guid}' does not exist.`);
      }),
    },
    {
      method: 'PUT',
      pattern: route('roleAssignments/([^/]+)'),
      operation: 'RoleAssignments_Create',
      apiVersion: API_VERSION,
      handle: withScope(createRoleAssignment),
    },
    {
      method: 'GET',
      pattern: route('roleAssignments/([^/]+)'),
      operation: 'RoleAssignments_Get',
      apiVersion: API_VERSION,
      handle: withScope(readRoleAssignment('arm-roleAssignments-2022-04-01-Get.json')),
    },
    {
      method: 'DELETE',
      pattern: route('roleAssignments/([^/]+)'),
      operation: 'RoleAssignments_Delete',
      apiVersion: API_VERSION,
      handle: withScope(readRoleAssignment('arm-roleAssignments-2022-04-01-Delete.json')),
    },
    {
      method: 'GET',
      pattern: route('roleAssignments'),
      operation: 'RoleAssignments_ListForScope',
      apiVersion: API_VERSION,
      handle: withScope((ctx) => {
        const [scope = ''] = ctx.params;
        const filter = parseAssignmentFilter(ctx.query.get('$filter'));
        if (!filter) {
          // The service's code for an unsupported filter is not documented; a generic 400 stands in.
          return badRequest(
            'arm',
            `The $filter '${ctx.query.get('$filter')}' is not supported. Use atScope(), principalId eq '{guid}' or assignedTo('{guid}').`,
          );
        }
        const items = assignmentsAt(scope)
          .filter((a) => !filter.atScope || atOrAbove(String((a['properties'] as Json)['scope']), scope))
          // The examples' principal stands in for the one asked about.
          .map((a) =>
            filter.principalId === undefined ? a : { ...a, properties: { ...(a['properties'] as Json), principalId: filter.principalId } },
          );
        return page(ctx, items);
      }),
    },
    ...managedIdentityContractRoutes(),
  ];

  return [
    serviceRouter({
      service: 'arm',
      baseUrl,
      audience: 'https://management.azure.com',
      routes,
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    }),
  ];
}
