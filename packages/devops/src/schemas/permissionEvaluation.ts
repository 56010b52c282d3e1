/**
 * `PermissionEvaluationBatch` of the Security API 7.1 (MicrosoftDocs/vsts-rest-api-specs
 * `specification/security/7.1/security.json`, example `POST__permissionevaluationbatch.json`).
 */
import * as z from 'zod';

export const permissionEvaluationSchema = z.looseObject({
  securityNamespaceId: z.string(),
  token: z.string(),
  permissions: z.number().int(),
  /** Whether the caller has every bit of `permissions` on `token`. */
  value: z.boolean(),
});

export const permissionEvaluationBatchSchema = z.looseObject({
  alwaysAllowAdministrators: z.boolean().optional(),
  evaluations: z.array(permissionEvaluationSchema),
});

export type PermissionEvaluation = z.output<typeof permissionEvaluationSchema>;
export type PermissionEvaluationBatch = z.output<typeof permissionEvaluationBatchSchema>;
