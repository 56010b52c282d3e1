/**
 * Service connection execution records ("Usage history" of a connection): `ServiceEndpointExecutionRecord`
 * of MicrosoftDocs/vsts-rest-api-specs `specification/serviceEndpoint/7.1/serviceEndpoint.json`
 * (learn.microsoft.com/rest/api/azure/devops/serviceendpoint/executionhistory/list?view=azure-devops-rest-7.1).
 * Every field is optional here: the spec marks none required.
 */
import * as z from 'zod';
import { built, deferred } from '@wif/http';
import { arrayOrValueList } from './_list';

/** The pipeline definition (`definition`) or the run (`owner`) that used the connection. */
export const serviceEndpointExecutionOwnerSchema = deferred(() =>
  z.looseObject({ id: z.number().int().nullish(), name: z.string().nullish() }),
);

export const serviceEndpointExecutionDataSchema = deferred(() =>
  z.looseObject({
    id: z.number().int().nullish(),
    definition: built(serviceEndpointExecutionOwnerSchema).nullish(),
    owner: built(serviceEndpointExecutionOwnerSchema).nullish(),
    ownerDetails: z.string().nullish(),
    /** `Build`, `Release`, … */
    planType: z.string().nullish(),
    /** `succeeded`, `succeededWithIssues`, `failed`, `canceled`, `skipped`, `abandoned`. */
    result: z.string().nullish(),
    startTime: z.string().nullish(),
    finishTime: z.string().nullish(),
  }),
);

export const serviceEndpointExecutionRecordSchema = deferred(() =>
  z.looseObject({
    data: built(serviceEndpointExecutionDataSchema).nullish(),
    endpointId: z.string().nullish(),
  }),
);

/**
 * The spec says a bare array; Azure DevOps lists usually come as `{ count, value }`. Both are
 * accepted (as for security roles), unconfirmed which one this API sends.
 */
export const serviceEndpointExecutionRecordListSchema = deferred(() => arrayOrValueList(built(serviceEndpointExecutionRecordSchema)));

export type ServiceEndpointExecutionRecord = z.output<typeof serviceEndpointExecutionRecordSchema>;
