/**
 * The managed-identity variant of `bindFederatedCredential`: a federated identity credential on a
 * user-assigned identity (ARM), with exactly the connection's issuer and subject and audience
 * `api://AzureADTokenExchange`. Writes to one identity are serialised (ARM refuses concurrent
 * credential writes under one identity with 409
 * `ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity`); that 409 from another
 * process is retried after a back-off, re-reading first. The 20-credential limit and the regions
 * without credentials are clear errors before the service answers.
 * Reference: learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations
 */
import {
  type ArmClient,
  deleteIdentityFederatedCredential,
  type IdentityFederatedCredential,
  listIdentityFederatedCredentials,
  type ManagedIdentityRef,
  putIdentityFederatedCredential,
  userAssignedIdentityPath,
} from '@wif/arm';
import { deferred, collect, sleep, type LimitExceededError, type TransportError, type ValidationError } from '@wif/http';
import { errAsync, ok, ResultAsync, safeTry, err } from 'neverthrow';
import * as z from 'zod';
import { FEDERATION_AUDIENCE } from '../constants';
import type { IdentityCredentialLimitError, UnsupportedRegionError } from '../governanceErrors';
import { credentialLockKey, withLock } from '../_internal/lock';
import type { Converged, StepOptions } from '../types';
import { credentialNameSchema, guidSchema, issuerSchema, subjectSchema, validate } from '../validation';
import { credentialNameFor } from './bindFederatedCredential';
import { identityNameSchema, locationSchema, REGIONS_WITHOUT_IDENTITY_CREDENTIALS, resourceGroupNameSchema } from './ensureManagedIdentity';

/** "A maximum of 20 federated identity credentials can be added to an application or user-assigned managed identity." */
export const MAX_FEDERATED_CREDENTIALS_PER_IDENTITY = 20;

/** The code ARM answers a concurrent credential write under one identity with. */
export const CONCURRENT_IDENTITY_CREDENTIAL_WRITES = 'ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity';

/** @internal */
export const bindIdentityInputSchema = deferred(() =>
  z
    .strictObject({
      identity: z.strictObject({ subscriptionId: guidSchema, resourceGroup: resourceGroupNameSchema, name: identityNameSchema }),
      /** When known (from the spec), a region without credential support is refused before any request. */
      location: locationSchema.optional(),
      issuer: issuerSchema,
      subject: subjectSchema,
      name: credentialNameSchema.optional(),
      connectionId: guidSchema.optional(),
    })
    .refine((v) => v.name !== undefined || v.connectionId !== undefined, {
      message: 'give a credential name or the connection id to derive it from',
      path: ['name'],
    }),
);

/** A federated credential to bind on a managed identity (a plain type: no zod type on the root entry). */
export interface BindManagedIdentityCredentialInput {
  readonly identity: { readonly subscriptionId: string; readonly resourceGroup: string; readonly name: string };
  /** When known (from the spec), a region without credential support is refused before any request. */
  readonly location?: string | undefined;
  readonly issuer: string;
  readonly subject: string;
  readonly name?: string | undefined;
  readonly connectionId?: string | undefined;
}
// The plain type must be accepted by the schema's input.
export const _bindIdentityInputMatches = (x: BindManagedIdentityCredentialInput): z.input<typeof bindIdentityInputSchema> => ({
  ...x,
  identity: { ...x.identity },
});
export type BindManagedIdentityCredentialError =
  ValidationError | TransportError | LimitExceededError | IdentityCredentialLimitError | UnsupportedRegionError;

/** Options of {@link bindManagedIdentityCredential}. */
export interface BindManagedIdentityCredentialOptions extends StepOptions {
  /** Back-off for the concurrency 409 from another process: first delay (default 1 000 ms), doubling; at most `maxAttempts` (default 5) tries. */
  readonly conflictRetry?: { readonly delayInMs?: number; readonly maxAttempts?: number };
}

/** What binding needs to do, decided from the identity's current credentials. */
export type IdentityCredentialDecision =
  | { readonly action: 'unchanged'; readonly credential: IdentityFederatedCredential }
  /** PUT under the existing name: a wrong audience, or the same name with another issuer/subject. */
  | { readonly action: 'replace'; readonly name: string; readonly previous: IdentityFederatedCredential }
  | { readonly action: 'create'; readonly name: string }
  | { readonly action: 'limit'; readonly count: number };

const audienceOk = (c: IdentityFederatedCredential): boolean =>
  c.properties.audiences.length === 1 && c.properties.audiences[0] === FEDERATION_AUDIENCE;

/** decide (pure): exact issuer+subject → unchanged (or fix the audience); same name → replace; else create, unless at 20. */
export function decideIdentityCredential(
  credentials: readonly IdentityFederatedCredential[],
  issuer: string,
  subject: string,
  name: string,
): IdentityCredentialDecision {
  const match = credentials.find((c) => c.properties.issuer === issuer && c.properties.subject === subject);
  if (match)
    return audienceOk(match) ? { action: 'unchanged', credential: match } : { action: 'replace', name: match.name, previous: match };
  const named = credentials.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (named) return { action: 'replace', name: named.name, previous: named };
  if (credentials.length >= MAX_FEDERATED_CREDENTIALS_PER_IDENTITY) return { action: 'limit', count: credentials.length };
  return { action: 'create', name };
}

/** read: every credential of the identity (there are at most 20). */
export function readIdentityCredentials(
  deps: { readonly arm: ArmClient },
  identity: ManagedIdentityRef,
  o: StepOptions = {},
): ResultAsync<IdentityFederatedCredential[], TransportError | LimitExceededError> {
  return collect(listIdentityFederatedCredentials(deps.arm, identity, {}, o.abortSignal ? { abortSignal: o.abortSignal } : {}), 100);
}

/** write: one PUT (or, when ARM refuses an in-place change of issuer/subject, DELETE then PUT). */
export function writeIdentityCredential(
  deps: { readonly arm: ArmClient },
  identity: ManagedIdentityRef,
  change: { readonly name: string; readonly issuer: string; readonly subject: string; readonly replacing: boolean },
  o: StepOptions = {},
): ResultAsync<IdentityFederatedCredential, TransportError> {
  const opts = o.abortSignal ? { abortSignal: o.abortSignal } : {};
  const body = { issuer: change.issuer, subject: change.subject, audiences: [FEDERATION_AUDIENCE] };
  const put = (): ResultAsync<IdentityFederatedCredential, TransportError> =>
    putIdentityFederatedCredential(deps.arm, identity, change.name, body, opts).map((r) => r.credential);
  // Whether ARM updates issuer/subject in place is not documented (managed-identity FIC reference);
  // some tools delete and re-create. Fall back to that on a 400 for a replacement only.
  return put().orElse((e) =>
    change.replacing && e.kind === 'BadRequest'
      ? deleteIdentityFederatedCredential(deps.arm, identity, change.name, opts).andThen(put)
      : errAsync(e),
  );
}

/** The refusal for an identity that holds the most credentials Azure allows (plan and bind alike). @internal */
export function identityCredentialLimitError(identityId: string, name: string, count: number): IdentityCredentialLimitError {
  return {
    kind: 'IdentityCredentialLimit',
    identityId,
    limit: MAX_FEDERATED_CREDENTIALS_PER_IDENTITY,
    message: `Managed identity ${name} already has ${count} federated credentials, the most Azure allows. Remove stale ones (wif audit lists them; wif sync --prune removes them) or spread connections over more identities.`,
  };
}

const isConcurrencyConflict = (e: { kind: string; code?: string | undefined }): boolean =>
  e.kind === 'Conflict' && e.code === CONCURRENT_IDENTITY_CREDENTIAL_WRITES;

/**
 * Binds a user-assigned managed identity to a service connection.
 *
 * `GET …/userAssignedIdentities/{name}/federatedIdentityCredentials?api-version=2024-11-30`, then
 * `PUT …/federatedIdentityCredentials/{ficName}` when needed. Permission: Managed Identity
 * Contributor on the identity (or its resource group); no Graph permission.
 * Safe to re-run: the same issuer+subject is `unchanged`. Errors: `Validation`, `UnsupportedRegion`,
 * `IdentityCredentialLimit`, `Conflict` (the concurrency 409 after every retry), `NotFound` (the
 * identity), and those of every call.
 *
 * @example
 * await bindManagedIdentityCredential({ arm }, { identity: { subscriptionId, resourceGroup, name }, issuer: sc.issuer, subject: sc.subject, connectionId: sc.id });
 */
export function bindManagedIdentityCredential(
  deps: { readonly arm: ArmClient },
  input: BindManagedIdentityCredentialInput,
  options: BindManagedIdentityCredentialOptions = {},
): ResultAsync<Converged<IdentityFederatedCredential>, BindManagedIdentityCredentialError> {
  const valid = validate(bindIdentityInputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const v = valid.value;
  if (v.location !== undefined && REGIONS_WITHOUT_IDENTITY_CREDENTIALS.includes(v.location.replace(/\s+/g, '').toLowerCase())) {
    return errAsync({
      kind: 'UnsupportedRegion',
      location: v.location,
      message: `User-assigned identities in ${v.location} cannot hold federated credentials: use an identity in another region.`,
    });
  }
  const name = v.name ?? credentialNameFor(v.connectionId!);
  const identityId = userAssignedIdentityPath(v.identity);

  const attempt = (): ResultAsync<Converged<IdentityFederatedCredential>, BindManagedIdentityCredentialError> =>
    safeTry(async function* () {
      const credentials = yield* readIdentityCredentials(deps, v.identity, options);
      const decision = decideIdentityCredential(credentials, v.issuer, v.subject, name);
      if (decision.action === 'unchanged') return ok({ outcome: 'unchanged' as const, value: decision.credential });
      if (decision.action === 'limit') return err(identityCredentialLimitError(identityId, v.identity.name, decision.count));
      const written = yield* writeIdentityCredential(
        deps,
        v.identity,
        { name: decision.name, issuer: v.issuer, subject: v.subject, replacing: decision.action === 'replace' },
        options,
      );
      return ok({ outcome: decision.action === 'create' ? ('created' as const) : ('updated' as const), value: written });
    });

  const delay = options.conflictRetry?.delayInMs ?? 1_000;
  const maxAttempts = Math.max(1, options.conflictRetry?.maxAttempts ?? 5);
  return new ResultAsync(
    withLock(credentialLockKey('managedIdentity', deps.arm, identityId), async () => {
      let result = await attempt();
      for (let i = 1; i < maxAttempts && result.isErr() && isConcurrencyConflict(result.error); i++) {
        // Another process is writing under this identity: back off, then read and decide again.
        await sleep(delay * 2 ** (i - 1), options.abortSignal).catch(() => undefined);
        result = await attempt();
      }
      return result;
    }),
  );
}
