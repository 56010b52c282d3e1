/**
 * Security role assignments (`RoleAssignment`, MicrosoftDocs/vsts-rest-api-specs
 * `specification/securityRoles/7.1/securityRoles.json`;
 * learn.microsoft.com/rest/api/azure/devops/securityroles/roleassignments?view=azure-devops-rest-7.1).
 */
import * as z from 'zod';
import { built, deferred } from '@wif/http';
import { arrayOrValueList } from './_list';

export const securityRoleSchema = deferred(() =>
  z.looseObject({
    name: z.string(),
    displayName: z.string().nullish(),
    identifier: z.string().nullish(),
    scope: z.string().nullish(),
    allowPermissions: z.number().int().nullish(),
    denyPermissions: z.number().int().nullish(),
    description: z.string().nullish(),
  }),
);

export const securityRoleAssignmentSchema = deferred(() =>
  z.looseObject({
    identity: z.looseObject({ id: z.string(), displayName: z.string().nullish(), uniqueName: z.string().nullish() }),
    role: built(securityRoleSchema),
    /** `assigned` on the resource itself, or `inherited` from the project level. */
    access: z.string().nullish(),
    accessDisplayName: z.string().nullish(),
  }),
);

/** The `{ count, value }` wrapper (the spec says a bare array; accept both). */
export const securityRoleAssignmentListSchema = deferred(() => arrayOrValueList(built(securityRoleAssignmentSchema)));

export type SecurityRole = z.output<typeof securityRoleSchema>;
export type SecurityRoleAssignment = z.output<typeof securityRoleAssignmentSchema>;
