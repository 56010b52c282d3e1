/**
 * Azure DevOps security roles on service connections (`securityroles`, 7.1-preview.1 only) and the
 * identities lookup (`_apis/identities`, 7.1) in the fake. Role lists carry the connection's
 * creator as Administrator (the service assigns it), inherited project-level entries while
 * inheritance is on, and `{count,value}`; a PUT for an identity id the organization does not know is
 * silently dropped (200, not listed), as the service does; an unknown name searched answers 200 with
 * `count: 0`. Every project has its built-in groups (`[Project]\Contributors`, …).
 * Sources: learn.microsoft.com/azure/devops/pipelines/library/service-endpoints#set-service-connection-security,
 * learn.microsoft.com/rest/api/azure/devops/securityroles/roleassignments,
 * learn.microsoft.com/rest/api/azure/devops/ims/identities/read-identities (view=azure-devops-rest-7.1).
 */
import { serviceError, type Route, type RouteContext } from '../_router';
import {
  ENDPOINT_ROLES,
  endpointResourceProblem,
  identitiesQueryProblem,
  identitiesRouteOf,
  roleAssignmentsPatch,
  roleAssignmentsProblem,
  roleAssignmentBodySchema,
  roleAssignmentsRoute,
  roleJson,
} from '../contract/devopsGovernance';
import { guidFrom } from './_random';
import { json } from './_respond';
import type { FakeDevOpsIdentity } from './governanceState';
import type { FakeRoute, FakeRuntime } from './options';

export const ENDPOINT_ROLE_SCOPE = 'distributedtask.serviceendpointrole';
export const PROJECT_ENDPOINT_ROLE_SCOPE = 'distributedtask.project.serviceendpointrole';
/** The groups every project has. */
export const BUILT_IN_PROJECT_GROUPS = [
  'Project Valid Users',
  'Contributors',
  'Readers',
  'Project Administrators',
  'Endpoint Administrators',
  'Endpoint Creators',
];

/** The identity id the fake gives a built-in group of a project (or of the organization, for `Project Collection Valid Users`). */
export function builtInGroupId(scopeName: string, group: string): string {
  return guidFrom(`devops-identity/[${scopeName.toLowerCase()}]\\${group.toLowerCase()}`);
}

export function securityRoleRoutes(rt: FakeRuntime): FakeRoute[] {
  const { state } = rt;
  const gov = state.governance;

  /**
   * The built-in groups of every project and of the organization, hashed once per set of projects
   * (not on every request: an organization of 10,000 projects asks for them on every role read).
   */
  let builtIn: { revision: number; groups: FakeDevOpsIdentity[]; byId: Map<string, FakeDevOpsIdentity> } | undefined;
  const builtInGroups = (): NonNullable<typeof builtIn> => {
    if (builtIn?.revision === state.projectsRevision) return builtIn;
    const groups: FakeDevOpsIdentity[] = [
      ...state.projects().flatMap((p) =>
        BUILT_IN_PROJECT_GROUPS.map((g) => ({
          id: builtInGroupId(p.name, g),
          providerDisplayName: `[${p.name}]\\${g}`,
          isContainer: true,
        })),
      ),
      {
        id: builtInGroupId(state.organization, 'Project Collection Valid Users'),
        providerDisplayName: `[${state.organization}]\\Project Collection Valid Users`,
        isContainer: true,
      },
    ];
    builtIn = { revision: state.projectsRevision, groups, byId: new Map(groups.map((g) => [g.id.toLowerCase(), g])) };
    return builtIn;
  };
  /** Seeded identities, the built-in groups of every project and of the organization. */
  const known = (): FakeDevOpsIdentity[] => [...gov.devopsIdentities(), ...builtInGroups().groups];
  const byId = (id: string): FakeDevOpsIdentity | undefined => gov.devopsIdentity(id) ?? builtInGroups().byId.get(id.toLowerCase());
  const callerOf = (ctx: RouteContext): { id: string; displayName: string } =>
    ctx.caller
      ? { id: ctx.caller.oid, displayName: 'Platform operator' }
      : { id: '00000000-0000-0000-0000-00000000a11e', displayName: 'PAT user' };

  /** The connection's record, created on first sight with its creator as Administrator. */
  const ensure = (scope: string, resourceId: string): void => {
    if (!gov.ensureRoleResource(scope, resourceId)) return;
    const endpointId = resourceId.split('_')[1] ?? '';
    const creator = state.serviceEndpoint(endpointId)?.createdBy;
    if (creator && !gov.roleAssignments(scope, resourceId)?.has(creator.id.toLowerCase()))
      gov.setRoleAssignment(scope, resourceId, creator.id, 'Administrator');
  };
  const assignmentJson = (
    scope: string,
    identity: { id: string; displayName: string; uniqueName?: string },
    role: string,
    access: 'assigned' | 'inherited',
  ): Record<string, unknown> => ({
    identity: { displayName: identity.displayName, id: identity.id, uniqueName: identity.uniqueName ?? identity.displayName },
    role: roleJson(scope, role),
    access,
    accessDisplayName: access === 'assigned' ? 'Assigned' : 'Inherited',
  });
  /** The creators of the connections by id, built once per set of connections (not scanned on every request). */
  let creators: { revision: number; byId: Map<string, { id: string; displayName: string }> } | undefined;
  const creatorOf = (id: string): { id: string; displayName: string } | undefined => {
    if (creators?.revision !== state.serviceEndpointsRevision) {
      creators = { revision: state.serviceEndpointsRevision, byId: new Map() };
      for (const e of state.serviceEndpoints())
        if (!creators.byId.has(e.createdBy.id.toLowerCase())) creators.byId.set(e.createdBy.id.toLowerCase(), e.createdBy);
    }
    return creators.byId.get(id.toLowerCase());
  };
  const displayOf = (id: string): { id: string; displayName: string } => {
    const found = byId(id);
    if (found) return { id: found.id, displayName: found.providerDisplayName };
    const creator = creatorOf(id);
    return creator ? { id: creator.id, displayName: creator.displayName } : { id, displayName: id };
  };
  const list = (scope: string, resourceId: string): Record<string, unknown>[] => {
    ensure(scope, resourceId);
    const assigned = [...(gov.roleAssignments(scope, resourceId) ?? new Map<string, string>())].map(([id, role]) =>
      assignmentJson(scope, displayOf(id), role, 'assigned'),
    );
    const projectId = resourceId.split('_')[0] ?? '';
    const inherited =
      scope.toLowerCase() === ENDPOINT_ROLE_SCOPE && gov.inheritance(scope, resourceId)
        ? [...(gov.roleAssignments(PROJECT_ENDPOINT_ROLE_SCOPE, projectId) ?? new Map<string, string>())]
            .filter(([id]) => !gov.roleAssignments(scope, resourceId)?.has(id))
            .filter(([, role]) => role !== 'Creator')
            .map(([id, role]) => assignmentJson(scope, displayOf(id), role, 'inherited'))
        : [];
    return [...assigned, ...inherited];
  };
  const resourceMissing = (scope: string, resourceId: string): Response | undefined => {
    const invalidId = endpointResourceProblem(scope, resourceId);
    if (invalidId) return invalidId;
    if (scope.toLowerCase() !== ENDPOINT_ROLE_SCOPE) return undefined;
    const [projectId = '', endpointId = ''] = resourceId.split('_');
    const endpoint = state.serviceEndpoint(endpointId);
    return endpoint && endpoint.projectReferences.some((r) => r.projectId.toLowerCase() === projectId.toLowerCase())
      ? undefined
      : serviceError(
          'devops',
          404,
          'ServiceEndpointNotFoundException',
          `Service connection ${endpointId} was not found in project ${projectId}.`,
        );
  };
  return [
    roleAssignmentsRoute('GET', ({ scope, resourceId }) => {
      const missing = resourceMissing(scope, resourceId);
      if (missing) return missing;
      const value = list(scope, resourceId);
      return json({ count: value.length, value });
    }),
    roleAssignmentsRoute('PUT', ({ scope, resourceId, ctx }) => {
      const problem = roleAssignmentsProblem(scope, resourceId, ctx.body) ?? resourceMissing(scope, resourceId);
      if (problem) return problem;
      ensure(scope, resourceId);
      const me = callerOf(ctx);
      const value: Record<string, unknown>[] = [];
      for (const a of roleAssignmentBodySchema.parse(ctx.body)) {
        // The service ignores an id it does not know (200, not listed). It knows the creator of any
        // connection: a user of the organization.
        if (!byId(a.userId) && !creatorOf(a.userId) && a.userId.toLowerCase() !== me.id.toLowerCase()) continue;
        gov.setRoleAssignment(scope, resourceId, a.userId, a.roleName);
        value.push(assignmentJson(scope, displayOf(a.userId), a.roleName, 'assigned'));
      }
      return json({ count: value.length, value });
    }),
    roleAssignmentsRoute('PATCH', ({ scope, resourceId, ctx }) => {
      const missing = resourceMissing(scope, resourceId);
      if (missing) return missing;
      const patch = roleAssignmentsPatch(ctx.query, ctx.body);
      if (patch instanceof Response) return patch;
      ensure(scope, resourceId);
      if ('inherit' in patch) gov.setInheritance(scope, resourceId, patch.inherit);
      else for (const id of patch.remove) gov.removeRoleAssignment(scope, resourceId, id);
      return new Response(null, { status: 200 });
    }),
    identitiesRoute(rt, known),
  ];
}

/** `GET /{org}/_apis/identities` (served on the devops base and on the vssps base). */
export function identitiesRoute(rt: FakeRuntime, known: () => FakeDevOpsIdentity[]): Route {
  return identitiesRouteOf((ctx) => {
    const problem = identitiesQueryProblem(ctx.query);
    if (problem) return problem;
    if ((ctx.params[0] ?? '').toLowerCase() !== rt.state.organization.toLowerCase()) {
      return serviceError('devops', 404, 'AccountNotFoundException', `The organization '${ctx.params[0] ?? ''}' was not found.`);
    }
    const filter = (ctx.query.get('searchFilter') ?? '').toLowerCase();
    const value = (ctx.query.get('filterValue') ?? '').toLowerCase();
    const ids = (ctx.query.get('identityIds') ?? '').toLowerCase().split(',').filter(Boolean);
    const account = (i: FakeDevOpsIdentity): string => i.providerDisplayName.replace(/^\[[^\]]*\]\\/, '').toLowerCase();
    const hits = known().filter((i) => {
      if (ids.length > 0) return ids.includes(i.id.toLowerCase());
      switch (filter) {
        case 'mailaddress':
          return (i.mailAddress ?? '').toLowerCase() === value;
        case 'accountname':
        case 'localgroupname':
          return i.isContainer && (account(i) === value || i.providerDisplayName.toLowerCase() === value);
        default:
          return i.providerDisplayName.toLowerCase() === value || account(i) === value || (i.mailAddress ?? '').toLowerCase() === value;
      }
    });
    const body = hits.map((i) => ({
      id: i.id,
      descriptor: `Microsoft.TeamFoundation.Identity;S-1-9-${i.id}`,
      subjectDescriptor: `${i.isContainer ? 'vssgp' : 'aad'}.${Buffer.from(i.id).toString('base64url')}`,
      providerDisplayName: i.providerDisplayName,
      isActive: true,
      isContainer: i.isContainer,
      members: [],
      memberOf: [],
      memberIds: [],
      properties: {},
    }));
    return json({ count: body.length, value: body });
  });
}

/** The roles of a connection an identity could hold (for seeding helpers). */
export const ENDPOINT_ROLE_NAMES = Object.keys(ENDPOINT_ROLES);
