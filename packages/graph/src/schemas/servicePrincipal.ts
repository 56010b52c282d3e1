import * as z from 'zod';

/**
 * The fields of a Microsoft Graph `servicePrincipal` that wif reads (docs/reference/graph.md §4). `id` is the
 * object id that ARM calls `principalId`.
 */
export const servicePrincipalSchema = z.object({
  id: z.string().min(1),
  appId: z.string().min(1),
  displayName: z.string().optional(),
  servicePrincipalType: z.string().optional(),
  // Null for service principals not backed by an application registration (legacy objects).
  appOwnerOrganizationId: z.string().nullish(),
  tags: z.array(z.string()).optional(),
});

/** A Microsoft Graph service principal (the fields wif reads). */
export type ServicePrincipal = z.output<typeof servicePrincipalSchema>;
