/**
 * Azure DevOps identities (IMS) as `GET vssps.dev.azure.com/{org}/_apis/identities` answers them
 * (learn.microsoft.com/rest/api/azure/devops/ims/identities/read-identities?view=azure-devops-rest-7.1).
 * `id` is the Azure DevOps identity id (storage key): what check approvers and role assignments take.
 */
import * as z from 'zod';
import { built, deferred } from '@wif/http';

export const devOpsIdentitySchema = deferred(() =>
  z.looseObject({
    id: z.string(),
    descriptor: z.string().nullish(),
    subjectDescriptor: z.string().nullish(),
    providerDisplayName: z.string().nullish(),
    customDisplayName: z.string().nullish(),
    isActive: z.boolean().nullish(),
    isContainer: z.boolean().nullish(),
  }),
);

/** `{ count, value }`: an unknown name answers 200 with `count: 0`. */
export const devOpsIdentityListSchema = deferred(() =>
  z.looseObject({ count: z.number().int().optional(), value: z.array(built(devOpsIdentitySchema)) }),
);

export type DevOpsIdentity = z.output<typeof devOpsIdentitySchema>;
