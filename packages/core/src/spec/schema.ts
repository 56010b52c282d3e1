/**
 * The declarative spec: one YAML or JSON file naming the organization, the tenant, and the
 * connections a platform team wants. Validated with zod; a JSON Schema generated from it gives
 * editors completion (`wif-spec.schema.json`).
 */
import { z } from 'zod';
import {
  connectionNameSchema,
  displayNameSchema,
  guidSchema,
  organizationSchema,
  projectSchema,
  scopeSchema,
  uniqueNameSchema,
} from '../validation';

const roleName = z
  .string({ error: 'must be a string' })
  .refine((s) => s === s.trim() && s.length > 0 && s.length <= 512, 'must be a role name or GUID without stray whitespace');

/** One role at one scope. */
export const roleGrantSchema = z.strictObject({
  role: roleName.describe('A role name (Contributor, Reader, a custom role) or a role definition GUID.'),
  scope: scopeSchema.describe('The smallest scope the work needs, e.g. /subscriptions/{id}/resourceGroups/{rg}.'),
  allowPrivileged: z
    .boolean()
    .optional()
    .describe('Allow Owner / User Access Administrator / RBAC Administrator at subscription or management-group scope.'),
});

/** Which pipelines may use a connection: a list of pipeline (definition) ids, or all of them. */
export const pipelinesSchema = z
  .union([
    z.array(z.number().int().positive('must be a positive pipeline id')).max(1000),
    z.strictObject({ all: z.literal(true) }),
  ])
  .describe('Pipeline definition ids allowed to use the connection, or { all: true } (discouraged).');

const appSchema = z.strictObject({
  displayName: displayNameSchema.describe('Display name of the Entra app registration.'),
  uniqueName: uniqueNameSchema.optional().describe('Natural key of the app (default derived from displayName).'),
});

/** A subscription or management group the connection targets (what Azure DevOps shows). */
export const targetSchema = z.discriminatedUnion('level', [
  z.strictObject({ level: z.literal('subscription'), subscriptionId: guidSchema, subscriptionName: connectionNameSchema }),
  z.strictObject({
    level: z.literal('managementGroup'),
    managementGroupId: z.string().regex(/^[A-Za-z0-9._()-]{1,90}$/, 'is not a management group id'),
    managementGroupName: connectionNameSchema,
  }),
]);

/** One service connection, fully spelled out. */
export const connectionSpecSchema = z.strictObject({
  project: projectSchema.describe('Azure DevOps project (name or id) that owns the connection.'),
  name: connectionNameSchema.describe('Service connection name, as pipelines refer to it.'),
  app: z.union([displayNameSchema, appSchema]).describe('The app registration: its display name, or { displayName, uniqueName }.'),
  subscriptionName: connectionNameSchema
    .optional()
    .describe('Subscription display name shown in Azure DevOps (default: the subscription id).'),
  target: targetSchema.optional().describe('What Azure DevOps shows as the target; default: the subscription of the first role.'),
  roles: z.array(roleGrantSchema).min(1, 'needs at least one role').max(50),
  shareWith: z.array(projectSchema).max(100).optional().describe('Other projects to share the connection with.'),
  pipelines: pipelinesSchema.optional(),
  description: z.string().max(1024).optional(),
});

/** The environment-set shorthand: dev, prod and prod-readonly from one block. */
export const environmentSetSchema = z.strictObject({
  project: projectSchema,
  /** Connection names become `{name}-dev`, `{name}-prod`, `{name}-prod-readonly`. */
  name: connectionNameSchema.describe('Base name: connections are {name}-dev, {name}-prod and {name}-prod-readonly.'),
  /** App display names become `{appPrefix}-dev` … Default: `name`. */
  appPrefix: displayNameSchema.optional(),
  subscriptionId: guidSchema,
  subscriptionName: connectionNameSchema.optional(),
  dev: z.strictObject({ resourceGroup: z.string().regex(/^[-\w._()]{1,90}$/, 'is not a resource group name'), pipelines: pipelinesSchema.optional() }),
  prod: z.strictObject({ resourceGroup: z.string().regex(/^[-\w._()]{1,90}$/, 'is not a resource group name'), pipelines: pipelinesSchema.optional() }),
  readonly: z
    .union([z.literal(false), z.strictObject({ pipelines: pipelinesSchema.optional() })])
    .optional()
    .describe('The prod-readonly connection (Reader on the prod resource group, for pull-request runs). Default: on.'),
  extraRoles: z.array(roleGrantSchema).max(20).optional().describe('Roles added to every connection of the set (e.g. Reader on a Terraform state RG).'),
  shareWith: z.array(projectSchema).max(100).optional(),
});

export const specSchema = z
  .strictObject({
    $schema: z.string().optional(),
    organization: organizationSchema.describe('Azure DevOps organization name.'),
    tenantId: guidSchema.describe('Entra tenant id.'),
    cloud: z.enum(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud']).optional(),
    connections: z.array(connectionSpecSchema).max(1000).optional(),
    environments: z.array(environmentSetSchema).max(200).optional(),
  })
  .refine((s) => (s.connections?.length ?? 0) + (s.environments?.length ?? 0) > 0, {
    message: 'names no connection: add `connections` or `environments`',
    path: ['connections'],
  });

export type RoleGrantSpec = z.output<typeof roleGrantSchema>;
export type PipelinesSpec = z.output<typeof pipelinesSchema>;
export type ConnectionSpec = z.output<typeof connectionSpecSchema>;
export type EnvironmentSetSpec = z.output<typeof environmentSetSchema>;
export type Spec = z.output<typeof specSchema>;
/** What a caller writes (before defaults). */
export type SpecInput = z.input<typeof specSchema>;
