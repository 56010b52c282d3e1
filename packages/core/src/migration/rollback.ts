/** Undoing a migration that has not been cleaned up: only what the migration created goes. */
import { deleteRoleAssignmentById, listRoleAssignments } from '@wif/arm';
import { authParameter, deleteServiceEndpoint, getServiceEndpointsByNames } from '@wif/devops';
import { deleteApplication, deleteFederatedIdentityCredential, getApplication, getServicePrincipal } from '@wif/graph';
import { collect } from '@wif/http';
import { err, errAsync, ok, okAsync, type Result, ResultAsync, safeTry } from 'neverthrow';
import type { WifClients } from '../workflows/clients';
import type { MigrationError, NewConnectionInUseError } from './errors';
import type { MigrationRecord } from './journal';
import { loadMigration, phaseOf } from './migrate';
import { confirmed, goneIsFine, type MigrationOptions, nowIso, type Run, runStep, type StepOutcome } from './_run';
import { targetListScope } from '../target';
import { MIGRATION_TAG, newAppUniqueName } from './_steps';
import { getUserAssignedIdentity, userAssignedIdentityPath } from '@wif/arm';
import { credentialNameFor } from '../steps/bindFederatedCredential';
import { readManagedIdentity } from '../steps/ensureManagedIdentity';
import { deleteIdentityCredentialById, deleteIdentityIfUnused } from '../workflows/_identityRefs';
import { deleteNewConnectionChecks } from './_governance';
import { type ConnectionUse, describeUses, usesSince } from './_usage';

import { same } from '../_internal/compare';

/** What the migration created, from the journal, or found by its deterministic keys when a step was killed before its result was saved. */
interface Created {
  readonly app?: { readonly objectId: string; readonly appId: string; readonly spId?: string | undefined };
  readonly connection?: { readonly id: string; readonly projectIds: readonly string[] };
  readonly credential?: { readonly id: string };
}

function discover(run: Run): ResultAsync<Created, MigrationError> {
  const { graph, devops } = run.clients;
  const r = run.record;
  const opts = run.options.abortSignal ? { abortSignal: run.options.abortSignal } : {};
  const orNone = <T>(x: Result<T, MigrationError>): Result<T | undefined, MigrationError> =>
    x.isErr() && x.error.kind === 'NotFound' ? ok(undefined) : x.map((v): T | undefined => v);
  return safeTry(async function* () {
    let app: Created['app'];
    if (r.app) app = { objectId: r.app.applicationObjectId, appId: r.app.appId, spId: r.app.servicePrincipalObjectId };
    else {
      const found = yield* orNone(await getApplication(graph, { uniqueName: newAppUniqueName(r.id) }, opts));
      if (found) {
        const sp = yield* orNone(await getServicePrincipal(graph, { appId: found.appId }, opts));
        app = { objectId: found.id, appId: found.appId, spId: sp?.id };
      }
    }
    // Never touch the old identity, whatever the journal says.
    if (app && same(app.appId, r.old.appId)) app = undefined;
    let connection: Created['connection'];
    if (r.connection) connection = { id: r.connection.id, projectIds: r.connection.projects.map((p) => p.id) };
    else if (app) {
      const byName = yield* getServiceEndpointsByNames(devops, r.project.id, [r.newName], { includeFailed: true }, opts);
      const ours = byName.find((e) => same(e.name, r.newName) && same(authParameter(e, 'serviceprincipalid'), app.appId));
      if (ours) connection = { id: ours.id, projectIds: (ours.serviceEndpointProjectReferences ?? []).map((x) => x.projectReference.id) };
    }
    if (connection && same(connection.id, r.old.connectionId)) connection = undefined;
    return ok({
      ...(app ? { app } : {}),
      ...(connection ? { connection } : {}),
      ...(r.credential ? { credential: { id: r.credential.id } } : {}),
    });
  });
}

/**
 * Rolls back a migration that has not been cleaned up: deletes, in order, the new federated
 * credential, the checks on the new connection, the new connection (its security roles go with it),
 * the new service principal's role assignments and the new app. The
 * old connection, its app and its role assignments are never touched (ids are compared before each
 * delete). Works after a killed run too: what the journal has no id for is found by its deterministic
 * key (the app's unique name, the connection's name bound to that app).
 *
 * Calls `DELETE /applications/{id}/federatedIdentityCredentials/{id}`, `GET …/endpoints/{id}`,
 * `GET` and `DELETE …/pipelines/checks/configurations`, `DELETE /{org}/_apis/serviceendpoint/endpoints/{id}?projectIds=…`, ARM
 * `GET {scope}/…/roleAssignments?$filter=principalId eq '{new}'` and `DELETE {assignmentId}`,
 * `DELETE /applications/{id}`; after a killed run also `GET /applications(uniqueName=…)` and
 * `GET …/endpoints?endpointNames=…`.
 *
 * Permission: Graph owner of the new app (or `Application.ReadWrite.All`), Endpoint Administrator on
 * the new connection, `roleAssignments/read` and `/delete` at the scopes. Safe to re-run: what is gone
 * is skipped. Errors: `MigrationState` (clean-up has begun: the old connection may be gone, so there
 * is nothing to roll back to), `NewConnectionInUse`, `MigrationNotFound`, `Journal`, and the service
 * errors.
 *
 * Once the new connection is live, pipelines may have been switched to it: rollback first reads its
 * usage history (`GET {project}/_apis/serviceendpoint/{new id}/executionhistory` per project it is
 * in) and refuses with `NewConnectionInUse`, deleting nothing, while a pipeline ran with it since it
 * went live (unless `ignoreRecentUse`): that pipeline would fail on its next run.
 *
 * @example
 * await rollbackMigration(clients, migrationId, { journal });
 */
export function rollbackMigration(
  clients: WifClients,
  id: string,
  options: RollbackMigrationOptions,
): ResultAsync<MigrationRecord, MigrationError> {
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  return loadMigration(options, id).andThen((record) => {
    if (record.rolledBackAt) return ResultAsync.fromSafePromise(Promise.resolve(record));
    if (record.cleanup?.oldConnectionDeletedAt) {
      return err<never, MigrationError>({
        kind: 'MigrationState',
        id: record.id,
        phase: phaseOf(record),
        message: `The old connection of migration ${id} is already deleted: there is nothing to roll back to. Finish it instead.`,
      });
    }
    const run: Run = { clients, options, record };
    const guarded = (options.ignoreRecentUse === true ? okAsync(undefined) : refuseWhileNewConnectionUsed(clients, record, opts)).andThen(
      () =>
        confirmed(
          options,
          `Delete the new connection "${record.connection?.name ?? record.newName}" and what migration ${record.id} created for it (its credential, copied checks, role assignments and ${record.identity ? 'the managed identity, if this migration created it' : 'app'})? The old connection "${record.old.name}" is not touched.`,
        ),
    );
    const work = record.identity ? () => rollbackOnIdentity(run, record.identity!) : () => rollbackOnApp(run);
    return guarded.andThen(() => runStep(run, 'rollback', work));
  });
}

/** Rollback of a migration onto a new app registration: credential, checks, connection, roles, app. */
function rollbackOnApp(run: Run): ResultAsync<StepOutcome, MigrationError> {
  const { clients, record } = run;
  const opts = run.options.abortSignal ? { abortSignal: run.options.abortSignal } : {};
  return safeTry(async function* () {
    const created = yield* discover(run);
    const done: string[] = [];
    if (created.credential && created.app) {
      yield* goneIsFine(deleteFederatedIdentityCredential(clients.graph, created.app.objectId, created.credential.id, opts));
      done.push('credential');
    }
    if (created.connection) {
      const checks = yield* deleteNewConnectionChecks(run, created.connection.id);
      if (checks > 0) done.push(`${checks} check(s)`);
      yield* goneIsFine(deleteServiceEndpoint(clients.devops, created.connection.id, created.connection.projectIds, {}, opts));
      done.push('connection');
    }
    const spId = created.app?.spId;
    if (spId && !same(record.inventory?.servicePrincipalObjectId, spId)) {
      // Every assignment the new service principal holds is this migration's: list rather than trust the journal.
      const scopes = [
        ...new Set([targetListScope(record.old.target), ...record.inventoryScopes, ...(record.roles ?? []).map((x) => x.scope)]),
      ];
      let revoked = 0;
      const seen = new Set<string>();
      for (const scope of scopes) {
        const assignments = yield* ResultAsync.fromSafePromise(
          collect(listRoleAssignments(clients.arm, scope, { principalId: spId }, opts), 5_000),
        ).andThen((x) => x);
        for (const a of assignments) {
          if (!same(a.properties.principalId, spId) || seen.has(a.id.toLowerCase())) continue;
          seen.add(a.id.toLowerCase());
          yield* goneIsFine(deleteRoleAssignmentById(clients.arm, a.id, opts));
          revoked += 1;
        }
      }
      done.push(`${revoked} role assignment(s)`);
    }
    if (created.app) {
      yield* goneIsFine(deleteApplication(clients.graph, created.app.objectId, opts));
      done.push('app');
    }
    return ok({
      patch: { rolledBackAt: nowIso(run) },
      message: done.length ? `rolled back: deleted the new ${done.join(', ')}` : 'rolled back: nothing had been created',
    });
  });
}

/** Options of {@link rollbackMigration}. */
export interface RollbackMigrationOptions extends MigrationOptions {
  /**
   * Roll back even though pipelines ran with the new connection after it went live (its usage
   * history shows them): they will fail on their next run. Default false.
   */
  readonly ignoreRecentUse?: boolean;
}

/**
 * `NewConnectionInUse` while the new connection's usage history shows a pipeline run since it went
 * live. Nothing to check before it went live, or once it is gone (a rollback that already deleted it).
 */
function refuseWhileNewConnectionUsed(
  clients: WifClients,
  record: MigrationRecord,
  opts: { readonly abortSignal?: AbortSignal },
): ResultAsync<undefined, MigrationError> {
  const connection = record.connection;
  if (!record.liveAt || !connection) return okAsync(undefined);
  return usesSince(clients.devops, connection.projects, connection.id, record.liveAt, opts)
    .orElse((e) => (e.kind === 'NotFound' ? okAsync({ uses: [], complete: true }) : errAsync(e)))
    .andThen((usage) => (usage.uses.length > 0 ? errAsync(newConnectionInUse(record, usage.uses)) : okAsync(undefined)));
}

function newConnectionInUse(record: MigrationRecord, uses: readonly ConnectionUse[]): NewConnectionInUseError {
  const newName = record.connection?.name ?? record.newName;
  return {
    kind: 'NewConnectionInUse',
    connectionId: record.connection!.id,
    uses,
    message: `Not rolling back: ${uses.length} pipeline(s) ran with "${newName}" after it went live at ${record.liveAt}: ${describeUses(uses)}. They would fail once it is deleted: point them back at "${record.old.name}" (azureSubscription: ${record.old.name}), then roll back; or roll back with ignoreRecentUse (wif migrate rollback --ignore-recent-use) to delete it anyway.`,
  };
}

/**
 * Rollback of a migration onto a managed identity: the credential on the identity and the new
 * connection go; the identity's role assignments and the identity itself only when this migration
 * created it (its `wif:migration` tag holds the migration's id) — an identity that existed before is
 * shared, and is left as it was, roles and all — and only while no other connection's credential is
 * on it. No Graph request.
 */
function rollbackOnIdentity(run: Run, mi: NonNullable<MigrationRecord['identity']>): ResultAsync<StepOutcome, MigrationError> {
  const { arm, devops } = run.clients;
  const r = run.record;
  const opts = run.options.abortSignal ? { abortSignal: run.options.abortSignal } : {};
  return safeTry(async function* () {
    const identity = yield* readManagedIdentity({ arm }, mi, opts);
    const clientId = identity?.clientId ?? r.app?.appId;
    let connection: { id: string; projectIds: readonly string[] } | undefined;
    if (r.connection) connection = { id: r.connection.id, projectIds: r.connection.projects.map((p) => p.id) };
    else if (clientId) {
      const byName = yield* getServiceEndpointsByNames(devops, r.project.id, [r.newName], { includeFailed: true }, opts);
      const ours = byName.find((e) => same(e.name, r.newName) && same(authParameter(e, 'serviceprincipalid'), clientId));
      if (ours) connection = { id: ours.id, projectIds: (ours.serviceEndpointProjectReferences ?? []).map((x) => x.projectReference.id) };
    }
    if (connection && same(connection.id, r.old.connectionId)) connection = undefined;
    const done: string[] = [];
    const credentialName = r.credential?.name ?? (connection ? credentialNameFor(connection.id) : undefined);
    if (identity && credentialName) {
      yield* goneIsFine(
        deleteIdentityCredentialById(arm, `${userAssignedIdentityPath(mi)}/federatedIdentityCredentials/${credentialName}`, opts),
      );
      done.push('credential');
    }
    if (connection) {
      const checks = yield* deleteNewConnectionChecks(run, connection.id);
      if (checks > 0) done.push(`${checks} check(s)`);
      yield* goneIsFine(deleteServiceEndpoint(devops, connection.id, connection.projectIds, {}, opts));
      done.push('connection');
    }
    const notes: string[] = [];
    const ours = identity !== undefined && (yield* readOwnership(arm, mi, r.id, opts));
    if (identity && ours) {
      let revoked = 0;
      const scopes = [...new Set([targetListScope(r.old.target), ...r.inventoryScopes, ...(r.roles ?? []).map((x) => x.scope)])];
      const seen = new Set<string>();
      for (const scope of scopes) {
        const assignments = yield* ResultAsync.fromSafePromise(
          collect(listRoleAssignments(arm, scope, { principalId: identity.principalId }, opts), 5_000),
        ).andThen((x) => x);
        for (const a of assignments) {
          if (!same(a.properties.principalId, identity.principalId) || seen.has(a.id.toLowerCase())) continue;
          seen.add(a.id.toLowerCase());
          yield* goneIsFine(deleteRoleAssignmentById(arm, a.id, opts));
          revoked += 1;
        }
      }
      done.push(`${revoked} role assignment(s)`);
      const gone = yield* deleteIdentityIfUnused(arm, identity.id, opts);
      if (gone === 'deleted') done.push('managed identity');
      else notes.push(`Managed identity ${identity.name} is kept: other connections have credentials on it.`);
    } else if (identity) {
      notes.push(`Managed identity ${identity.name} existed before the migration: kept, with its role assignments.`);
    }
    return ok({
      patch: { rolledBackAt: nowIso(run) },
      message: done.length ? `rolled back: deleted the new ${done.join(', ')}` : 'rolled back: nothing had been created',
      notes,
    });
  });
}

/** Whether this migration created the identity (its `wif:migration` tag). */
function readOwnership(
  arm: WifClients['arm'],
  mi: NonNullable<MigrationRecord['identity']>,
  id: string,
  opts: { abortSignal?: AbortSignal },
): ResultAsync<boolean, MigrationError> {
  return getUserAssignedIdentity(arm, mi, opts).map((i) => i.tags?.[MIGRATION_TAG] === id);
}
