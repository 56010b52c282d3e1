import {
  createFederatedIdentityCredential,
  type FederatedIdentityCredential,
  type GraphClient,
  listFederatedIdentityCredentials,
  updateFederatedIdentityCredential,
} from '@wif/graph';
import type { TransportError, ValidationError } from '@wif/http';
import { err, errAsync, ok, ResultAsync, safeTry } from 'neverthrow';
import { z } from 'zod';
import { FEDERATION_AUDIENCE, MAX_FEDERATED_CREDENTIALS_PER_APP } from '../constants';
import type { CredentialLimitError } from '../errors';
import { withLock } from '../_internal/lock';
import type { Converged, Outcome, StepOptions } from '../types';
import { credentialNameSchema, guidSchema, issuerSchema, subjectSchema, validate } from '../validation';

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

const inputSchema = z
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
  });

/** The default credential name for a connection. */
export function credentialNameFor(connectionId: string): string {
  return `ado-sc-${connectionId.toLowerCase()}`;
}

const audienceOk = (c: FederatedIdentityCredential): boolean =>
  c.audiences.length === 1 && c.audiences[0] === FEDERATION_AUDIENCE;

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
  const valid = validate(inputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const v = valid.value;
  const name = v.name ?? credentialNameFor(v.connectionId!);
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};

  const attempt = (): ResultAsync<Converged<FederatedIdentityCredential>, BindFederatedCredentialError> =>
    safeTry(async function* () {
      const credentials = yield* listFederatedIdentityCredentials(deps.graph, v.appObjectId, opts);
      const match = credentials.find((c) => c.issuer === v.issuer && c.subject === v.subject);
      if (match) {
        if (audienceOk(match)) return ok({ outcome: 'unchanged' as const, value: match });
        yield* updateFederatedIdentityCredential(deps.graph, v.appObjectId, match.id, { audiences: [FEDERATION_AUDIENCE] }, opts);
        return ok({ outcome: 'updated' as const, value: { ...match, audiences: [FEDERATION_AUDIENCE] } });
      }
      const named = credentials.find((c) => c.name.toLowerCase() === name.toLowerCase());
      if (named) {
        const patch = {
          issuer: v.issuer,
          subject: v.subject,
          audiences: [FEDERATION_AUDIENCE],
          ...(v.description !== undefined ? { description: v.description } : {}),
        };
        yield* updateFederatedIdentityCredential(deps.graph, v.appObjectId, named.id, patch, opts);
        return ok({ outcome: 'updated' as const, value: { ...named, ...patch } });
      }
      if (credentials.length >= MAX_FEDERATED_CREDENTIALS_PER_APP) {
        return err<never, CredentialLimitError>({
          kind: 'CredentialLimit',
          appObjectId: v.appObjectId,
          limit: MAX_FEDERATED_CREDENTIALS_PER_APP,
          message: `The app already has ${credentials.length} federated credentials, the most Entra allows. Remove stale ones (wif sync --prune) or use one app per connection.`,
        });
      }
      const created = yield* createFederatedIdentityCredential(
        deps.graph,
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

  const lockKey = `${deps.graph.transport.baseUrl}|${v.appObjectId.toLowerCase()}`;
  return new ResultAsync(
    withLock(lockKey, async () => {
      const first = await attempt();
      // Another process wrote the same credential (or name) between our read and our write: read again.
      if (first.isErr() && (first.error.kind === 'Conflict' || ('code' in first.error && first.error.code === 'Request_MultipleObjectsWithSameKeyValue'))) {
        return attempt();
      }
      return first;
    }),
  );
}
