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
import { deferred, type TransportError, type ValidationError, type OperationOptions } from '@wif/http';
import type { AppNotFoundError } from '../errors';
import { err, errAsync, ok, type ResultAsync, safeTry } from 'neverthrow';
import * as z from 'zod';
import { WIF_MANAGED_TAG } from '../constants';
import { defaultUniqueName } from '../_internal/uniqueName';

export { defaultUniqueName };
import { type ReplicationRetryOptions, retryThroughReplication } from '../_internal/replication';
import { combineOutcomes, type Converged, type Outcome, type StepOptions } from '../types';
import { displayNameSchema, uniqueNameSchema, validate } from '../validation';

/** What to register. */
export interface RegisterAppInput {
  /** Display name shown in the Entra portal, e.g. `ado-platform-prod-eus2`. */
  readonly displayName: string;
  /**
   * The natural key (Graph `uniqueName`). Default: derived from `displayName` by
   * {@link defaultUniqueName}. Immutable once set: renaming the display name keeps the app.
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

/** The refusal for an adopted app (`app: { appId }`) that cannot be read: the one place its message lives (plan and apply). @internal */
export function adoptedAppNotFound(appId: string): AppNotFoundError {
  return {
    kind: 'AppNotFound',
    appId,
    message: `The spec adopts the app registration ${appId}, which does not exist in the tenant or cannot be read by the caller. wif never creates an adopted app: check that the id is the app's Application (client) ID, not its object ID, and that it is in the spec's tenant.`,
  };
}

const inputSchema = deferred(() =>
  z.strictObject({
    displayName: displayNameSchema,
    uniqueName: uniqueNameSchema.optional(),
    notes: z.string().max(1024, 'must be at most 1024 characters').optional(),
  }),
);

const isNotFound = (e: { kind: string }): boolean => e.kind === 'NotFound';
/**
 * A second service principal for one appId is refused with 400 or 409 (docs/reference/graph.md §4, status
 * unconfirmed): branch on the code as well as the status.
 */
const isDuplicate = (e: { kind: string; code?: string }): boolean =>
  e.kind === 'Conflict' || e.code === 'Request_MultipleObjectsWithSameKeyValue';
/**
 * POST /servicePrincipals right after the app is created may not see the app yet (docs/reference/graph.md §9): Graph
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
  return ensureApplication(deps.graph, { displayName, uniqueName, notes }, options).andThen(({ application, outcome: appOutcome }) =>
    ensureServicePrincipal(deps.graph, application, appOutcome === 'created', options).map(({ servicePrincipal, outcome: spOutcome }) => ({
      outcome: appOutcome === 'created' ? ('created' as const) : combineOutcomes(appOutcome, spOutcome),
      value: {
        appId: application.appId,
        applicationObjectId: application.id,
        servicePrincipalObjectId: servicePrincipal.id,
        displayName: application.displayName,
        uniqueName,
      },
    })),
  );
}

/**
 * What must change on an existing app to match the desired one: display name, single-tenant
 * sign-in audience, notes, and wif's management tag. Empty when nothing drifted. @internal
 */
export function applicationPatch(
  application: Pick<Application, 'displayName' | 'signInAudience' | 'notes' | 'tags'>,
  desired: { displayName: string; notes?: string | undefined; appId?: string | undefined },
): { displayName?: string; signInAudience?: 'AzureADMyOrg'; notes?: string; tags?: string[] } {
  // An adopted app (`app: { appId }`) is used as it is: no name, notes or tag of wif's (without the
  // tag, prune never deletes it), and its audience is its owner's choice (verify reports a multi-tenant one).
  if (desired.appId !== undefined) return {};
  const tags = application.tags ?? [];
  return {
    ...(application.displayName !== desired.displayName ? { displayName: desired.displayName } : {}),
    ...(application.signInAudience !== 'AzureADMyOrg' ? { signInAudience: 'AzureADMyOrg' as const } : {}),
    ...(desired.notes !== undefined && application.notes !== desired.notes ? { notes: desired.notes } : {}),
    ...(!tags.includes(WIF_MANAGED_TAG) ? { tags: [...tags, WIF_MANAGED_TAG] } : {}),
  };
}

/**
 * Reads the app a spec connection wants: an adopted one by its application (client) id, else the one
 * wif keeps under `uniqueName` (plan and apply read it the same way). @internal
 */
export function readDesiredApplication(
  graph: GraphClient,
  desired: { readonly uniqueName: string; readonly appId?: string | undefined },
  options: OperationOptions,
): ResultAsync<Application, TransportError> {
  return desired.appId !== undefined
    ? getApplication(graph, { appId: desired.appId }, options)
    : getApplication(graph, { uniqueName: desired.uniqueName }, options);
}

/**
 * The application half of {@link registerApp}, for workflows that run the service principal and the
 * connection in parallel once the app id is known. Input must be validated already. `seen`: the app
 * by `uniqueName` as a read moments ago found it (`undefined`: not found), e.g. apply's re-check of
 * a plan: it is not read again (a create is an upsert, safe when another run made it meanwhile).
 * @internal
 */
export function ensureApplication(
  graph: GraphClient,
  desired: { displayName: string; uniqueName: string; notes?: string | undefined; appId?: undefined },
  options: RegisterAppOptions,
  seen?: { readonly application: Application | undefined },
): ResultAsync<{ application: Application; outcome: Outcome }, RegisterAppError>;
/** An adopted app (`appId`) that cannot be read is {@link AppNotFoundError}: it is never created. */
export function ensureApplication(
  graph: GraphClient,
  desired: { displayName: string; uniqueName: string; notes?: string | undefined; appId?: string | undefined },
  options: RegisterAppOptions,
  seen?: { readonly application: Application | undefined },
): ResultAsync<{ application: Application; outcome: Outcome }, RegisterAppError | AppNotFoundError>;
export function ensureApplication(
  graph: GraphClient,
  desired: { displayName: string; uniqueName: string; notes?: string | undefined; appId?: string | undefined },
  options: RegisterAppOptions,
  seen?: { readonly application: Application | undefined },
): ResultAsync<{ application: Application; outcome: Outcome }, RegisterAppError | AppNotFoundError> {
  const { abortSignal } = options;
  const opts: OperationOptions = options;
  const { displayName, uniqueName, notes, appId } = desired;
  return safeTry(async function* () {
    let existing = seen?.application;
    if (!seen) {
      const read = await readDesiredApplication(graph, desired, opts);
      if (read.isErr() && !isNotFound(read.error)) return err(read.error);
      existing = read.isOk() ? read.value : undefined;
    }
    if (appId !== undefined && !existing) return err(adoptedAppNotFound(appId));
    if (existing) {
      const application = existing;
      const patch = applicationPatch(application, desired);
      if (Object.keys(patch).length === 0) return ok({ application, outcome: 'unchanged' as Outcome });
      yield* await updateApplication(graph, application.id, patch, opts);
      return ok({ application: { ...application, ...patch }, outcome: 'updated' as Outcome });
    }
    const body = {
      displayName,
      signInAudience: 'AzureADMyOrg' as const,
      tags: [WIF_MANAGED_TAG],
      ...(notes !== undefined ? { notes } : {}),
    };
    const upserted = yield* await upsertApplication(graph, uniqueName, body, opts);
    if (upserted.created) return ok({ application: upserted.application, outcome: 'created' as Outcome });
    // Another run created it between our read and our write: the upsert updated it; read its ids.
    const application = yield* await retryThroughReplication(
      () => getApplication(graph, { uniqueName }, opts),
      isNotFound,
      options.replication,
      abortSignal,
    );
    return ok({ application, outcome: 'updated' as Outcome });
  });
}

/**
 * The service-principal half of {@link registerApp}. `fresh` says the app was created by this run,
 * so it cannot have a service principal yet: the read is skipped.
 * @internal
 */
export function ensureServicePrincipal(
  graph: GraphClient,
  application: Pick<Application, 'appId'>,
  fresh: boolean,
  options: RegisterAppOptions,
): ResultAsync<{ servicePrincipal: ServicePrincipal; outcome: Outcome }, RegisterAppError> {
  const { abortSignal } = options;
  const opts: OperationOptions = options;
  const { appId } = application;
  return safeTry(async function* () {
    if (!fresh) {
      const found = await getServicePrincipal(graph, { appId }, opts);
      if (found.isOk()) return ok({ servicePrincipal: found.value, outcome: 'unchanged' as Outcome });
      if (!isNotFound(found.error)) return err(found.error);
    }
    const created = await retryThroughReplication(
      () => createServicePrincipal(graph, { appId, tags: [WIF_MANAGED_TAG] }, opts),
      fresh ? isAppNotReplicated : isNotFound,
      options.replication,
      abortSignal,
    );
    if (created.isOk()) return ok({ servicePrincipal: created.value, outcome: 'created' as Outcome });
    if (!isDuplicate(created.error)) return err(created.error);
    // Created concurrently by another run: read the winner's.
    const servicePrincipal = yield* await retryThroughReplication(
      () => getServicePrincipal(graph, { appId }, opts),
      isNotFound,
      options.replication,
      abortSignal,
    );
    return ok({ servicePrincipal, outcome: 'unchanged' as Outcome });
  });
}
