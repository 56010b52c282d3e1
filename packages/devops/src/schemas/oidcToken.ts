/**
 * `TaskHubOidcToken` from `packages/testing/fixtures/ado-distributedTask-7.1-oidctoken-excerpt.json`.
 */
import * as z from 'zod';
import { deferred } from '@wif/http';

export const taskHubOidcTokenSchema = deferred(() => z.object({ oidcToken: z.string().min(1) }));
