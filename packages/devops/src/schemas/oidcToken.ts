/**
 * `TaskHubOidcToken` from `packages/testing/fixtures/ado-distributedTask-7.1-oidctoken-excerpt.json`.
 */
import * as z from 'zod';

export const taskHubOidcTokenSchema = z.object({ oidcToken: z.string().min(1) });
