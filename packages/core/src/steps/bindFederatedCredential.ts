import {
  createFederatedIdentityCredential,
  type FederatedIdentityCredential,
  type GraphClient,
  listFederatedIdentityCredentials,
  updateFederatedIdentityCredential,
} from '@wif/graph';
import { deferred, type TransportError, type ValidationError, type OperationOptions } from '@wif/http';
import { err, ok, ResultAsync, safeTry } from 'neverthrow';
import * as z from 'zod';
import { FEDERATION_AUDIENCE, MAX_FEDERATED_CREDENTIALS_PER_APP } from '../constants';
import type { CredentialLimitError } from '../errors';
import { credentialLockKey, withLock } from '../_internal/lock';
import type { Converged, Outcome, StepOptions } from '../types';
import { credentialNameSchema, guidSchema, issuerSchema, subjectSchema, validated } from '../validation';

export interface BindFederatedCredentialInput {
  /** The application's object id (not its client id). */
  readonly appObjectId: string;
  /** Exactly as the service connection reports it. */
  readonly issuer: string;
  /** Exactly as the service connection reports it. */
  readonly subject: string;
  /**
   * The credential's name (3–120; letters, digits, `-`, `_`). Default: `ado-sc-{connectionId}`, so
   * the same connection keeps the same credential when its subject changes (a rename).
   */
  readonly name?: string;
  /** The service connection id; used to derive the default name. One of `name` or `connectionId` is required. */
  readonly connectionId?: string;
  readonly description?: string;
}

export type BindFederatedCredentialError = ValidationError | TransportError | CredentialLimitError;

/** @internal Built on first use, as each step's input schema: `wif plan` never binds (start-up). */
export const bindInputSchema = deferred(() =>
  z
    .strictObject({
      appObjectId: guidSchema,
      issuer: issuerSchema,
      subject: subjectSchema,
      name: credentialNameSchema.optional(),
      connectionId: guidSchema.optional(),
      description: z.string().max(600, 'must be at most 600 characters').optional(),
    })
    .refine((v) => v.name !== undefined || v.connectionId !== undefined, {
      message: 'give a credential name or the connection id to derive it from',
      path: ['name'],
    }),
);

/** The default credential name for a connection. */
export function credentialNameFor(connectionId: string): string {
  return `ado-sc-${connectionId.toLowerCase()}`;
}

const audienceOk = (c: FederatedIdentityCredential): boolean => c.audiences.length === 1 && c.audiences[0] === FEDERATION_AUDIENCE;

/** What binding needs to do, decided from the app's current credentials. @internal */
export type CredentialDecision =
  | { readonly action: 'unchanged'; readonly credential: FederatedIdentityCredential }
  | { readonly action: 'fixAudience'; readonly credential: FederatedIdentityCredential }
  | { readonly action: 'rebind'; readonly credential: FederatedIdentityCredential }
  | { readonly action: 'create' }
  | { readonly action: 'limit'; readonly count: number };

/**
 * Exact issuer+subject match → unchanged (or fix a wrong audience); same name → rebind it to the new
 * issuer/subject; otherwise create, unless the app is at the 20-credential limit. @internal
 */
export function decideCredential(
  credentials: readonly FederatedIdentityCredential[],
  issuer: string,
  subject: string,
  name: string,
): CredentialDecision {
  const match = credentials.find((c) => c.issuer === issuer && c.subject === subject);
  if (match) return audienceOk(match) ? { action: 'unchanged', credential: match } : { action: 'fixAudience', credential: match };
  const named = credentials.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (named) return { action: 'rebind', credential: named };
  if (credentials.length >= MAX_FEDERATED_CREDENTIALS_PER_APP) return { action: 'limit', count: credentials.length };
  return { action: 'create' };
}

/** The `CredentialLimit` refusal: the one place its message lives (plan and the step). @internal */
export function credentialLimitError(appObjectId: string, count: number): CredentialLimitError {
  return {
    kind: 'CredentialLimit',
    appObjectId,
    limit: MAX_FEDERATED_CREDENTIALS_PER_APP,
    message: `The app already has ${count} federated credentials, the most Entra allows. Remove stale ones (wif sync --prune) or use one app per connection.`,
  };
}

/**
 * Binds the app to a service connection: a federated identity credential with exactly the
 * connection's issuer and subject, and audience `api://AzureADTokenExchange`.
 *
 * Calls `GET /applications/{id}/federatedIdentityCredentials`, then `POST` (new) or `PATCH
 * …/federatedIdentityCredentials/{id}` (same name, other issuer/subject or audience). Writes to one
 * app are serialised in this process (Entra answers concurrent credential writes with 409); a
 * conflict from another process is re-read once.
 *
 * Permission: Graph `Application.ReadWrite.OwnedBy` (owner of the app) or `Application.ReadWrite.All`.
 * Safe to re-run: a credential with the same issuer+subject is `unchanged`. The 20-per-app limit is a
 * `CredentialLimit` error before the service would refuse. Errors: `Validation`, `CredentialLimit`, `Forbidden`, …
 *
 * @example
 * await bindFederatedCredential({ graph }, { appObjectId, issuer: sc.issuer, subject: sc.subject, connectionId: sc.id });
 */
export function bindFederatedCredential(
  deps: { readonly graph: GraphClient },
  input: BindFederatedCredentialInput,
  options: StepOptions = {},
): ResultAsync<Converged<FederatedIdentityCredential>, BindFederatedCredentialError> {
  return validated(bindInputSchema, input, (v) => bindValidated(deps.graph, v, options, {}));
}

/**
 * {@link bindFederatedCredential} after validation. `appIsNew` says the app was created by this
 * run, so it has no credential yet: the first attempt skips the list. @internal
 */
export function bindValidated(
  graph: GraphClient,
  v: z.output<typeof bindInputSchema>,
  options: StepOptions,
  hints: { appIsNew?: boolean },
): ResultAsync<Converged<FederatedIdentityCredential>, BindFederatedCredentialError> {
  const name = v.name ?? credentialNameFor(v.connectionId!);
  const opts: OperationOptions = options;

  const attempt = (assumeNone: boolean): ResultAsync<Converged<FederatedIdentityCredential>, BindFederatedCredentialError> =>
    safeTry(async function* () {
      const credentials = assumeNone ? [] : yield* await listFederatedIdentityCredentials(graph, v.appObjectId, opts);
      const decision = decideCredential(credentials, v.issuer, v.subject, name);
      if (decision.action === 'unchanged') return ok({ outcome: 'unchanged' as const, value: decision.credential });
      if (decision.action === 'fixAudience') {
        const match = decision.credential;
        yield* await updateFederatedIdentityCredential(graph, v.appObjectId, match.id, { audiences: [FEDERATION_AUDIENCE] }, opts);
        return ok({ outcome: 'updated' as const, value: { ...match, audiences: [FEDERATION_AUDIENCE] } });
      }
      if (decision.action === 'rebind') {
        const named = decision.credential;
        const patch = {
          issuer: v.issuer,
          subject: v.subject,
          audiences: [FEDERATION_AUDIENCE],
          ...(v.description !== undefined ? { description: v.description } : {}),
        };
        yield* await updateFederatedIdentityCredential(graph, v.appObjectId, named.id, patch, opts);
        return ok({ outcome: 'updated' as const, value: { ...named, ...patch } });
      }
      if (decision.action === 'limit') return err(credentialLimitError(v.appObjectId, decision.count));
      const created = yield* await createFederatedIdentityCredential(
        graph,
        v.appObjectId,
        {
          name,
          issuer: v.issuer,
          subject: v.subject,
          audiences: [FEDERATION_AUDIENCE],
          ...(v.description !== undefined ? { description: v.description } : {}),
        },
        opts,
      );
      return ok({ outcome: 'created' as Outcome, value: created });
    });

  return new ResultAsync(
    withLock(credentialLockKey('application', graph, v.appObjectId), async () => {
      const first = await attempt(hints.appIsNew === true);
      // Another process wrote the same credential (or name) between our read and our write: read again.
      // The same issuer + subject under another name is a 400 InvalidFederatedIdentityCredentialValue
      // (github.com/Azure/azure-workload-identity/issues/434): already bound, like the 409 on a name.
      if (
        first.isErr() &&
        (first.error.kind === 'Conflict' ||
          ('code' in first.error &&
            (first.error.code === 'Request_MultipleObjectsWithSameKeyValue' ||
              first.error.code === 'InvalidFederatedIdentityCredentialValue')))
      ) {
        return attempt(false);
      }
      return first;
    }),
  );
}
