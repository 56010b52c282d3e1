import * as z from 'zod';
import { deferred } from '@wif/http';

/**
 * The fields of a Microsoft Graph `servicePrincipal` that wif reads (docs/reference/graph.md §4). `id` is the
 * object id that ARM calls `principalId`.
 */
export const servicePrincipalSchema = deferred(() =>
  z.object({
    id: z.string().min(1),
    appId: z.string().min(1),
    displayName: z.string().optional(),
    // `Application`, `ManagedIdentity`, `Legacy`, `SocialIdp`; null in the official example of
    // Get servicePrincipal (https://learn.microsoft.com/graph/api/serviceprincipal-get, example 1).
    servicePrincipalType: z.string().nullish(),
    // For a user-assigned managed identity's principal, among others its identity's ARM resource id
    // ("full resource IDs for managed identities", https://learn.microsoft.com/graph/api/resources/serviceprincipal).
    alternativeNames: z.array(z.string()).nullish(),
    // Null for service principals not backed by an application registration (legacy objects).
    appOwnerOrganizationId: z.string().nullish(),
    tags: z.array(z.string()).optional(),
  }),
);

/** A Microsoft Graph service principal (the fields wif reads). */
export type ServicePrincipal = z.output<typeof servicePrincipalSchema>;
