/**
 * `_apis/connectionData`. Not in the REST reference; fields from the `ConnectionData` interface of
 * `azure-devops-node-api/interfaces/LocationsInterfaces` (see `docs/reference/devops.md` §10).
 */
import * as z from 'zod';
import { built, deferred } from '@wif/http';

/** The identity the request authenticated as (an `Identity`; only a few fields are read). */
export const connectionIdentitySchema = deferred(() =>
  z.looseObject({
    id: z.string(),
    descriptor: z.string().optional(),
    subjectDescriptor: z.string().optional(),
    providerDisplayName: z.string().optional(),
  }),
);

export const connectionDataSchema = deferred(() =>
  z.looseObject({
    /** At organization level: the organization id (used in both WIF issuer/subject formats). */
    instanceId: z.string(),
    authenticatedUser: built(connectionIdentitySchema).optional(),
    authorizedUser: built(connectionIdentitySchema).optional(),
    deploymentId: z.string().optional(),
  }),
);

export type ConnectionIdentity = z.output<typeof connectionIdentitySchema>;
export type ConnectionData = z.output<typeof connectionDataSchema>;
