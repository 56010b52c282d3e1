import * as z from 'zod';
import { deferred } from '@wif/http';

/** A federated identity credential on an application (docs/reference/graph.md §5). */
export const federatedIdentityCredentialSchema = deferred(() =>
  z.object({
    id: z.string().min(1),
    name: z.string().min(1),
    issuer: z.string(),
    subject: z.string(),
    audiences: z.array(z.string()),
    description: z.string().nullish(),
  }),
);

/** A federated identity credential (trust between an external issuer/subject and an app). */
export type FederatedIdentityCredential = z.output<typeof federatedIdentityCredentialSchema>;
