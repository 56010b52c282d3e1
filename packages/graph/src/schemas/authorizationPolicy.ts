import * as z from 'zod';
import { deferred } from '@wif/http';

/**
 * `authorizationPolicy` (Graph v1.0, https://learn.microsoft.com/graph/api/authorizationpolicy-get):
 * the field wif reads. `allowedToCreateApps` is the tenant setting "Users can register applications".
 */
export const authorizationPolicySchema = deferred(() =>
  z.looseObject({
    id: z.string(),
    defaultUserRolePermissions: z.looseObject({
      allowedToCreateApps: z.boolean(),
    }),
  }),
);

export type AuthorizationPolicy = z.output<typeof authorizationPolicySchema>;
