/**
 * Step 6 (the soak) and step 7 (clean-up, in order: old connection, old role assignments, old app).
 */
import { deleteRoleAssignmentById } from '@wif/arm';
import { authParameter, deleteServiceEndpoint, type DevOpsClient, getServiceEndpoint } from '@wif/devops';
import { deleteApplication, getApplication } from '@wif/graph';
import { err, errAsync, ok, okAsync, type ResultAsync, safeTry } from 'neverthrow';
import { walkOrganization } from '../audit/_walk';
import { verifyNewChain } from './_steps';
import { copyGovernance } from './_governance';
import type { WifClients } from '../workflows/clients';
import type { AppStillInUseError, MigrationError, OldConnectionInUseError, SoakNotOverError } from './errors';
import { type ConnectionUse, describeUses, type UsageSince, usesSince } from './_usage';
import type { MigrationRecord } from './journal';
import { loadMigration, phaseOf } from './migrate';
import { confirmed, goneIsFine, type MigrationOptions, nowIso, type Run, runStep, save, withLog } from './_run';
import { same } from '../_internal/compare';

/** The default soak: one week of normal deploys through the new connection before the old one goes. */
export const DEFAULT_SOAK_IN_MS = 7 * 24 * 60 * 60 * 1000;

/** When the soak of a migration that went live at `liveAt` ends, in ms since the epoch (finish and status both ask). */
export function soakEndsAtMs(liveAt: string, soakInMs: number | undefined): number {
  return Date.parse(liveAt) + (soakInMs ?? DEFAULT_SOAK_IN_MS);
}

export interface FinishMigrationOptions extends MigrationOptions {
  /** How long the new connection must have been live. Default 7 days ({@link DEFAULT_SOAK_IN_MS}). */
  readonly soakInMs?: number;
  /** Clean up before the soak period is over. */
  readonly force?: boolean;
  /**
   * Delete only the old connection; keep the old app and its role assignments (e.g. because other
   * connections still use that app). Default false.
   */
  readonly keepOldIdentity?: boolean;
  /** Projects read at once while looking for other connections that use the old app. Default 8. */
  readonly concurrency?: number;
  /**
   * Delete the old connection even though pipelines ran with it after the new one went live (its
   * usage history shows them): they will fail on their next run. Default false.
   */
  readonly ignoreRecentUse?: boolean;
}

/** Every other connection of the organization that names `appId`, and the projects that could not be read. @internal */
export async function findAppUsers(
  devops: DevOpsClient,
  appId: string,
  exclude: readonly string[],
  options: { concurrency: number; abortSignal?: AbortSignal | undefined },
): Promise<Pick<AppStillInUseError, 'connections' | 'unreadableProjects'>> {
  const connections: { id: string; name: string; projects: string[] }[] = [];
  const unreadableProjects: string[] = [];
  await walkOrganization(
    devops,
    { concurrency: options.concurrency, abortSignal: options.abortSignal },
    {
      listFailed: () => void unreadableProjects.push('(the project list)'),
      projectFailed: (project) => void unreadableProjects.push(project.name),
      connection: (endpoint) => {
        if (!same(authParameter(endpoint, 'serviceprincipalid'), appId) || exclude.some((id) => same(id, endpoint.id))) return;
        connections.push({
          id: endpoint.id,
          name: endpoint.name,
          projects: (endpoint.serviceEndpointProjectReferences ?? []).map((r) => r.projectReference.name ?? r.name),
        });
      },
    },
  );
  return { connections, unreadableProjects };
}

function appStillInUse(appId: string, found: Pick<AppStillInUseError, 'connections' | 'unreadableProjects'>): AppStillInUseError {
  const named = found.connections.map((c) => `"${c.name}" (${c.projects.join(', ')})`).join(', ');
  const why = found.connections.length
    ? `connection(s) ${named} still use it`
    : `the connections of ${found.unreadableProjects.join(', ')} could not be read, so it may still be used there`;
  return {
    kind: 'AppStillInUse',
    appId,
    ...found,
    message: `Not cleaning up: the old app ${appId} is not deleted while ${why}. Migrate those connections first, or finish with keepOldIdentity to delete only the old connection.`,
  };
}

/** Options of {@link migrationUsage}. */
export interface MigrationUsageOptions extends MigrationOptions {
  /**
   * Whose history: `old` (default), the pipelines still to point at the new connection; `new`, the
   * pipelines already switched to it, which `rollbackMigration` refuses to break.
   */
  readonly connection?: 'old' | 'new';
}

/**
 * The pipelines that ran with a migration's old connection since the new one went live, from the
 * old connection's usage history: the ones still to point at the new connection. `finishMigration`
 * refuses while there is one. With `connection: 'new'`, the pipelines that ran with the new
 * connection since it went live: the ones already switched, which `rollbackMigration` refuses to
 * break. A migration not live yet, rolled back, or whose old connection is already deleted (for
 * `old`) is a `MigrationState` error.
 *
 * Calls `GET {project}/_apis/serviceendpoint/{id}/executionhistory` per project of that connection
 * (docs/migration.md). Permission: read on the connection. Read-only.
 *
 * @example
 * const u = await migrationUsage(clients, migrationId, { journal });
 * if (u.isOk()) for (const x of u.value.uses) console.log(x.pipeline, x.project, x.at);
 */
export function migrationUsage(clients: WifClients, id: string, options: MigrationUsageOptions): ResultAsync<UsageSince, MigrationError> {
  return loadMigration(options, id).andThen((record) => {
    const state = (message: string): ResultAsync<never, MigrationError> =>
      errAsync({ kind: 'MigrationState', id: record.id, phase: phaseOf(record), message });
    if (record.rolledBackAt) return state(`The migration ${id} was rolled back: its old connection is the live one.`);
    if (!record.liveAt || !record.connection) return state(`The migration ${id} is not live yet: there is no go-live to count uses from.`);
    const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
    if (options.connection === 'new')
      return usesSince(clients.devops, record.connection.projects, record.connection.id, record.liveAt, opts);
    if (record.cleanup?.oldConnectionDeletedAt) return state(`The old connection of migration ${id} is already deleted.`);
    return usesSince(clients.devops, record.old.projects, record.old.connectionId, record.liveAt, opts);
  });
}

/** What finish is about to delete, as a question; `undefined` when a resumed clean-up has nothing left to delete. */
function finishQuestion(record: MigrationRecord, keep: boolean): string | undefined {
  const c = record.cleanup;
  const where = record.old.projects.map((p) => p.name).join(', ');
  const parts = [
    ...(c?.oldConnectionDeletedAt ? [] : [`the old connection "${record.old.name}" (${where})`]),
    ...(keep || c?.oldRolesRevokedAt
      ? []
      : [`the ${record.inventory?.roles.length ?? 0} role assignment(s) of its identity that the inventory found`]),
    ...(keep || c?.oldAppDeletedAt ? [] : [`its app ${record.old.appId}`]),
  ];
  if (parts.length === 0) return undefined;
  return `Delete ${parts.join(', ')}?${keep ? ' Its app and role assignments are kept.' : ''}`;
}

function oldConnectionInUse(record: MigrationRecord, uses: readonly ConnectionUse[]): OldConnectionInUseError {
  const newName = record.connection?.name ?? record.newName;
  return {
    kind: 'OldConnectionInUse',
    connectionId: record.old.connectionId,
    uses,
    message: `Not cleaning up: ${uses.length} pipeline(s) ran with "${record.old.name}" after "${newName}" went live at ${record.liveAt}: ${describeUses(uses)}. They would fail once it is deleted: point them at "${newName}" (azureSubscription: ${newName}), then finish; or finish with ignoreRecentUse (wif migrate finish --ignore-recent-use) to delete it anyway.`,
  };
}

/**
 * Finishes a migration after its soak: checks that the soak period is over (unless `force`), proves
 * the new connection's trust chain once more, copies the old connection's checks and security roles
 * if the journal predates that step, refuses (`OldConnectionInUse`) while the old connection's usage
 * history shows a pipeline run since the new one went live (unless `ignoreRecentUse`), makes sure no other connection of the organization
 * names the old app, then deletes the old connection, revokes the old service principal's role
 * assignments that the inventory found, and deletes the old app — only the app this migration
 * inventoried. Each deletion is journaled; an interrupted clean-up resumes where it stopped.
 *
 * Calls `GET …/serviceendpoint/endpoints/{id}` and `verifySubject`'s reads, `GET
 * {project}/_apis/serviceendpoint/{id}/executionhistory` per project of the old connection, walks every project's
 * connections (`GET _apis/projects`, `GET {project}/_apis/serviceendpoint/endpoints`), then
 * `DELETE /{org}/_apis/serviceendpoint/endpoints/{old}?projectIds=…`,
 * `DELETE {roleAssignmentId}` per copied assignment, `GET` and `DELETE /applications/{id}`.
 *
 * Permission: Endpoint Administrator on the old connection and read on every project's connections;
 * `roleAssignments/delete` at the scopes; Graph `Application.ReadWrite.OwnedBy` (owner of the old app)
 * or `Application.ReadWrite.All`. Safe to re-run: what is gone is skipped. Errors: `SoakNotOver`,
 * `OldConnectionInUse`, `AppStillInUse`, `MigrationState` (not live yet, rolled back), `MigrationNotFound`, `Journal`, the
 * verification's (`SubjectMismatch`, …), and the service errors.
 *
 * @example
 * const done = await finishMigration(clients, migrationId, { journal });
 * if (done.isErr() && done.error.kind === 'SoakNotOver') console.log(`wait until ${done.error.soakEndsAt}`);
 */
export function finishMigration(
  clients: WifClients,
  id: string,
  options: FinishMigrationOptions,
): ResultAsync<MigrationRecord, MigrationError> {
  const clock = options.clock ?? Date.now;
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  return loadMigration(options, id).andThen((record) =>
    safeTry(async function* () {
      const state = (message: string): MigrationError => ({ kind: 'MigrationState', id: record.id, phase: phaseOf(record), message });
      if (record.rolledBackAt) return err(state(`The migration ${id} was rolled back; nothing to finish.`));
      if (record.cleanup?.finishedAt) return ok(record);
      if (!record.liveAt) return err(state(`The migration ${id} is not live yet: run resumeMigration first.`));
      const run: Run = { clients, options, record };
      const inventory = record.inventory!;
      const newConnection = record.connection!;

      if (!record.cleanup) {
        const soakEnds = soakEndsAtMs(record.liveAt, options.soakInMs);
        const now = clock();
        if (now < soakEnds && options.force !== true) {
          return err<never, SoakNotOverError>({
            kind: 'SoakNotOver',
            id: record.id,
            liveAt: record.liveAt,
            soakEndsAt: new Date(soakEnds).toISOString(),
            remainingInMs: soakEnds - now,
            message: `"${newConnection.name}" went live at ${record.liveAt}; the soak ends at ${new Date(soakEnds).toISOString()}. Finish then, or force it to clean up now (force: true; wif migrate finish --force).`,
          });
        }
        // The old connection is the way back: never remove it while the new one does not verify.
        yield* verifyNewChain(clients, record, opts);
        // A journal from before wif copied the old connection's guards: copy them while it exists.
        if (!record.governance) yield* runStep(run, 'governance', () => copyGovernance(run));
        // A pipeline that ran with the old connection during the soak was not switched: it would
        // fail once the old connection is gone.
        if (options.ignoreRecentUse !== true) {
          const usage = yield* usesSince(clients.devops, record.old.projects, record.old.connectionId, record.liveAt, opts);
          if (usage.uses.length > 0) return err(oldConnectionInUse(record, usage.uses));
          if (!usage.complete)
            yield* save(
              run,
              withLog(run, run.record, 'deleteOldConnection', 'note', [
                `the usage history of "${record.old.name}" is longer than wif reads (500 runs per project); no use since ${record.liveAt} was found in what was read`,
              ]),
            );
        }
      }
      const keep = options.keepOldIdentity === true || record.cleanup?.oldIdentityKept === true;
      // Revoking the old roles or deleting the old app would break any other connection on that app.
      if (!keep && !(record.cleanup?.oldRolesRevokedAt && record.cleanup.oldAppDeletedAt)) {
        const found = await findAppUsers(clients.devops, record.old.appId, [record.old.connectionId, newConnection.id], {
          concurrency: options.concurrency ?? 8,
          abortSignal: options.abortSignal,
        });
        if (found.connections.length > 0 || found.unreadableProjects.length > 0) return err(appStillInUse(record.old.appId, found));
      }
      const question = finishQuestion(record, keep);
      if (question !== undefined) yield* confirmed(options, question);
      if (!record.cleanup) {
        const startedAt = nowIso(run);
        const cleanup = {
          startedAt,
          oldConnectionDeletedAt: null,
          oldRolesRevokedAt: null,
          oldAppDeletedAt: null,
          oldIdentityKept: keep,
          finishedAt: null,
        };
        const notes = [
          `clean-up started${options.force === true && clock() < soakEndsAtMs(record.liveAt, options.soakInMs) ? ' before the end of the soak (force)' : ''}`,
          ...(keep ? ['the old app and its role assignments are kept (keepOldIdentity)'] : []),
        ];
        yield* save(run, withLog(run, { ...run.record, cleanup }, 'deleteOldConnection', 'note', notes));
      }
      const cleanup = (): NonNullable<MigrationRecord['cleanup']> => run.record.cleanup!;

      if (!cleanup().oldConnectionDeletedAt) {
        yield* runStep(run, 'deleteOldConnection', () =>
          // Re-read where it is now: it may have been shared into more projects since the start.
          getServiceEndpoint(clients.devops, record.project.id, record.old.connectionId, opts)
            .map((e): string[] | undefined => (e.serviceEndpointProjectReferences ?? []).map((r) => r.projectReference.id))
            .orElse((e) => (e.kind === 'NotFound' ? okAsync(undefined) : errAsync(e)))
            .andThen((projectIds) =>
              projectIds?.length
                ? goneIsFine(deleteServiceEndpoint(clients.devops, record.old.connectionId, projectIds, {}, opts))
                : okAsync(undefined),
            )
            .map(() => ({
              patch: { cleanup: { ...cleanup(), oldConnectionDeletedAt: nowIso(run) } },
              message: `old connection "${record.old.name}" deleted`,
            })),
        );
      }
      if (!keep && !cleanup().oldRolesRevokedAt) {
        yield* runStep(run, 'revokeOldRoles', () =>
          safeTry(async function* () {
            for (const role of inventory.roles) yield* goneIsFine(deleteRoleAssignmentById(clients.arm, role.id, opts));
            return ok({
              patch: { cleanup: { ...cleanup(), oldRolesRevokedAt: nowIso(run) } },
              message: `${inventory.roles.length} role assignment(s) of the old service principal revoked`,
            });
          }),
        );
      }
      if (!keep && !cleanup().oldAppDeletedAt) {
        const objectId = inventory.applicationObjectId;
        yield* runStep(run, 'deleteOldApp', () =>
          safeTry(async function* () {
            if (objectId === null)
              return ok({
                patch: { cleanup: { ...cleanup(), oldAppDeletedAt: nowIso(run) } },
                message: `app ${record.old.appId} is not in this tenant: not deleted`,
              });
            const app = await getApplication(clients.graph, { id: objectId }, opts);
            if (app.isOk()) {
              // Only the app this migration inventoried, by object id and client id both.
              if (!same(app.value.appId, record.old.appId))
                return err(state(`Application ${objectId} is no longer app ${record.old.appId}; not deleted.`));
              yield* goneIsFine(deleteApplication(clients.graph, objectId, opts));
            } else if (app.error.kind !== 'NotFound') return err(app.error);
            return ok({
              patch: { cleanup: { ...cleanup(), oldAppDeletedAt: nowIso(run) } },
              message: `old app ${record.old.appId} deleted (with its service principal)`,
            });
          }),
        );
      }
      yield* save(
        run,
        withLog(run, { ...run.record, cleanup: { ...cleanup(), finishedAt: nowIso(run) } }, 'deleteOldApp', 'note', ['migration finished']),
      );
      return ok(run.record);
    }),
  );
}
