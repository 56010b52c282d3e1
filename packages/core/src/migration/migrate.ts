/**
 * Starting and resuming a migration off a secret-based (or automatic-mode) connection: steps 1–6 of
 * the runbook, each journaled. See docs/migration.md.
 */
import { authParameter, getProject, getServiceEndpoint, getServiceEndpointsByNames, type ServiceEndpoint } from '@wif/devops';
import { httpError, type ValidationError } from '@wif/http';
import { err, errAsync, ok, type Result, type ResultAsync, safeTry } from 'neverthrow';
import * as z from 'zod';
import type { IdentityMismatchError } from '../errors';
import { targetFromData } from '../target';
import { connectionNameSchema, displayNameSchema, guidSchema, projectSchema, scopeSchema, validate } from '../validation';
import type { WifClients } from '../workflows/clients';
import type { MigrationError, MigrationNotFoundError, MigrationStateError, NotMigratableError } from './errors';
import { findMigration, type MigrationRecord, NO_PROGRESS } from './journal';
import { identityNameSchema, locationSchema, resourceGroupNameSchema } from '../steps/ensureManagedIdentity';
import { type MigrationOptions, nowIso, type Run, runStep, save } from './_run';
import { bindCredential, copyRoles, createNewConnection, goLive, inventory, registerNewApp, reportPipelines, verifyNew } from './_steps';
import { same } from '../_internal/compare';
import { copyGovernance } from './_governance';

export interface StartMigrationInput {
  /** Project name or id the old connection is in. */
  readonly project: string;
  /** The old connection, by id… */
  readonly connectionId?: string;
  /** …or by name (give exactly one). */
  readonly connectionName?: string;
  /** Name of the new connection. Default `{old name}-wif`. */
  readonly newName?: string;
  /** The tenant of the old connection's identity (and of the new app). */
  readonly tenantId: string;
  /** Display name of the new app. Default `ado-{new name}`. */
  readonly appDisplayName?: string;
  /** More scopes to look for the old principal's role assignments at (besides the connection's subscription or management group). */
  readonly inventoryScopes?: readonly string[];
  /**
   * Run the new connection on a user-assigned managed identity instead of a new app registration
   * (no Graph write): created when missing (tagged `wif:managed` and with the migration's id), in
   * the connection's tenant. `name` defaults to `id-{new name}`.
   */
  readonly identity?: {
    readonly subscriptionId: string;
    readonly resourceGroup: string;
    readonly name?: string;
    readonly location: string;
  };
}

export interface StartMigrationOptions extends MigrationOptions {
  /** Authorise the pipelines that may use the old connection on the new one too. Default true. */
  readonly copyPipelinePermissions?: boolean;
}

const inputSchema = z
  .strictObject({
    project: projectSchema,
    connectionId: guidSchema.optional(),
    connectionName: connectionNameSchema.optional(),
    newName: connectionNameSchema.optional(),
    tenantId: guidSchema,
    appDisplayName: displayNameSchema.optional(),
    inventoryScopes: z.array(scopeSchema).max(50).optional(),
    identity: z
      .strictObject({
        subscriptionId: guidSchema,
        resourceGroup: resourceGroupNameSchema,
        name: identityNameSchema.optional(),
        location: locationSchema,
      })
      .optional(),
  })
  .refine((v) => (v.connectionId === undefined) !== (v.connectionName === undefined), {
    message: 'give exactly one of connectionId and connectionName',
    path: ['connectionId'],
  });

const CLOUDS = ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'] as const;

/**
 * Checks a {@link startMigration} input without sending anything: what `startMigration` refuses
 * with `Validation` before its first request. For a caller that must not send any request (an
 * access check included) for an input that will be refused.
 *
 * @example
 * const ok = checkStartMigrationInput({ project: 'platform', connectionName: 'sc-prod', tenantId });
 */
export function checkStartMigrationInput(input: StartMigrationInput): Result<void, ValidationError> {
  return validate(inputSchema, input).map(() => undefined);
}

/** Reads what a migration needs from the old connection, refusing what cannot be migrated. @internal */
export function describeOld(
  endpoint: ServiceEndpoint,
  tenantId: string,
): Result<MigrationRecord['old'], NotMigratableError | IdentityMismatchError> {
  const refuse = (reason: NotMigratableError['reason'], why: string): Result<never, NotMigratableError> =>
    err({ kind: 'NotMigratable', connectionId: endpoint.id, reason, message: `"${endpoint.name}" cannot be migrated: ${why}` });
  if (!same(endpoint.type, 'azurerm')) return refuse('OtherType', `it is of type ${endpoint.type}; only azurerm connections are migrated.`);
  const scheme = endpoint.authorization?.scheme ?? '';
  if (!same(scheme, 'ServicePrincipal') && !same(scheme, 'WorkloadIdentityFederation'))
    return refuse('OtherScheme', `it uses the ${scheme} scheme, which names no app registration.`);
  const appId = authParameter(endpoint, 'serviceprincipalid');
  if (!appId) return refuse('NoIdentity', 'it names no service principal (serviceprincipalid).');
  const connectionTenant = authParameter(endpoint, 'tenantid');
  if (connectionTenant && !same(connectionTenant, tenantId)) {
    return err({
      kind: 'IdentityMismatch',
      field: 'tenantId',
      connection: endpoint.name,
      expected: tenantId,
      message: `"${endpoint.name}" is bound to tenant ${connectionTenant}, not ${tenantId}. Run the migration with that tenant.`,
    });
  }
  const data = endpoint.data ?? {};
  const cloud = CLOUDS.find((c) => same(data['environment'] ?? 'AzureCloud', c));
  if (!cloud)
    return refuse(
      'OtherCloud',
      `it targets ${data['environment'] ?? 'an unknown cloud'}; wif migrates connections of AzureCloud, AzureUSGovernment and AzureChinaCloud.`,
    );
  // The one target mapping (target.ts): a resource-group connection keeps its resourceGroupName.
  const target = targetFromData(data);
  if (!target) return refuse('NoTarget', 'it names neither a subscription nor a management group.');
  return ok({
    connectionId: endpoint.id.toLowerCase(),
    name: endpoint.name,
    scheme,
    creationMode: data['creationMode'] ?? null,
    appId: appId.toLowerCase(),
    cloud,
    target,
    projects: (endpoint.serviceEndpointProjectReferences ?? []).map((r) => ({
      id: r.projectReference.id.toLowerCase(),
      name: r.projectReference.name ?? r.name,
    })),
  });
}

/** Runs every step 1–6 that has no result yet, in order. @internal */
export function advance(run: Run): ResultAsync<MigrationRecord, MigrationError> {
  return safeTry(async function* () {
    const r = (): MigrationRecord => run.record;
    if (!r().inventory) yield* runStep(run, 'inventory', () => inventory(run));
    if (!r().app) yield* runStep(run, 'registerApp', () => registerNewApp(run));
    if (!r().roles) yield* runStep(run, 'copyRoles', () => copyRoles(run));
    if (!r().connection) yield* runStep(run, 'createConnection', () => createNewConnection(run));
    // Before the credential: the new connection cannot authenticate until it carries the old one's guards.
    if (!r().governance) yield* runStep(run, 'governance', () => copyGovernance(run));
    if (!r().credential) yield* runStep(run, 'bindCredential', () => bindCredential(run));
    if (!r().verifiedAt) yield* runStep(run, 'verify', () => verifyNew(run));
    if (!r().pipelines) yield* runStep(run, 'pipelines', () => reportPipelines(run));
    if (!r().liveAt) yield* runStep(run, 'live', () => goLive(run));
    return ok(r());
  });
}

/** The phase name used in state errors. @internal */
export function phaseOf(r: MigrationRecord): string {
  if (r.rolledBackAt) return 'rolled-back';
  if (r.cleanup?.finishedAt) return 'finished';
  if (r.cleanup) return 'cleaning-up';
  return r.liveAt ? 'soaking' : 'in-progress';
}

/** Loads one migration, or `MigrationNotFound`. @internal */
export function loadMigration(options: MigrationOptions, id: string): ResultAsync<MigrationRecord, MigrationError> {
  return findMigration(options.journal, id).andThen((r) =>
    r
      ? ok(r)
      : err<never, MigrationNotFoundError>({
          kind: 'MigrationNotFound',
          id,
          message: `No migration ${id} in the journal. List them with migrationStatus, or start one with startMigration.`,
        }),
  );
}

function stateError(r: MigrationRecord, message: string): MigrationStateError {
  return { kind: 'MigrationState', id: r.id, phase: phaseOf(r), message };
}

/**
 * Starts migrating a service connection to a new manual workload-identity-federation connection,
 * or resumes the migration of that connection if the journal already has one in progress. Runs
 * steps 1–6 of the runbook, journaling each: inventory the old service principal's direct role
 * assignments, register a new app, copy the assignments, create the new connection (shared into the
 * old one's projects), copy the old connection's approvals and checks and its assigned security
 * roles onto it, bind and verify its credential, report (and copy) the old connection's pipeline
 * permissions, and record when it went live. The old connection is left untouched: switch
 * the pipelines, soak, then {@link finishMigration}.
 *
 * Calls `GET /{org}/_apis/projects/{project}`, `GET …/serviceendpoint/endpoints/{id}` (or
 * `?endpointNames=`), Graph `GET /servicePrincipals(appId=…)` and `GET /applications(appId=…)`, ARM
 * `GET {scope}/…/roleAssignments?$filter=principalId eq …`, then the requests of `registerApp`,
 * `grantRole`, `createManualConnection`, `PATCH …/endpoints/{id}` (share), `GET` and `POST
 * …/pipelines/checks/configurations`, `GET` and `PUT …/securityroles/…/roleassignments/resources/…`,
 * `GET _apis/connectionData`, `bindFederatedCredential`,
 * `verifySubject`, `GET`/`PATCH …/pipelinePermissions/endpoint/{id}`.
 *
 * Permission: read the old connection, its checks and its security roles; Graph `Application.ReadWrite.OwnedBy` (or Application
 * Administrator) and `Application.Read.All`; `roleAssignments/read` and `/write` at the scopes (Owner
 * or User Access Administrator where the old principal holds privileged roles); Endpoint
 * Administrator in the projects. Safe to re-run and to kill: a second call resumes at the first step
 * without a result and creates nothing twice. Errors: `Validation`, `NotFound`, `NotMigratable`,
 * `IdentityMismatch`, `MigrationState` (already finished), `Journal`, and those of the steps.
 *
 * @example
 * const journal = fileJournal('migrations.json');
 * const m = await startMigration(clients, { project: 'platform', connectionName: 'sc-prod', tenantId }, { journal });
 * if (m.isOk()) console.log(m.value.pipelines); // pipelines to point at m.value.connection.name
 */
export function startMigration(
  clients: WifClients,
  input: StartMigrationInput,
  options: StartMigrationOptions,
): ResultAsync<MigrationRecord, MigrationError> {
  const valid = validate(inputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const v = valid.value;
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  return safeTry(async function* () {
    const project = yield* getProject(clients.devops, v.project, opts);
    let endpoint: ServiceEndpoint;
    if (v.connectionId !== undefined) {
      endpoint = yield* getServiceEndpoint(clients.devops, project.id, v.connectionId, opts);
    } else {
      const name = v.connectionName!;
      const found = (yield* getServiceEndpointsByNames(clients.devops, project.id, [name], { includeFailed: true }, opts)).find((e) =>
        same(e.name, name),
      );
      if (!found)
        return err(
          httpError({
            service: 'devops',
            operation: 'GET serviceendpoints by name',
            status: 404,
            kind: 'NotFound',
            serviceMessage: `No service connection named "${name}" in ${project.name}.`,
          }),
        );
      endpoint = found;
    }
    const old = yield* describeOld(endpoint, v.tenantId);
    const existing = yield* findMigration(options.journal, old.connectionId);
    if (existing && !existing.rolledBackAt) {
      if (existing.cleanup)
        return err(stateError(existing, `The migration of "${old.name}" is ${phaseOf(existing)}: use finishMigration.`));
      return ok(yield* advance({ clients, options, record: existing }));
    }
    const newName = v.newName ?? `${old.name}-wif`;
    const at = nowIso({ options });
    const record: MigrationRecord = {
      id: old.connectionId,
      organization: clients.devops.organization,
      tenantId: v.tenantId.toLowerCase(),
      project: { id: project.id.toLowerCase(), name: project.name },
      newName,
      appDisplayName: v.appDisplayName ?? `ado-${newName}`,
      inventoryScopes: v.inventoryScopes ?? [],
      ...(v.identity
        ? {
            identity: {
              subscriptionId: v.identity.subscriptionId,
              resourceGroup: v.identity.resourceGroup,
              name: v.identity.name ?? `id-${newName}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128),
              location: v.identity.location,
            },
          }
        : {}),
      copyPipelinePermissions: options.copyPipelinePermissions ?? true,
      startedAt: at,
      updatedAt: at,
      old,
      ...NO_PROGRESS,
      log: existing ? [...existing.log, { at, step: 'inventory', event: 'note', message: 'restarted after a rollback' }] : [],
    };
    const run: Run = { clients, options, record };
    yield* save(run, record);
    return ok(yield* advance(run));
  });
}

/**
 * Resumes a migration where it stopped (a killed run, a failed step fixed since): runs the steps
 * 1–6 that have no result yet. Same requests, permissions and errors as {@link startMigration};
 * `MigrationState` once clean-up has begun or after a rollback. Safe to re-run.
 *
 * @example
 * await resumeMigration(clients, migrationId, { journal: fileJournal('migrations.json') });
 */
export function resumeMigration(clients: WifClients, id: string, options: MigrationOptions): ResultAsync<MigrationRecord, MigrationError> {
  return loadMigration(options, id).andThen((record) => {
    if (record.rolledBackAt)
      return errAsync(stateError(record, `The migration ${id} was rolled back; start it again with startMigration.`));
    if (record.cleanup) return errAsync(stateError(record, `The migration ${id} is ${phaseOf(record)}: use finishMigration.`));
    return advance({ clients, options, record });
  });
}
