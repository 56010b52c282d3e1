/**
 * The declarative spec: one YAML or JSON file naming the organization, the tenant, and the
 * connections a platform team wants. Validated with zod; the JSON Schema generated from it
 * (`schema/wif-spec.schema.json`, see `specJsonSchema`) gives editors completion.
 */
import { connectionTargetSchema } from '../target';
import { checksSpecSchema, identitySpecSchema, securitySpecSchema } from './governance';
import { built, deferred } from '@wif/http';
import * as z from 'zod';
import {
  connectionNameSchema,
  displayNameSchema,
  guidSchema,
  organizationSchema,
  projectSchema,
  roleNameSchema,
  scopeSchema,
  uniqueNameSchema,
} from '../validation';

// JSON Schema hints for strings whose rules are zod refinements (which JSON Schema cannot carry).
const GUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const guid = (description: string) => guidSchema.meta({ pattern: GUID_PATTERN, description });
const scope = (description: string) => scopeSchema.meta({ pattern: '^/?(subscriptions|providers)/', description });

const roleName = roleNameSchema.describe('A role name (Contributor, Reader, a custom role) or a role definition GUID.');

const allowPrivileged = z
  .boolean()
  .optional()
  .describe('Allow Owner / User Access Administrator / RBAC Administrator at subscription or management-group scope.');

/** One role at one scope. */
export const roleGrantSchema = z
  .strictObject({
    role: roleName,
    scope: scope('The smallest scope the work needs, e.g. /subscriptions/{id}/resourceGroups/{rg}.'),
    allowPrivileged,
  })
  .meta({ id: 'roleGrant' });

/** A role of a connection: a role name at the connection's `scope`, or `{ role, scope? }`. */
export const connectionRoleSchema = z
  .union([
    roleName,
    z.strictObject({
      role: roleName,
      scope: scope('Where this role applies; default: the connection scope.').optional(),
      allowPrivileged,
    }),
  ])
  .meta({ id: 'connectionRole', description: 'A role name at the connection scope, or { role, scope } for another scope.' });

/** Which pipelines may use a connection: a list of pipeline (definition) ids, or all of them. */
export const pipelinesSchema = deferred(() =>
  z
    .union([z.array(z.number().int().positive('must be a positive pipeline id')).max(1000), z.strictObject({ all: z.literal(true) })])
    .meta({ id: 'pipelines', description: 'Pipeline definition ids allowed to use the connection, or { all: true } (discouraged).' }),
);

const appSchema = z.strictObject({
  displayName: displayNameSchema.describe('Display name of the Entra app registration.'),
  uniqueName: uniqueNameSchema.optional().describe('Natural key of the app (default derived from displayName).'),
});

/**
 * An app registration made outside wif (by hand, by a script), adopted by its application (client)
 * id: wif reads it by that id, never creates, changes or deletes it, and binds the connection to it
 * (docs/decisions/040-adopting-an-app-made-by-hand.md).
 */
const adoptedAppSchema = z.strictObject({
  appId: guid('Application (client) id of an existing app registration to adopt: wif uses it as it is and never deletes it.'),
});

/**
 * A block of the spec built the first time a spec uses it: most specs name no target, identity,
 * checks, security or environment set, and the schemas are otherwise built each time wif starts
 * (docs/performance.md). The same JSON Schema, the same problems.
 */
function later<T extends z.ZodType>(schema: T) {
  const lazy = z.lazy(() => built(schema));
  // zod asks each field of an object whether it is optional (`optin`, `optout`) the first time it
  // parses with it, and a lazy schema answers by building its own. These blocks are objects and
  // unions, neither optional nor defaulted (`.optional()` is added around `later`): the answer is
  // known without building them.
  Object.defineProperties(lazy._zod, { optin: { value: undefined }, optout: { value: undefined } });
  return lazy;
}

/** A subscription or management group the connection targets (what Azure DevOps shows). */
export const targetSchema = deferred(() =>
  built(connectionTargetSchema).meta({
    id: 'target',
    description: 'What Azure DevOps shows as the target; default: the subscription of the connection scope.',
  }),
);

/** One service connection, fully spelled out. */
export const connectionSpecSchema = z
  .strictObject({
    project: projectSchema.describe('Azure DevOps project (name or id) that owns the connection.'),
    name: connectionNameSchema.describe('Service connection name, as pipelines refer to it.'),
    app: z
      .union([displayNameSchema, appSchema, adoptedAppSchema])
      .optional()
      .describe(
        'The app registration (one per connection): its display name, { displayName, uniqueName }, or { appId } of an existing app to adopt. Not for a managed identity.',
      ),
    identity: later(identitySpecSchema).optional(),
    checks: later(checksSpecSchema).optional(),
    security: later(securitySpecSchema).optional(),
    scope: scope('Default scope of the roles, and where the target subscription comes from.').optional(),
    subscriptionName: connectionNameSchema
      .optional()
      .describe('Subscription display name shown in Azure DevOps (default: the subscription id).'),
    target: later(targetSchema).optional(),
    roles: z.array(connectionRoleSchema).min(1, 'needs at least one role').max(50),
    shareWith: z.array(projectSchema).max(100).optional().describe('Other projects to share the connection with.'),
    pipelines: later(pipelinesSchema).optional(),
    description: z.string().max(1024).optional(),
  })
  .superRefine((c, ctx) => {
    const managed = c.identity?.kind === 'managedIdentity';
    if (!managed && c.app === undefined)
      ctx.addIssue({ code: 'custom', path: ['app'], message: 'needs an app (or identity: { kind: managedIdentity, … })' });
    if (managed && c.app !== undefined) ctx.addIssue({ code: 'custom', path: ['app'], message: 'must be left out for a managed identity' });
    if (c.scope !== undefined) return;
    c.roles.forEach((r, j) => {
      if (typeof r === 'string' || r.scope === undefined) {
        ctx.addIssue({ code: 'custom', path: ['roles', j, 'scope'], message: 'needs a scope: give it here or as the connection scope' });
      }
    });
  })
  .meta({ id: 'connection' });

/** Per-environment identity, checks and security (see `spec/governance.ts`). */
const environmentExtras = () => ({
  identity: later(identitySpecSchema).optional(),
  checks: later(checksSpecSchema).optional(),
  security: later(securitySpecSchema).optional(),
});

/** The environment-set shorthand: dev, prod and prod-readonly from one block. */
export const environmentSetSchema = deferred(() => {
  const resourceGroup = z
    .string()
    .regex(/^[-\w._()]{1,90}$/, 'is not a resource group name')
    .describe('Resource group name.');
  return z
    .strictObject({
      project: projectSchema.describe('Azure DevOps project that owns the three connections.'),
      name: connectionNameSchema.describe('Base name: connections are {name}-dev, {name}-prod and {name}-prod-readonly.'),
      appPrefix: displayNameSchema.optional().describe('App display names are {appPrefix}-dev, … Default: name.'),
      subscriptionId: guid('Subscription of both resource groups.'),
      subscriptionName: connectionNameSchema.optional(),
      identity: later(identitySpecSchema)
        .optional()
        .describe('Identity of every connection of the set unless an environment names its own.'),
      dev: z
        .strictObject({ resourceGroup, pipelines: later(pipelinesSchema).optional(), ...environmentExtras() })
        .describe('Contributor on this resource group.'),
      prod: z
        .strictObject({ resourceGroup, pipelines: later(pipelinesSchema).optional(), ...environmentExtras() })
        .describe('Contributor on this resource group.'),
      readonly: z
        .union([z.literal(false), z.strictObject({ pipelines: later(pipelinesSchema).optional(), ...environmentExtras() })])
        .optional()
        .describe(
          'The prod-readonly connection (Reader on the prod resource group, for pull-request runs). Default: on; false turns it off.',
        ),
      extraRoles: z
        .array(roleGrantSchema)
        .max(20)
        .optional()
        .describe('Roles added to every connection of the set (e.g. Reader on a Terraform state RG).'),
      shareWith: z.array(projectSchema).max(100).optional(),
    })
    .meta({ id: 'environmentSet' });
});

/** A whole spec: organization, tenant, and connections and/or environment sets. */
export const specSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of wif-spec.schema.json, for editors.'),
    organization: organizationSchema.describe('Azure DevOps organization name.'),
    tenantId: guid('Entra tenant id.'),
    cloud: z.enum(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud']).optional().describe('Default AzureCloud.'),
    connections: z.array(connectionSpecSchema).max(1000).optional(),
    environments: z.array(later(environmentSetSchema)).max(200).optional(),
  })
  .refine((s) => (s.connections?.length ?? 0) + (s.environments?.length ?? 0) > 0, {
    message: 'names no connection: add `connections` or `environments`',
    path: ['connections'],
  });

/** One role at one scope. */
export interface RoleGrantSpec {
  readonly role: string;
  readonly scope: string;
  readonly allowPrivileged?: boolean | undefined;
}
/** A role of a connection, as written (its scope may come from the connection). */
export type ConnectionRoleSpec = z.output<typeof connectionRoleSchema>;
/** Pipeline ids, or `{ all: true }`. */
export type PipelinesSpec = number[] | { readonly all: true };
/** One connection, as written in the spec. */
export type ConnectionSpec = z.output<typeof connectionSpecSchema>;
/** One environment set, as written in the spec. */
export type EnvironmentSetSpec = z.output<typeof environmentSetSchema>;
/** A validated spec (before environment sets are expanded: see `ResolvedSpec`). */
export type Spec = z.output<typeof specSchema>;
/** What a caller writes (before defaults). */
export type SpecInput = z.input<typeof specSchema>;

// The plain types above (kept free of zod for the root API) must accept what the schemas produce.
export const _roleGrantMatches = (x: z.output<typeof roleGrantSchema>): RoleGrantSpec => x;
export const _pipelinesMatch = (x: z.output<typeof pipelinesSchema>): PipelinesSpec => x;
