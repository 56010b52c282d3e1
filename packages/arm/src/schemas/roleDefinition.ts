import * as z from 'zod';
import { built, deferred } from '@wif/http';

/** One permission block of a role definition. */
export const PermissionSchema = deferred(() =>
  z.object({
    actions: z.array(z.string()).optional(),
    notActions: z.array(z.string()).optional(),
    dataActions: z.array(z.string()).optional(),
    notDataActions: z.array(z.string()).optional(),
  }),
);

/**
 * A role definition (`RoleDefinition`, authorization-RoleDefinitionsCalls.json @ 2022-04-01): the
 * fields wif reads. `properties.type` is `BuiltInRole` or `CustomRole` in practice, kept a string
 * (the official example says `roletype`).
 */
export const RoleDefinitionSchema = deferred(() =>
  z.object({
    id: z.string(),
    name: z.string(),
    type: z.string().optional(),
    properties: z.object({
      roleName: z.string(),
      type: z.string().optional(),
      description: z.string().nullish(),
      permissions: z.array(built(PermissionSchema)).optional(),
      assignableScopes: z.array(z.string()).optional(),
    }),
  }),
);

/** `RoleDefinitionListResult`: one page of role definitions. */
export const RoleDefinitionListSchema = deferred(() =>
  z.object({
    value: z.array(built(RoleDefinitionSchema)),
    nextLink: z.string().nullish(),
  }),
);

export type Permission = z.output<typeof PermissionSchema>;
export type RoleDefinition = z.output<typeof RoleDefinitionSchema>;
