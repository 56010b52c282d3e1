import * as z from 'zod';
import { built, deferred } from '@wif/http';

/** What wif keeps of a `passwordCredential` or `keyCredential` of an application. */
const appCredentialSchema = deferred(() =>
  z.object({
    keyId: z.string().nullish(),
    displayName: z.string().nullish(),
    endDateTime: z.string().nullish(),
  }),
);

/**
 * The fields of a Microsoft Graph `application` that wif reads (docs/reference/graph.md §1–2). Unknown fields are
 * dropped. `id` is the object id (used in `/applications/{id}/…` paths); `appId` is the client id.
 */
export const applicationSchema = deferred(() =>
  z.object({
    id: z.string().min(1),
    appId: z.string().min(1),
    displayName: z.string(),
    uniqueName: z.string().nullish(),
    signInAudience: z.string().optional(),
    tags: z.array(z.string()).optional(),
    notes: z.string().nullish(),
    description: z.string().nullish(),
    /** When the app was registered (read-only); tells a replication delay from a missing principal. */
    createdDateTime: z.string().nullish(),
    /**
     * Client secrets and certificates, when `$select`ed: only which and until when (the secret text is
     * never returned on a read; `hint` and the certificate's `key` are not kept).
     */
    passwordCredentials: z.array(built(appCredentialSchema)).nullish(),
    keyCredentials: z.array(built(appCredentialSchema)).nullish(),
  }),
);

/** A Microsoft Graph application (the fields wif reads). */
export type Application = z.output<typeof applicationSchema>;

/**
 * Who may sign in to an application. wif always sends `AzureADMyOrg`: the Entra issuer of Azure
 * DevOps rejects multitenant apps with AADSTS70052 (docs/reference/federation.md §1).
 */
export type SignInAudience = 'AzureADMyOrg' | 'AzureADMultipleOrgs' | 'AzureADandPersonalMicrosoftAccount' | 'PersonalMicrosoftAccount';
