import * as z from 'zod';
import { built, deferred } from '@wif/http';
import { PermissionSchema } from './roleDefinition';

/**
 * `PermissionGetResult` (authorization-RoleDefinitionsCalls.json @ 2022-04-01): the caller's
 * effective permissions at a scope, one entry per role grant, and a `nextLink` when paged.
 */
export const PermissionListSchema = deferred(() =>
  z.object({
    value: z.array(built(PermissionSchema)),
    nextLink: z.string().nullish(),
  }),
);
