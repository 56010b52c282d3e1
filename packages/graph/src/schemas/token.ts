import * as z from 'zod';
import { deferred } from '@wif/http';

/**
 * A successful answer of the Entra v2 token endpoint (docs/reference/federation.md §4). The access token is read
 * here and moved into an {@link AccessTokenHandle} at once; it is never returned as a plain field.
 */
export const tokenResponseSchema = deferred(() =>
  z.object({
    token_type: z.string().min(1),
    expires_in: z.number().int().nonnegative(),
    access_token: z.string().min(1),
  }),
);
