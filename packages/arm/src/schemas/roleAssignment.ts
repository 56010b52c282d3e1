import * as z from 'zod';
import { built, deferred } from '@wif/http';

/**
 * A role assignment (`RoleAssignment`, authorization-RoleAssignmentsCalls.json @ 2022-04-01): the
 * fields wif reads. `roleDefinitionId` comes back in the tenant form
 * `/providers/Microsoft.Authorization/roleDefinitions/{guid}` (docs/reference/arm.md §1): compare with
 * `roleDefinitionGuid()`. `principalType` is kept a string: the service knows more types
 * (e.g. `Device`) than a create request may send.
 */
export const RoleAssignmentSchema = deferred(() =>
  z.object({
    id: z.string(),
    name: z.string(),
    type: z.string().optional(),
    properties: z.object({
      scope: z.string(),
      roleDefinitionId: z.string(),
      principalId: z.string(),
      principalType: z.string().optional(),
      description: z.string().nullish(),
      condition: z.string().nullish(),
      createdOn: z.string().nullish(),
      updatedOn: z.string().nullish(),
      createdBy: z.string().nullish(),
      updatedBy: z.string().nullish(),
    }),
  }),
);

/** `RoleAssignmentListResult`: one page of role assignments. */
export const RoleAssignmentListSchema = deferred(() =>
  z.object({
    value: z.array(built(RoleAssignmentSchema)),
    nextLink: z.string().nullish(),
  }),
);

export type RoleAssignment = z.output<typeof RoleAssignmentSchema>;
