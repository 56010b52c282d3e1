/**
 * Service endpoints (service connections). Shapes from `docs/reference/devops.md` (ServiceEndpoint object)
 * and the spec `definitions/ServiceEndpoint` of `serviceEndpoint/7.1/serviceEndpoint.json`.
 *
 * Every object is loose: a service endpoint is sent back whole on PUT (GET, modify, PUT), so fields
 * this package does not know must survive the round trip.
 */
import { SECRET_FIELD_NAMES } from '@wif/http';
import * as z from 'zod';
import { built, deferred } from '@wif/http';

/** Authorization parameters that hold secrets (the types API marks them confidential). */
const CONFIDENTIAL = new Set([
  ...SECRET_FIELD_NAMES.map((n) => n.toLowerCase()),
  'serviceprincipalkey',
  'serviceprincipalcertificate',
  'certificatepassword',
]);

/** `createdBy` and the other IdentityRef fields; only `id` and `displayName` are read. */
export const identityRefSchema = deferred(() =>
  z.looseObject({
    id: z.string().optional(),
    displayName: z.string().optional(),
    uniqueName: z.string().optional(),
  }),
);

/** One project a connection is visible in, with the connection's name there. */
export const serviceEndpointProjectReferenceSchema = deferred(() =>
  z.looseObject({
    projectReference: z.looseObject({ id: z.string(), name: z.string().nullish() }),
    name: z.string(),
    description: z.string().nullish(),
  }),
);

/**
 * `authorization`: the scheme and its parameters. Keys are lower/camel mixed (read them with
 * `authParameter`); confidential values (`serviceprincipalkey`, `password`, …) come back as `null`.
 */
export const endpointAuthorizationSchema = deferred(() =>
  z.looseObject({
    scheme: z.string(),
    // A confidential value must never reach a Result, even if a service (or a proxy, or a test double)
    // sends one back: it is replaced by null, which is also what a PUT sends to keep the stored value.
    parameters: z
      .record(z.string(), z.string().nullable())
      .transform((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, CONFIDENTIAL.has(k.toLowerCase()) ? null : v])))
      .optional(),
  }),
);

/**
 * A service endpoint as the service returns it. Compatible with
 * `azure-devops-node-api/interfaces/ServiceEndpointInterfaces` `ServiceEndpoint` except that
 * `authorization.parameters`, `data` and descriptions may hold `null`, as real payloads do.
 */
export const serviceEndpointSchema = deferred(() =>
  z.looseObject({
    id: z.string(),
    name: z.string(),
    /** Compare case-insensitively: the types API says `azurerm`, the create example sends `AzureRM`. */
    type: z.string(),
    url: z.string().nullish(),
    description: z.string().nullish(),
    authorization: built(endpointAuthorizationSchema).nullish(),
    // The spec says every value is a string; tolerate null rather than fail a whole list.
    data: z.record(z.string(), z.string().nullable()).nullish(),
    isShared: z.boolean().nullish(),
    isReady: z.boolean().nullish(),
    /** `library` or `agentcloud` (responses show `Library`). */
    owner: z.string().nullish(),
    /** A free-form JObject (`{ state, statusMessage }` in practice). */
    operationStatus: z.unknown().optional(),
    createdBy: built(identityRefSchema).nullish(),
    serviceEndpointProjectReferences: z.array(built(serviceEndpointProjectReferenceSchema)).nullish(),
  }),
);

/** The `{ count, value }` wrapper of every list (VssJsonCollectionWrapper). */
export const serviceEndpointListSchema = deferred(() =>
  z.object({
    count: z.number().optional(),
    value: z.array(built(serviceEndpointSchema)),
  }),
);

export type IdentityRef = z.output<typeof identityRefSchema>;
export type ServiceEndpointProjectReference = z.output<typeof serviceEndpointProjectReferenceSchema>;
export type EndpointAuthorization = z.output<typeof endpointAuthorizationSchema>;
/** A service endpoint as read; send it back whole (with any change) to `updateServiceEndpoint`. */
export type ServiceEndpoint = z.output<typeof serviceEndpointSchema>;

/**
 * The body of `createServiceEndpoint`. For a workload identity federation connection in manual mode
 * (`packages/testing/fixtures/ado-docs-wif-create-request.json`): `type: 'azurerm'`, `url` of the target cloud,
 * `authorization: { scheme: 'WorkloadIdentityFederation', parameters: { tenantid, serviceprincipalid } }`,
 * `data: { environment, scopeLevel, subscriptionId, subscriptionName, creationMode: 'Manual' }`.
 */
export interface ServiceEndpointCreate {
  readonly name: string;
  readonly type: string;
  readonly url: string;
  readonly description?: string;
  readonly authorization: {
    readonly scheme: string;
    readonly parameters: Readonly<Record<string, string>>;
  };
  readonly data?: Readonly<Record<string, string>>;
  readonly isShared?: boolean;
  readonly isReady?: boolean;
  readonly owner?: string;
  /** At least one: the project(s) the connection is created in, by project **id**. */
  readonly serviceEndpointProjectReferences: readonly {
    readonly projectReference: { readonly id: string; readonly name?: string };
    readonly name: string;
    readonly description?: string;
  }[];
}
