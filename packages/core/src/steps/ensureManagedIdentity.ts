/**
 * The sixth step: a user-assigned managed identity as the identity behind a connection, for teams
 * that may not create app registrations. Plain ARM (Managed Identity Contributor on the resource
 * group); no Microsoft Graph call. read → decide → write, each a small function.
 * Reference: learn.microsoft.com/rest/api/managedidentity/user-assigned-identities
 */
import { type ArmClient, createOrUpdateUserAssignedIdentity, getUserAssignedIdentity, type UserAssignedIdentity } from '@wif/arm';
import { deferred, type TransportError, type ValidationError } from '@wif/http';
import { err, errAsync, ok, okAsync, type Result, type ResultAsync } from 'neverthrow';
import * as z from 'zod';
import type { IdentityLocationConflictError, UnsupportedRegionError } from '../governanceErrors';
import type { Converged, StepOptions } from '../types';
import { identityNameSchema, locationSchema, resourceGroupNameSchema } from '../_internal/identityNames';
import { guidSchema, validate } from '../validation';

/**
 * Regions where user-assigned identities cannot hold federated credentials (HTTP 405 "Support for
 * federated identity credentials not enabled"), per
 * learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations#unsupported-regions-user-assigned-managed-identities
 * The list shrinks over time; compare normalised (lower case, no spaces).
 */
export const REGIONS_WITHOUT_IDENTITY_CREDENTIALS: readonly string[] = ['malaysiasouth', 'newzealandnorth'];

export { identityNameSchema, locationSchema, resourceGroupNameSchema };

/** @internal */
export const managedIdentityInputSchema = deferred(() =>
  z.strictObject({
    subscriptionId: guidSchema,
    resourceGroup: resourceGroupNameSchema,
    name: identityNameSchema,
    location: locationSchema,
    tags: z.record(z.string(), z.string().max(256)).optional(),
  }),
);

/** A user-assigned managed identity to ensure (a plain type: no zod type on the root entry). */
export interface EnsureManagedIdentityInput {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly tags?: Readonly<Record<string, string>> | undefined;
}
/** The validated identity `decideManagedIdentity` compares with what ARM holds. */
export type ManagedIdentityWant = EnsureManagedIdentityInput;

// The plain types must match what the schema accepts and produces.
export const _identityInputMatches = (x: EnsureManagedIdentityInput): z.input<typeof managedIdentityInputSchema> => ({
  ...x,
  ...(x.tags ? { tags: { ...x.tags } } : {}),
});
export const _identityWantMatches = (x: z.output<typeof managedIdentityInputSchema>): ManagedIdentityWant => x;

/** What wif needs of a managed identity. */
export interface ManagedIdentity {
  /** The ARM resource id (as ARM answers it: `resourcegroups` in lower case). */
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  /** `serviceprincipalid` of the connection and `client_id` at the token endpoint. */
  readonly clientId: string;
  /** The role assignment principal (`principalType: ServicePrincipal`). */
  readonly principalId: string;
  readonly tenantId: string;
}

export type EnsureManagedIdentityError = ValidationError | TransportError | IdentityLocationConflictError | UnsupportedRegionError;

/** The change {@link decideManagedIdentity} settles on. */
export type ManagedIdentityChange =
  { readonly action: 'create'; readonly want: ManagedIdentityWant } | { readonly action: 'unchanged'; readonly identity: ManagedIdentity };

const normalizeLocation = (l: string): string => l.replace(/\s+/g, '').toLowerCase();

function toManagedIdentity(ref: { subscriptionId: string; resourceGroup: string }, i: UserAssignedIdentity): ManagedIdentity {
  return {
    id: i.id,
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    name: i.name,
    location: i.location,
    clientId: i.properties.clientId,
    principalId: i.properties.principalId,
    tenantId: i.properties.tenantId,
  };
}

/** read: the identity, or `undefined` when ARM answers 404. No decisions. */
export function readManagedIdentity(
  deps: { readonly arm: ArmClient },
  ref: { readonly subscriptionId: string; readonly resourceGroup: string; readonly name: string },
  o: StepOptions = {},
): ResultAsync<ManagedIdentity | undefined, TransportError> {
  return getUserAssignedIdentity(deps.arm, ref, o.abortSignal ? { abortSignal: o.abortSignal } : {})
    .map((i): ManagedIdentity | undefined => toManagedIdentity(ref, i))
    .orElse((e) => (e.kind === 'NotFound' ? ok(undefined) : err(e)));
}

/**
 * decide (pure): create when missing; refuse a region without federated credentials and a region
 * different from the existing identity's (ARM cannot move it); update tags that differ; otherwise
 * unchanged. Tags not named in `want` are left alone.
 */
export function decideManagedIdentity(
  want: ManagedIdentityWant,
  seen: ManagedIdentity | undefined,
): Result<ManagedIdentityChange, IdentityLocationConflictError | UnsupportedRegionError> {
  if (REGIONS_WITHOUT_IDENTITY_CREDENTIALS.includes(normalizeLocation(want.location))) {
    return err({
      kind: 'UnsupportedRegion',
      location: want.location,
      message: `User-assigned identities in ${want.location} cannot hold federated credentials: choose another location (e.g. the region of the resource group).`,
    });
  }
  if (!seen) return ok({ action: 'create', want });
  if (normalizeLocation(seen.location) !== normalizeLocation(want.location)) {
    return err({
      kind: 'IdentityLocationConflict',
      identityId: seen.id,
      existing: seen.location,
      wanted: want.location,
      message: `Managed identity ${seen.name} exists in ${seen.location}, not ${want.location}: set location: ${seen.location} in the spec (an identity cannot move).`,
    });
  }
  return ok({ action: 'unchanged', identity: seen });
}

/** write: one change, idempotent (PUT with the same body answers 200 and the same ids). */
export function writeManagedIdentity(
  deps: { readonly arm: ArmClient },
  change: Exclude<ManagedIdentityChange, { action: 'unchanged' }>,
  o: StepOptions = {},
): ResultAsync<ManagedIdentity, TransportError> {
  const { want } = change;
  const tags = want.tags;
  return createOrUpdateUserAssignedIdentity(
    deps.arm,
    want,
    { location: want.location, ...(tags !== undefined ? { tags } : {}) },
    o.abortSignal ? { abortSignal: o.abortSignal } : {},
  ).map(({ identity }) => toManagedIdentity(want, identity));
}

/**
 * Makes sure a user-assigned managed identity exists (created/unchanged).
 *
 * `GET …/Microsoft.ManagedIdentity/userAssignedIdentities/{name}?api-version=2024-11-30`, then `PUT`
 * when it is missing. Permission: Managed Identity Contributor on the resource group; no Graph
 * permission. Safe to re-run. The region is checked before any request. Errors: `Validation`,
 * `UnsupportedRegion`, `IdentityLocationConflict`, `Forbidden` (`AuthorizationFailed`), `NotFound`
 * (`ResourceGroupNotFound`), and those of every call.
 *
 * @example
 * const mi = await ensureManagedIdentity({ arm }, { subscriptionId, resourceGroup: 'rg-identities', name: 'id-payments-prod', location: 'westeurope' });
 */
export function ensureManagedIdentity(
  deps: { readonly arm: ArmClient },
  input: EnsureManagedIdentityInput,
  options: StepOptions = {},
): ResultAsync<Converged<ManagedIdentity>, EnsureManagedIdentityError> {
  const valid = validate(managedIdentityInputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const want = valid.value;
  // The region refusal comes before any request.
  const early = decideManagedIdentity(want, undefined);
  if (early.isErr()) return errAsync(early.error);
  return readManagedIdentity(deps, want, options).andThen((seen) => {
    const decided = decideManagedIdentity(want, seen);
    if (decided.isErr()) return errAsync<Converged<ManagedIdentity>, EnsureManagedIdentityError>(decided.error);
    const change = decided.value;
    if (change.action === 'unchanged') return okAsync({ value: change.identity, outcome: 'unchanged' as const });
    return writeManagedIdentity(deps, change, options).map((value) => ({ value, outcome: 'created' as const }));
  });
}
