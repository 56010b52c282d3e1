/**
 * Check configurations ("Approvals and checks") on a protected resource. Shapes from
 * `CheckConfiguration` of MicrosoftDocs/vsts-rest-api-specs `specification/approvalsAndChecks/7.1/pipelinesChecks.json`
 * (learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/check-configurations?view=azure-devops-rest-7.1).
 * Loose objects: `settings` is type-specific and PATCH sends the configuration back whole.
 */
import * as z from 'zod';
import { built, deferred } from '@wif/http';
import { identityRefSchema } from './serviceEndpoint';

/** `type` of a check: compare `id` case-insensitively. */
export const checkTypeSchema = deferred(() => z.looseObject({ id: z.string(), name: z.string().nullish() }));

/** The resource a check protects, e.g. `{ type: 'endpoint', id: '<endpoint GUID>' }`. */
export const checkResourceSchema = deferred(() => z.looseObject({ type: z.string(), id: z.string(), name: z.string().nullish() }));

/** One check configuration. `settings` is present only when read with `$expand=settings`. */
export const checkConfigurationSchema = deferred(() =>
  z.looseObject({
    id: z.number().int(),
    type: built(checkTypeSchema),
    resource: built(checkResourceSchema),
    settings: z.record(z.string(), z.unknown()).nullish(),
    /** Minutes. */
    timeout: z.number().int().nullish(),
    isDisabled: z.boolean().nullish(),
    /** Not in the 7.1 spec; round-tripped on PATCH as terraform does. */
    version: z.number().int().nullish(),
    createdBy: built(identityRefSchema).nullish(),
    modifiedBy: built(identityRefSchema).nullish(),
    createdOn: z.string().nullish(),
    modifiedOn: z.string().nullish(),
  }),
);

/** The `{ count, value }` wrapper of a list of check configurations. */
export const checkConfigurationListSchema = deferred(() =>
  z.looseObject({ count: z.number().int().optional(), value: z.array(built(checkConfigurationSchema)) }),
);

export type CheckConfiguration = z.output<typeof checkConfigurationSchema>;
