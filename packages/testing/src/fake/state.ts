/**
 * The fake's in-memory model of the directory (Graph), Azure RBAC (ARM) and an Azure DevOps
 * organization. Records are live objects: tests may read them, seed them with the `add*` helpers
 * and mutate them directly to simulate drift. Nothing here knows about HTTP.
 */
import { FakeGovernanceState } from './governanceState';
import { entraIssuer, entraSubject, legacyIssuer, legacySubject } from './federation';
import { guidFrom } from './_random';

export interface FakeApplication {
  readonly id: string;
  readonly appId: string;
  displayName: string;
  uniqueName: string | null;
  signInAudience: string;
  tags: string[];
  readonly createdDateTime: string;
  /** Every other property as last written; Graph's defaults fill in the rest in responses. */
  properties: Record<string, unknown>;
}

export interface FakeServicePrincipal {
  readonly id: string;
  readonly appId: string;
  displayName: string;
  accountEnabled: boolean;
  tags: string[];
  /** Clock time (ms) of creation: the SP is invisible for `replicationLagInMs` after it. */
  createdAt: number;
  /** Graph's `servicePrincipalType`: `ManagedIdentity` for a managed identity's; absent means `Application`. */
  readonly servicePrincipalType?: 'ManagedIdentity';
  /**
   * Graph's `alternativeNames`: for a user-assigned identity's principal, `isExplicit=True` and the
   * identity's ARM resource id ("full resource IDs for managed identities",
   * https://learn.microsoft.com/graph/api/resources/serviceprincipal; the exact entries are not
   * documented: this is the shape Entra is reported to use). Absent: none.
   */
  readonly alternativeNames?: readonly string[];
}

export interface FakeFederatedCredential {
  readonly id: string;
  readonly name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description: string | null;
  /** Clock time (ms) of the last write: exchanges fail with AADSTS70021 for `ficPropagationInMs` after it. */
  writtenAt: number;
}

export interface FakePermission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface FakeRoleDefinition {
  /** The role definition GUID (lower case). */
  readonly id: string;
  roleName: string;
  description: string;
  type: 'BuiltInRole' | 'CustomRole';
  permissions: FakePermission[];
  assignableScopes: string[];
}

export type PrincipalType = 'User' | 'Group' | 'ServicePrincipal' | 'ForeignGroup';

export interface FakeRoleAssignment {
  /** The role assignment name (a GUID, lower case); names are unique in the whole tenant. */
  readonly name: string;
  /** Scope as first written, starting with `/`; compared case-insensitively. */
  scope: string;
  /** Role definition GUID (lower case). */
  roleDefinitionId: string;
  principalId: string;
  principalType: PrincipalType;
  description: string | null;
  condition: string | null;
  conditionVersion: string | null;
  createdOn: string;
  updatedOn: string;
  createdBy: string | null;
  updatedBy: string | null;
}

export interface FakeProject {
  readonly id: string;
  name: string;
  description: string;
  state: 'wellFormed';
  revision: number;
  visibility: 'private' | 'public';
  lastUpdateTime: string;
}

export interface FakeIdentity {
  readonly id: string;
  readonly displayName: string;
  readonly uniqueName: string;
}

/**
 * How a workload-identity-federation connection's issuer and subject are made: the current Entra
 * format, the legacy Azure DevOps format (its subject embeds the current names), or fixed values.
 */
export type FederationFormat = 'entra' | 'legacy' | { readonly issuer: string; readonly subject: string; readonly issuerType?: string };

export interface FakeProjectReference {
  projectId: string;
  /** The connection's name in that project. */
  name: string;
  description: string;
}

export interface FakeServiceEndpoint {
  readonly id: string;
  name: string;
  type: string;
  url: string;
  description: string;
  owner: string;
  data: Record<string, string>;
  scheme: string;
  /**
   * `authorization.parameters` without the server-generated WIF values (those come from
   * `federation`). Confidential values are never kept: they are stored and returned as `null`.
   */
  parameters: Record<string, string | null>;
  /** For the WorkloadIdentityFederation scheme: how issuer/subject are made. */
  federation: FederationFormat | undefined;
  isReady: boolean;
  operationStatus: { state: string; statusMessage: string } | null;
  createdBy: FakeIdentity;
  /** The projects it is in; the first is the one it was created in. */
  projectReferences: FakeProjectReference[];
}

/** One use of a service connection by a pipeline run (its "Usage history"). */
export interface FakeEndpointExecution {
  readonly id: number;
  readonly projectId: string;
  /** The pipeline definition. */
  readonly definition: { readonly id: number; readonly name: string };
  /** The run. */
  readonly owner: { readonly id: number; readonly name: string };
  readonly planType: string;
  readonly result: string;
  readonly startTime: string;
  readonly finishTime: string;
}

export interface FakePipelineAuthorization {
  authorized: boolean;
  authorizedBy?: FakeIdentity;
  authorizedOn?: string;
}

export interface FakePipelinePermissions {
  pipelines: Array<FakePipelineAuthorization & { id: number }>;
  allPipelines?: FakePipelineAuthorization;
}

export interface ApplicationInit {
  displayName: string;
  id?: string;
  appId?: string;
  uniqueName?: string;
  /** Default `AzureADMyOrg`. */
  signInAudience?: string;
  tags?: string[];
  properties?: Record<string, unknown>;
}

export interface ServicePrincipalInit {
  appId: string;
  id?: string;
  /** Clock time (ms) of creation; default now (so it is subject to `replicationLagInMs`). */
  createdAt?: number;
}

export interface FederatedCredentialInit {
  name: string;
  issuer: string;
  subject: string;
  /** Default `['api://AzureADTokenExchange']`. */
  audiences?: string[];
  description?: string | null;
}

export interface RoleDefinitionInit {
  roleName: string;
  id?: string;
  description?: string;
  type?: 'BuiltInRole' | 'CustomRole';
  permissions?: Array<Partial<FakePermission>>;
  /** Default `['/']` (assignable everywhere). */
  assignableScopes?: string[];
}

export interface RoleAssignmentInit {
  scope: string;
  /** A role definition GUID or any fully qualified role definition id. */
  roleDefinitionId: string;
  principalId: string;
  /** Default `ServicePrincipal`. */
  principalType?: PrincipalType;
  /** Default: a seeded GUID. */
  name?: string;
  description?: string | null;
  createdBy?: string | null;
  /** An ABAC condition, e.g. a delegation condition on a Role Based Access Control Administrator grant. */
  condition?: string | null;
  conditionVersion?: string | null;
}

export interface ProjectInit {
  id?: string;
  description?: string;
  visibility?: 'private' | 'public';
}

export interface ServiceEndpointInit {
  name: string;
  /** Project ids or names it is in (a shared connection has several); the first owns it. */
  projects: string | readonly string[];
  id?: string;
  /** Default `azurerm`. */
  type?: string;
  /** Default `https://management.azure.com/`. */
  url?: string;
  description?: string;
  /** Default `WorkloadIdentityFederation`; `ServicePrincipal` seeds a secret-based connection. */
  scheme?: string;
  /** `authorization.parameters.tenantid`; default the fake's tenant. */
  tenantId?: string;
  /** `authorization.parameters.serviceprincipalid` (the app's appId). */
  servicePrincipalId?: string;
  /** WIF only; default the fake's `issuerMode`. */
  federation?: FederationFormat;
  /** `data.creationMode`; default `Manual`. */
  creationMode?: 'Manual' | 'Automatic';
  /** Merged over the default azurerm data (environment, scopeLevel, subscriptionId, subscriptionName, creationMode). */
  data?: Record<string, string>;
  /** Merged over the default authorization parameters of the scheme. */
  parameters?: Record<string, string | null>;
  isReady?: boolean;
  operationStatus?: { state: string; statusMessage: string } | null;
  createdBy?: FakeIdentity;
}

/** What the state needs from the fake around it. */
export interface StateEnvironment {
  readonly tenantId: string;
  readonly organization: string;
  readonly organizationId: string;
  issuerMode(): 'entra' | 'legacy';
  now(): number;
  newId(): string;
}

/** `authorization.parameters` keys whose values Azure DevOps never returns. */
export const CONFIDENTIAL_PARAMETERS = new Set([
  'serviceprincipalkey',
  'serviceprincipalcertificate',
  'password',
  'accesstoken',
  'apitoken',
  'key',
  'secret',
]);

/** The built-in roles preloaded in every fake (ids are the global built-in GUIDs). */
export const BUILT_IN_ROLES: readonly RoleDefinitionInit[] = [
  {
    id: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    roleName: 'Owner',
    description: 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.',
    permissions: [{ actions: ['*'] }],
  },
  {
    id: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    roleName: 'Contributor',
    description: 'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.',
    permissions: [
      {
        actions: ['*'],
        notActions: ['Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write', 'Microsoft.Authorization/elevateAccess/Action'],
      },
    ],
  },
  {
    id: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    roleName: 'Reader',
    description: 'View all resources, but does not allow you to make any changes.',
    permissions: [{ actions: ['*/read'] }],
  },
  {
    id: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
    roleName: 'User Access Administrator',
    description: 'Lets you manage user access to Azure resources.',
    permissions: [{ actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'] }],
  },
  {
    id: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
    roleName: 'Role Based Access Control Administrator',
    description: 'Manage access to Azure resources by assigning roles using Azure RBAC.',
    // The real role carries a condition limiting which roles it may assign; not modelled.
    permissions: [
      {
        actions: [
          'Microsoft.Authorization/roleAssignments/write',
          'Microsoft.Authorization/roleAssignments/delete',
          '*/read',
          'Microsoft.Support/*',
        ],
      },
    ],
  },
];

/** The trailing GUID of a role definition id, or the value itself (lower case). */
export function roleDefinitionGuid(id: string): string {
  return (id.split('/').pop() ?? id).toLowerCase();
}

/** An ARM scope as `/a/b` (leading slash, no trailing slash; the root is `/`). */
export function normalizeScope(scope: string): string {
  return `/${scope.replace(/^\/+|\/+$/g, '')}`;
}

/** Whether `ancestor` is `scope` or one of its parents (case-insensitive, ARM compares ids so). */
export function isAtOrAbove(ancestor: string, scope: string): boolean {
  const a = normalizeScope(ancestor).toLowerCase();
  const s = normalizeScope(scope).toLowerCase();
  return a === '/' || s === a || s.startsWith(`${a}/`);
}

function fail(message: string): never {
  throw new TypeError(`wif fake state: ${message}`);
}

/**
 * The fake's state: typed maps of applications, service principals, federated credentials, role
 * definitions and assignments, projects, service connections and pipeline permissions, with
 * seeding helpers (`add*`, `rename*`) that skip the services' rules (so tests can set up what the
 * REST API would refuse) and accessors returning live records. Made by `createFake`.
 */
export class FakeState {
  readonly #env: StateEnvironment;
  readonly #applications = new Map<string, FakeApplication>();
  readonly #servicePrincipals = new Map<string, FakeServicePrincipal>();
  readonly #federatedCredentials = new Map<string, FakeFederatedCredential[]>();
  readonly #roleDefinitions = new Map<string, FakeRoleDefinition>();
  readonly #roleAssignments = new Map<string, FakeRoleAssignment>();
  readonly #principals = new Map<string, Exclude<PrincipalType, 'ServicePrincipal'>>();
  readonly #projects = new Map<string, FakeProject>();
  readonly #serviceEndpoints = new Map<string, FakeServiceEndpoint>();
  readonly #pipelinePermissions = new Map<string, FakePipelinePermissions>();
  /** Per connection id, in the order recorded. */
  readonly #executions = new Map<string, FakeEndpointExecution[]>();
  #nextExecutionId = 1;
  /** project id → ids of connections in it; rebuilt lazily after a change (large audits list per project). */
  #byProject: Map<string, FakeServiceEndpoint[]> | undefined;
  /** lower-cased project name → project, kept by `addProject` / `renameProject` (a lookup by name is O(1)). */
  readonly #projectsByName = new Map<string, FakeProject>();
  #projectsRevision = 0;
  #serviceEndpointsRevision = 0;
  /** Managed identities, checks, security roles and Azure DevOps identities (see `governanceState.ts`). */
  readonly governance: FakeGovernanceState;

  /** @internal Made by `createFake`. */
  constructor(env: StateEnvironment) {
    this.#env = env;
    this.governance = new FakeGovernanceState({ tenantId: () => env.tenantId, now: () => env.now(), newId: () => env.newId() });
    this.clear();
  }

  /** The Entra tenant of the directory. */
  get tenantId(): string {
    return this.#env.tenantId;
  }
  /** The Azure DevOps organization name. */
  get organization(): string {
    return this.#env.organization;
  }
  /** The Azure DevOps organization id (connectionData `instanceId`). */
  get organizationId(): string {
    return this.#env.organizationId;
  }
  /** The subscription id seeded connections point at unless told otherwise. */
  get subscriptionId(): string {
    return guidFrom(`subscription/${this.#env.tenantId}`);
  }

  /** Empties everything and preloads the built-in roles (what `fake.reset()` does). */
  clear(): void {
    for (const m of [
      this.#applications,
      this.#servicePrincipals,
      this.#federatedCredentials,
      this.#roleDefinitions,
      this.#roleAssignments,
      this.#principals,
      this.#projects,
      this.#serviceEndpoints,
      this.#pipelinePermissions,
      this.#executions,
    ]) {
      m.clear();
    }
    this.#byProject = undefined;
    this.#projectsByName.clear();
    this.#projectsRevision += 1;
    this.#serviceEndpointsRevision += 1;
    this.governance.clear();
    for (const role of BUILT_IN_ROLES) this.addRoleDefinition({ ...role, type: 'BuiltInRole' });
  }

  // ---------------------------------------------------------------- Graph

  /** Every application (live records). */
  applications(): FakeApplication[] {
    return [...this.#applications.values()];
  }

  /** An application by object id. */
  application(objectId: string): FakeApplication | undefined {
    return this.#applications.get(objectId.toLowerCase());
  }

  /** An application by appId (client id). */
  applicationByAppId(appId: string): FakeApplication | undefined {
    return this.applications().find((a) => a.appId === appId.toLowerCase());
  }

  /** An application by uniqueName (case-insensitive). */
  applicationByUniqueName(uniqueName: string): FakeApplication | undefined {
    return this.applications().find((a) => a.uniqueName?.toLowerCase() === uniqueName.toLowerCase());
  }

  /** Adds an application (seeding); throws `TypeError` for a taken id, appId or uniqueName. */
  addApplication(init: ApplicationInit): FakeApplication {
    const id = (init.id ?? this.#env.newId()).toLowerCase();
    const appId = (init.appId ?? this.#env.newId()).toLowerCase();
    if (this.#applications.has(id) || this.applicationByAppId(appId)) fail(`an application with id ${id} or appId ${appId} exists`);
    if (init.uniqueName !== undefined && this.applicationByUniqueName(init.uniqueName)) fail(`uniqueName ${init.uniqueName} is taken`);
    const app: FakeApplication = {
      id,
      appId,
      displayName: init.displayName,
      uniqueName: init.uniqueName ?? null,
      signInAudience: init.signInAudience ?? 'AzureADMyOrg',
      tags: [...(init.tags ?? [])],
      createdDateTime: new Date(this.#env.now()).toISOString(),
      properties: { ...init.properties },
    };
    this.#applications.set(id, app);
    this.#federatedCredentials.set(id, []);
    return app;
  }

  /** Deletes an application with its service principal and its federated credentials. */
  deleteApplication(objectId: string): boolean {
    const app = this.application(objectId);
    if (!app) return false;
    const sp = this.servicePrincipalByAppId(app.appId);
    if (sp) this.#servicePrincipals.delete(sp.id);
    this.#federatedCredentials.delete(app.id);
    return this.#applications.delete(app.id);
  }

  /** Every service principal, visible or not yet replicated (live records). */
  servicePrincipals(): FakeServicePrincipal[] {
    return [...this.#servicePrincipals.values()];
  }

  /** A service principal by object id (the ARM principalId). */
  servicePrincipal(objectId: string): FakeServicePrincipal | undefined {
    return this.#servicePrincipals.get(objectId.toLowerCase());
  }

  /** The service principal of an appId. */
  servicePrincipalByAppId(appId: string): FakeServicePrincipal | undefined {
    return this.servicePrincipals().find((s) => s.appId === appId.toLowerCase());
  }

  /** Adds the service principal of an existing application; throws `TypeError` if it has one or the app is unknown. */
  addServicePrincipal(init: ServicePrincipalInit): FakeServicePrincipal {
    const app = this.applicationByAppId(init.appId) ?? fail(`no application with appId ${init.appId}`);
    if (this.servicePrincipalByAppId(app.appId)) fail(`application ${app.appId} already has a service principal`);
    const sp: FakeServicePrincipal = {
      id: (init.id ?? this.#env.newId()).toLowerCase(),
      appId: app.appId,
      displayName: app.displayName,
      accountEnabled: true,
      tags: [],
      createdAt: init.createdAt ?? this.#env.now(),
    };
    this.#servicePrincipals.set(sp.id, sp);
    return sp;
  }

  /**
   * Adds the service principal of a managed identity (it has no application object); with
   * `resourceId`, the identity's ARM id, among its `alternativeNames` as for a user-assigned identity.
   */
  addManagedIdentityServicePrincipal(init: { appId: string; id: string; displayName: string; resourceId?: string }): FakeServicePrincipal {
    const sp: FakeServicePrincipal = {
      id: init.id.toLowerCase(),
      appId: init.appId.toLowerCase(),
      displayName: init.displayName,
      accountEnabled: true,
      tags: [],
      createdAt: this.#env.now(),
      servicePrincipalType: 'ManagedIdentity',
      ...(init.resourceId !== undefined ? { alternativeNames: ['isExplicit=True', init.resourceId] } : {}),
    };
    this.#servicePrincipals.set(sp.id, sp);
    return sp;
  }

  /** Deletes a service principal (its role assignments stay, orphaned, as in Azure). */
  deleteServicePrincipal(objectId: string): boolean {
    return this.#servicePrincipals.delete(objectId.toLowerCase());
  }

  /** The federated credentials of an application (live array), `[]` for an unknown one. */
  federatedCredentials(appObjectId: string): FakeFederatedCredential[] {
    return this.#federatedCredentials.get(appObjectId.toLowerCase()) ?? [];
  }

  /** Adds a federated credential without the Graph rules (seeding); see the Graph routes for those. */
  addFederatedCredential(appObjectId: string, init: FederatedCredentialInit): FakeFederatedCredential {
    const list = this.#federatedCredentials.get(appObjectId.toLowerCase()) ?? fail(`no application ${appObjectId}`);
    const fic: FakeFederatedCredential = {
      id: this.#env.newId(),
      name: init.name,
      issuer: init.issuer,
      subject: init.subject,
      audiences: [...(init.audiences ?? ['api://AzureADTokenExchange'])],
      description: init.description ?? null,
      writtenAt: this.#env.now(),
    };
    list.push(fic);
    return fic;
  }

  /** Deletes one federated credential by id. */
  deleteFederatedCredential(appObjectId: string, ficId: string): boolean {
    const list = this.federatedCredentials(appObjectId);
    const i = list.findIndex((f) => f.id === ficId);
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  /** Registers a non-service-principal directory object (user, group) that ARM can find. */
  addPrincipal(id: string, type: Exclude<PrincipalType, 'ServicePrincipal'>): void {
    this.#principals.set(id.toLowerCase(), type);
  }

  /** The type of a directory object as ARM's lookup sees it (ignores replication lag). */
  principalType(id: string): PrincipalType | undefined {
    return this.servicePrincipal(id) ? 'ServicePrincipal' : this.#principals.get(id.toLowerCase());
  }

  // ---------------------------------------------------------------- ARM

  /** Every role definition, the built-in ones first (live records). */
  roleDefinitions(): FakeRoleDefinition[] {
    return [...this.#roleDefinitions.values()];
  }

  /** A role definition by GUID or any fully qualified role definition id. */
  roleDefinition(idOrGuid: string): FakeRoleDefinition | undefined {
    return this.#roleDefinitions.get(roleDefinitionGuid(idOrGuid));
  }

  /** Adds (or replaces, same id) a role definition; default type `CustomRole`. */
  addRoleDefinition(init: RoleDefinitionInit): FakeRoleDefinition {
    const role: FakeRoleDefinition = {
      id: (init.id ?? this.#env.newId()).toLowerCase(),
      roleName: init.roleName,
      description: init.description ?? '',
      type: init.type ?? 'CustomRole',
      permissions: (init.permissions ?? [{}]).map((p) => ({
        actions: [...(p.actions ?? [])],
        notActions: [...(p.notActions ?? [])],
        dataActions: [...(p.dataActions ?? [])],
        notDataActions: [...(p.notDataActions ?? [])],
      })),
      assignableScopes: (init.assignableScopes ?? ['/']).map(normalizeScope),
    };
    this.#roleDefinitions.set(role.id, role);
    return role;
  }

  /** Every role assignment in the tenant (live records). */
  roleAssignments(): FakeRoleAssignment[] {
    return [...this.#roleAssignments.values()];
  }

  /** A role assignment by name (GUID), at whatever scope. */
  roleAssignment(name: string): FakeRoleAssignment | undefined {
    return this.#roleAssignments.get(name.toLowerCase());
  }

  /** Adds a role assignment without ARM's checks (seeding). */
  addRoleAssignment(init: RoleAssignmentInit): FakeRoleAssignment {
    const name = (init.name ?? this.#env.newId()).toLowerCase();
    if (this.#roleAssignments.has(name)) fail(`role assignment ${name} exists`);
    const now = new Date(this.#env.now()).toISOString();
    const ra: FakeRoleAssignment = {
      name,
      scope: normalizeScope(init.scope),
      roleDefinitionId: roleDefinitionGuid(init.roleDefinitionId),
      principalId: init.principalId.toLowerCase(),
      principalType: init.principalType ?? 'ServicePrincipal',
      description: init.description ?? null,
      condition: init.condition ?? null,
      conditionVersion: init.conditionVersion ?? (init.condition ? '2.0' : null),
      createdOn: now,
      updatedOn: now,
      createdBy: init.createdBy ?? null,
      updatedBy: init.createdBy ?? null,
    };
    this.#roleAssignments.set(name, ra);
    return ra;
  }

  /** Deletes a role assignment by name. */
  deleteRoleAssignment(name: string): boolean {
    return this.#roleAssignments.delete(name.toLowerCase());
  }

  // ---------------------------------------------------------------- Azure DevOps

  /** Every project of the organization, in creation order (live records). */
  projects(): FakeProject[] {
    return [...this.#projects.values()];
  }

  /** A project by id or (case-insensitive) name. Rename a project with {@link renameProject}, not by assigning its `name`. */
  project(idOrName: string): FakeProject | undefined {
    const key = idOrName.toLowerCase();
    return this.#projects.get(key) ?? this.#projectsByName.get(key);
  }

  /**
   * @internal Changes whenever a project is added or renamed (or the state cleared): routes that
   * derive data from the whole project list cache it per revision instead of rescanning per request.
   */
  get projectsRevision(): number {
    return this.#projectsRevision;
  }

  /** @internal Changes whenever a service connection is added or deleted (or the state cleared). */
  get serviceEndpointsRevision(): number {
    return this.#serviceEndpointsRevision;
  }

  /** Adds a project; throws `TypeError` if the name is taken. */
  addProject(name: string, init: ProjectInit = {}): FakeProject {
    if (this.project(name)) fail(`project ${name} exists`);
    const project: FakeProject = {
      id: (init.id ?? this.#env.newId()).toLowerCase(),
      name,
      description: init.description ?? '',
      state: 'wellFormed',
      revision: 1,
      visibility: init.visibility ?? 'private',
      lastUpdateTime: new Date(this.#env.now()).toISOString(),
    };
    this.#projects.set(project.id, project);
    this.#projectsByName.set(name.toLowerCase(), project);
    this.#projectsRevision += 1;
    return project;
  }

  /** Renames a project (a legacy WIF subject embeds the project name, so this is drift). */
  renameProject(idOrName: string, newName: string): FakeProject {
    const project = this.project(idOrName) ?? fail(`no project ${idOrName}`);
    if (this.#projectsByName.get(project.name.toLowerCase()) === project) this.#projectsByName.delete(project.name.toLowerCase());
    project.name = newName;
    project.revision += 1;
    this.#projectsByName.set(newName.toLowerCase(), project);
    this.#projectsRevision += 1;
    return project;
  }

  /** Every service connection of the organization (live records). */
  serviceEndpoints(): FakeServiceEndpoint[] {
    return [...this.#serviceEndpoints.values()];
  }

  /**
   * The connections a project holds (live records), in O(1) after the first call following a change.
   * Callers that edit `projectReferences` of a record directly call {@link touchServiceEndpoints}.
   */
  serviceEndpointsIn(projectId: string): FakeServiceEndpoint[] {
    if (!this.#byProject) {
      const index = new Map<string, FakeServiceEndpoint[]>();
      for (const e of this.#serviceEndpoints.values()) {
        for (const r of e.projectReferences) {
          const list = index.get(r.projectId);
          if (list) list.push(e);
          else index.set(r.projectId, [e]);
        }
      }
      this.#byProject = index;
    }
    return (this.#byProject.get(projectId) ?? []).filter((e) => e.projectReferences.some((r) => r.projectId === projectId));
  }

  /** Says that project references changed, so {@link serviceEndpointsIn} rebuilds its index. */
  touchServiceEndpoints(): void {
    this.#byProject = undefined;
  }

  /** A service connection by id. */
  serviceEndpoint(id: string): FakeServiceEndpoint | undefined {
    return this.#serviceEndpoints.get(id.toLowerCase());
  }

  /** Adds a service connection without Azure DevOps' checks (seeding any kind, including broken ones). */
  addServiceEndpoint(init: ServiceEndpointInit): FakeServiceEndpoint {
    const scheme = init.scheme ?? 'WorkloadIdentityFederation';
    const creationMode = init.creationMode ?? 'Manual';
    const projects = (typeof init.projects === 'string' ? [init.projects] : init.projects).map(
      (p) => this.project(p) ?? fail(`no project ${p}`),
    );
    if (projects.length === 0) fail('a service connection needs at least one project');
    const base: Record<string, string | null> = { tenantid: init.tenantId ?? this.#env.tenantId };
    if (init.servicePrincipalId !== undefined) base['serviceprincipalid'] = init.servicePrincipalId;
    if (scheme === 'ServicePrincipal') Object.assign(base, { authenticationType: 'spnKey', serviceprincipalkey: null });
    const parameters = { ...base, ...init.parameters };
    for (const key of Object.keys(parameters)) if (CONFIDENTIAL_PARAMETERS.has(key.toLowerCase())) parameters[key] = null;
    const endpoint: FakeServiceEndpoint = {
      id: (init.id ?? this.#env.newId()).toLowerCase(),
      name: init.name,
      type: init.type ?? 'azurerm',
      url: init.url ?? 'https://management.azure.com/',
      description: init.description ?? '',
      owner: 'Library',
      data: {
        environment: 'AzureCloud',
        scopeLevel: 'Subscription',
        subscriptionId: this.subscriptionId,
        subscriptionName: 'Test subscription',
        creationMode,
        ...init.data,
      },
      scheme,
      parameters,
      federation: scheme === 'WorkloadIdentityFederation' ? (init.federation ?? this.#env.issuerMode()) : undefined,
      isReady: init.isReady ?? true,
      operationStatus: init.operationStatus === undefined ? null : init.operationStatus,
      createdBy: init.createdBy ?? { id: '00000000-0000-0000-0000-000000000000', displayName: 'Seeded', uniqueName: 'seeded@fake' },
      projectReferences: projects.map((p) => ({ projectId: p.id, name: init.name, description: init.description ?? '' })),
    };
    this.#serviceEndpoints.set(endpoint.id, endpoint);
    this.#byProject = undefined;
    this.#serviceEndpointsRevision += 1;
    for (const p of projects) this.#pipelinePermissions.set(`${p.id}/${endpoint.id}`, { pipelines: [] });
    return endpoint;
  }

  /** Renames a connection everywhere it carries its old name (drift for a legacy subject). */
  renameServiceEndpoint(id: string, newName: string): FakeServiceEndpoint {
    const endpoint = this.serviceEndpoint(id) ?? fail(`no service connection ${id}`);
    for (const ref of endpoint.projectReferences) if (ref.name === endpoint.name) ref.name = newName;
    endpoint.name = newName;
    return endpoint;
  }

  /**
   * Records that a pipeline run used a connection (what the agent reports to Azure DevOps when a job
   * uses it). `startTime` defaults to now; the run ends a minute later.
   */
  addServiceEndpointExecution(
    endpointId: string,
    init: { project: string; definition: { id: number; name: string }; runName?: string; startTime?: string; result?: string },
  ): FakeEndpointExecution {
    const endpoint = this.serviceEndpoint(endpointId) ?? fail(`no service connection ${endpointId}`);
    const project = this.project(init.project) ?? fail(`no project ${init.project}`);
    const start = init.startTime ?? new Date(this.#env.now()).toISOString();
    const id = this.#nextExecutionId++;
    const record: FakeEndpointExecution = {
      id,
      projectId: project.id,
      definition: { ...init.definition },
      owner: { id: 1000 + id, name: init.runName ?? `${init.definition.name} #${id}` },
      planType: 'Build',
      result: init.result ?? 'succeeded',
      startTime: start,
      finishTime: new Date(Date.parse(start) + 60_000).toISOString(),
    };
    this.#executions.set(endpoint.id, [...(this.#executions.get(endpoint.id) ?? []), record]);
    return record;
  }

  /** The uses of a connection, in the order recorded. */
  serviceEndpointExecutions(endpointId: string): readonly FakeEndpointExecution[] {
    return this.#executions.get(endpointId.toLowerCase()) ?? [];
  }

  /** Deletes a service connection from every project, with its pipeline permissions. */
  deleteServiceEndpoint(id: string): boolean {
    this.#executions.delete(id.toLowerCase());
    for (const key of [...this.#pipelinePermissions.keys()])
      if (key.endsWith(`/${id.toLowerCase()}`)) this.#pipelinePermissions.delete(key);
    this.#byProject = undefined;
    this.#serviceEndpointsRevision += 1;
    return this.#serviceEndpoints.delete(id.toLowerCase());
  }

  /**
   * The issuer, subject and issuer type a WIF connection has now (what Azure DevOps returns in
   * `authorization.parameters` and puts in its OIDC tokens); `undefined` for other schemes.
   */
  federation(endpointId: string): { issuer: string; subject: string; issuerType: string | undefined } | undefined {
    const e = this.serviceEndpoint(endpointId);
    if (!e?.federation) return undefined;
    const f = e.federation;
    if (typeof f === 'object') return { issuer: f.issuer, subject: f.subject, issuerType: f.issuerType };
    if (f === 'entra') {
      const tenant = e.parameters['tenantid'] ?? this.#env.tenantId;
      return { issuer: entraIssuer(tenant), subject: entraSubject(tenant, this.#env.organizationId, e.id), issuerType: 'EntraID' };
    }
    // The legacy subject embeds the owning project's and the connection's current names.
    // The issuer type of a legacy connection is undocumented (docs/reference/federation.md §1): left out.
    const ref = e.projectReferences[0];
    const project = ref ? (this.project(ref.projectId)?.name ?? '') : '';
    return {
      issuer: legacyIssuer(this.#env.organizationId),
      subject: legacySubject(this.#env.organization, project, ref?.name ?? e.name),
      issuerType: undefined,
    };
  }

  /** Pipeline permissions of a connection in a project (live), `undefined` if it is not in that project. */
  pipelinePermissions(project: string, endpointId: string): FakePipelinePermissions | undefined {
    const p = this.project(project);
    return p ? this.#pipelinePermissions.get(`${p.id}/${endpointId.toLowerCase()}`) : undefined;
  }

  /** @internal Keeps the pipeline-permission records in step with a connection's projects. */
  syncPipelinePermissions(endpoint: FakeServiceEndpoint): void {
    const wanted = new Set(endpoint.projectReferences.map((r) => `${r.projectId}/${endpoint.id}`));
    for (const key of [...this.#pipelinePermissions.keys()])
      if (key.endsWith(`/${endpoint.id}`) && !wanted.has(key)) this.#pipelinePermissions.delete(key);
    for (const key of wanted) if (!this.#pipelinePermissions.has(key)) this.#pipelinePermissions.set(key, { pipelines: [] });
  }
}
