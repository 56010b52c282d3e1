import {
  createServicePrincipal,
  getApplication,
  getServicePrincipal,
  type Application,
  type GraphClient,
  type ServicePrincipal,
  updateApplication,
  upsertApplication,
} from '@wif/graph';
import type { TransportError, ValidationError } from '@wif/http';
import { err, errAsync, ok, type ResultAsync, safeTry } from 'neverthrow';
import { z } from 'zod';
import { WIF_MANAGED_TAG } from '../constants';
import { type ReplicationRetryOptions, retryThroughReplication } from '../_internal/replication';
import { combineOutcomes, type Converged, type Outcome, type StepOptions } from '../types';
import { displayNameSchema, uniqueNameSchema, validate } from '../validation';

/** What to register. */
export interface RegisterAppInput {
  /** Display name shown in the Entra portal, e.g. `ado-platform-prod-eus2`. */
  readonly displayName: string;
  /**
   * The natural key (Graph `uniqueName`). Default: derived from `displayName` (lower-case, unsafe
   * characters replaced by `-`). Immutable once set: renaming the display name keeps the app.
   */
  readonly uniqueName?: string;
  /** Free text stored in the app's `notes`, e.g. which connection it serves. */
  readonly notes?: string;
}

export interface RegisterAppOptions extends StepOptions {
  /** Backoff while the new app is not yet visible to the service-principal endpoint. */
  readonly replication?: ReplicationRetryOptions;
}

/** The registered identity. */
export interface RegisteredApp {
  /** Client id: what the service connection's `serviceprincipalid` and the token request use. */
  readonly appId: string;
  /** Application object id: what `/applications/{id}/federatedIdentityCredentials` uses. */
  readonly applicationObjectId: string;
  /** Service principal object id: the ARM `principalId` of role assignments. */
  readonly servicePrincipalObjectId: string;
  readonly displayName: string;
  readonly uniqueName: string;
}

export type RegisterAppError = ValidationError | TransportError | { kind: 'Aborted'; message: string };

const inputSchema = z.strictObject({
  displayName: displayNameSchema,
  uniqueName: uniqueNameSchema.optional(),
  notes: z.string().max(1024, 'must be at most 1024 characters').optional(),
});

/** Derives the default `uniqueName` from a display name. */
export function defaultUniqueName(displayName: string): string {
  const slug = displayName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 110);
  return `wif-${slug || 'app'}`;
}

const isNotFound = (e: { kind: string }): boolean => e.kind === 'NotFound';
/**
 * POST /servicePrincipals right after the app is created may not see the app yet (graph.md §9): Graph
 * answers 404 or 400 `Request_BadRequest` ("does not reference a valid application object"). Only
 * used for an app this run has just created; the body we send ({appId, tags}) is validated, so a 400
 * here is the replication delay and not a bad request.
 */
const isAppNotReplicated = (e: { kind: string; code?: string }): boolean =>
  e.kind === 'NotFound' || (e.kind === 'BadRequest' && e.code === 'Request_BadRequest');

/**
 * Registers a single-tenant Entra application and its service principal, or finds them.
 *
 * Calls `GET /applications(uniqueName='…')`, then either `PATCH /applications(uniqueName='…')` with
 * `Prefer: create-if-missing` (new) or `PATCH /applications/{id}` (drifted: display name, tag, or a
 * sign-in audience other than `AzureADMyOrg`), then `GET`/`POST /servicePrincipals`. Ids come from
 * the write responses; reads that race Entra replication are retried with bounded backoff.
 *
 * Permission: Graph `Application.ReadWrite.OwnedBy` (apps it created) or `Application.ReadWrite.All`.
 * Safe to re-run: the `uniqueName` is the natural key; an app matching the input is `unchanged`.
 * Errors: `Validation` (nothing sent), `Forbidden`, `Throttled`, `ServiceUnavailable`, `Network`, `Aborted`, …
 *
 * @example
 * const app = await registerApp({ graph }, { displayName: 'ado-platform-prod-eus2' });
 * if (app.isOk()) console.log(app.value.outcome, app.value.value.appId);
 */
export function registerApp(
  deps: { readonly graph: GraphClient },
  input: RegisterAppInput,
  options: RegisterAppOptions = {},
): ResultAsync<Converged<RegisteredApp>, RegisterAppError> {
  const valid = validate(inputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const { displayName, notes } = valid.value;
  const uniqueName = valid.value.uniqueName ?? defaultUniqueName(displayName);
  const { abortSignal } = options;
  const opts = abortSignal ? { abortSignal } : {};
  const desired = {
    displayName,
    signInAudience: 'AzureADMyOrg' as const,
    ...(notes !== undefined ? { notes } : {}),
  };

  return safeTry(async function* () {
    // 1. The application.
    const existing = await getApplication(deps.graph, { uniqueName }, opts);
    let application: Application;
    let appOutcome: Outcome;
    if (existing.isOk()) {
      application = existing.value;
      const tags = application.tags ?? [];
      const patch = {
        ...(application.displayName !== displayName ? { displayName } : {}),
        ...(application.signInAudience !== 'AzureADMyOrg' ? { signInAudience: 'AzureADMyOrg' as const } : {}),
        ...(notes !== undefined && application.notes !== notes ? { notes } : {}),
        ...(!tags.includes(WIF_MANAGED_TAG) ? { tags: [...tags, WIF_MANAGED_TAG] } : {}),
      };
      if (Object.keys(patch).length > 0) {
        yield* updateApplication(deps.graph, application.id, patch, opts);
        application = { ...application, ...patch };
        appOutcome = 'updated';
      } else {
        appOutcome = 'unchanged';
      }
    } else if (isNotFound(existing.error)) {
      const upserted = yield* upsertApplication(deps.graph, uniqueName, { ...desired, tags: [WIF_MANAGED_TAG] }, opts);
      if (upserted.created) {
        application = upserted.application;
        appOutcome = 'created';
      } else {
        // Another run created it between our read and our write: the upsert updated it; read its ids.
        application = yield* retryThroughReplication(
          () => getApplication(deps.graph, { uniqueName }, opts),
          isNotFound,
          options.replication,
          abortSignal,
        );
        appOutcome = 'updated';
      }
    } else {
      return err(existing.error);
    }

    // 2. The service principal. A brand-new app has none: skip the read and create it directly.
    let servicePrincipal: ServicePrincipal;
    let spOutcome: Outcome = 'unchanged';
    const found = appOutcome === 'created' ? undefined : await getServicePrincipal(deps.graph, { appId: application.appId }, opts);
    if (found?.isOk()) {
      servicePrincipal = found.value;
    } else if (found === undefined || isNotFound(found.error)) {
      const created = await retryThroughReplication(
        () => createServicePrincipal(deps.graph, { appId: application.appId, tags: [WIF_MANAGED_TAG] }, opts),
        appOutcome === 'created' ? isAppNotReplicated : isNotFound,
        options.replication,
        abortSignal,
      );
      if (created.isOk()) {
        servicePrincipal = created.value;
        spOutcome = 'created';
      } else if (created.error.kind === 'Conflict') {
        // Created concurrently by another run: read the winner's.
        servicePrincipal = yield* retryThroughReplication(
          () => getServicePrincipal(deps.graph, { appId: application.appId }, opts),
          isNotFound,
          options.replication,
          abortSignal,
        );
      } else {
        return err(created.error);
      }
    } else {
      return err(found.error);
    }

    const outcome: Outcome = appOutcome === 'created' ? 'created' : combineOutcomes(appOutcome, spOutcome);
    return ok({
      outcome,
      value: {
        appId: application.appId,
        applicationObjectId: application.id,
        servicePrincipalObjectId: servicePrincipal.id,
        displayName: application.displayName,
        uniqueName,
      },
    });
  });
}
