/**
 * `PermissionEvaluationBatch` of the Security API 7.1 (MicrosoftDocs/vsts-rest-api-specs
 * `specification/security/7.1/security.json`, example `POST__permissionevaluationbatch.json`).
 */
import * as z from 'zod';
import { built, deferred } from '@wif/http';

export const permissionEvaluationSchema = deferred(() =>
  z.looseObject({
    securityNamespaceId: z.string(),
    token: z.string(),
    permissions: z.number().int(),
    /** Whether the caller has every bit of `permissions` on `token`. */
    value: z.boolean(),
  }),
);

export const permissionEvaluationBatchSchema = deferred(() =>
  z.looseObject({
    alwaysAllowAdministrators: z.boolean().optional(),
    evaluations: z.array(built(permissionEvaluationSchema)),
  }),
);

export type PermissionEvaluation = z.output<typeof permissionEvaluationSchema>;
export type PermissionEvaluationBatch = z.output<typeof permissionEvaluationBatchSchema>;
