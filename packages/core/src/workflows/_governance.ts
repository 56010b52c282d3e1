/**
 * Checks (approvals, branch control, business hours, exclusive lock) and security roles of a
 * connection, as resources of plan / apply / sync / prune / rollback. Each is the read → decide →
 * write of `governance/checks.ts` and `governance/securityRoles.ts`: `plan` reads and decides here
 * (`planGovernance`), the engine reads, decides and writes with the same functions
 * (`governanceBranch`), so what plan shows is what apply does. A connection whose spec names
 * neither sends no request of these. @internal
 */
import { type CheckConfiguration, type DevOpsClient, type SecurityRoleAssignment } from '@wif/devops';
import type { OperationOptions } from '@wif/http';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { WifError } from '../errors';
import { readConnectionData } from '../_internal/connectionData';
import {
  type CheckChange,
  checkFields,
  type CheckFieldChange,
  convergeChecks,
  decideChecks,
  desiredChecks,
  readChecks,
} from '../governance/checks';
import { resolveDevOpsIdentities } from '../governance/identities';
import { decideRoles, desiredRoles, readRoles, type RoleChange, writeRoles } from '../governance/securityRoles';
import type { Refusal } from '../refusals';
import type { ManualConnection } from '../steps/createManualConnection';
import type { DesiredConnection } from '../spec/load';
import type { ChecksSpec, SecuritySpec } from '../spec/governance';
import type { Outcome } from '../types';
import { driftOf, type EngineOptions, type Run, stepOptions } from './_run';
import type { WifClients } from './clients';
import type { AppliedOutcome, DriftKind, FieldChange, PlannedResource } from './types';

/** Whether a connection has governance the engine converges. */
export const hasGovernance = (c: Pick<DesiredConnection, 'checks' | 'security'>): boolean =>
  c.checks !== undefined || c.security !== undefined;

/** Every name a spec connection's checks and roles refer to. */
function namesOf(c: Pick<DesiredConnection, 'checks' | 'security'>): string[] {
  const s = c.security ?? {};
  return [...(c.checks?.approvals?.approvers ?? []), ...(s.administrators ?? []), ...(s.users ?? []), ...(s.readers ?? [])];
}

// The identity wif runs as in Azure DevOps: the automatic Administrator of a connection it creates,
// never drift. Read once per set of clients (the caller does not change under one credential).
const callerId = (devops: DevOpsClient, o: OperationOptions): ResultAsync<string, WifError> =>
  readConnectionData(devops, o).map((d) => d.authenticatedUser?.id ?? '');

/** A name for each identity id the spec named (approvers are shown by name in the plan). */
const namesById = (ids: ReadonlyMap<string, string>): Map<string, string> =>
  new Map([...ids].map(([name, id]) => [id.toLowerCase(), name]));

/** A check field as plan shows it: approver ids as the names the spec gave them, `''` as nothing. */
function showField(field: string, value: string | undefined, names: ReadonlyMap<string, string>): string | null {
  if (value === undefined || value === '') return null;
  if (field !== 'approvers') return value;
  return value
    .split(',')
    .map((id) => names.get(id.toLowerCase()) ?? id)
    .sort()
    .join(',');
}

const fieldChanges = (fields: readonly CheckFieldChange[], names: ReadonlyMap<string, string>): FieldChange[] =>
  fields.map((f) => ({ field: f.field, from: showField(f.field, f.from, names), to: showField(f.field, f.to, names) }));

/** The plan's resource for one check decision. */
function plannedCheck(change: CheckChange, names: ReadonlyMap<string, string>): PlannedResource {
  switch (change.action) {
    case 'create':
      return {
        kind: 'check',
        action: 'create',
        name: change.kind,
        changes: Object.entries(checkFields(change.body)).map(([field, to]) => ({ field, from: null, to: showField(field, to, names) })),
      };
    case 'update':
      return { kind: 'check', action: 'update', name: change.kind, id: String(change.id), changes: fieldChanges(change.fields, names) };
    case 'unchanged':
      return { kind: 'check', action: 'unchanged', name: change.kind, id: String(change.id), changes: [] };
  }
}

const ROLE_DELETE_NOTE = 'not in the spec: removed only by sync with prune';

/** The plan's resource for one role decision. */
function plannedRole(change: RoleChange): PlannedResource {
  switch (change.action) {
    case 'set':
      return {
        kind: 'securityRole',
        action: change.from === undefined ? 'create' : 'update',
        name: change.name,
        id: change.identityId,
        changes: [{ field: 'role', from: change.from ?? null, to: change.role }],
      };
    case 'drift':
      return {
        kind: 'securityRole',
        action: 'delete',
        name: change.name,
        id: change.identityId,
        changes: [{ field: 'role', from: change.role, to: null }],
        note: ROLE_DELETE_NOTE,
      };
    case 'inheritance':
      return {
        kind: 'securityRole',
        action: 'update',
        name: 'inheritance',
        changes: [{ field: 'inheritance', from: String(!change.inherit), to: String(change.inherit) }],
      };
  }
}

/** The unchanged role holders the spec names (plan lists them, so a later change shows as stale). */
function unchangedRoles(
  want: ReturnType<typeof desiredRoles>,
  changes: readonly RoleChange[],
  observed: readonly SecurityRoleAssignment[],
): PlannedResource[] {
  const changed = new Set(changes.flatMap((c) => (c.action === 'set' ? [c.identityId] : [])));
  return [...want]
    .filter(([id]) => !changed.has(id) && observed.some((a) => a.identity.id.toLowerCase() === id))
    .map(([id, w]) => ({ kind: 'securityRole' as const, action: 'unchanged' as const, name: w.name, id, changes: [] }));
}

/** On a connection this run creates, inheritance is on (the service's default): turning it off is a change. */
function withFreshInheritance(security: SecuritySpec, changes: RoleChange[]): RoleChange[] {
  return security.inheritance === false && !changes.some((c) => c.action === 'inheritance')
    ? [...changes, { action: 'inheritance', inherit: false }]
    : changes;
}

/**
 * plan: resolves the names the connection's checks and roles use, reads its checks and role
 * assignments (when it exists) and decides with `decideChecks` / `decideRoles`. A name Azure DevOps
 * does not know is a `DevOpsIdentityNotFound` refusal (apply then writes nothing for the connection).
 * Calls `GET _apis/identities` per distinct name, `GET pipelines/checks/configurations?$expand=settings`,
 * `GET securityroles/…/roleassignments` and, once per client, `GET connectionData`.
 */
export function planGovernance(
  clients: WifClients,
  c: DesiredConnection,
  projectId: string,
  connection: { readonly id: string } | undefined,
  o: OperationOptions,
): ResultAsync<{ resources: PlannedResource[]; refusals: Refusal[] }, WifError> {
  if (!hasGovernance(c)) return okAsync({ resources: [], refusals: [] });
  return resolveDevOpsIdentities(clients, namesOf(c), o)
    .map((ids) => ({ ids, refusal: undefined as Refusal | undefined }))
    .orElse((e) =>
      e.kind === 'DevOpsIdentityNotFound'
        ? okAsync({ ids: new Map<string, string>() as ReadonlyMap<string, string>, refusal: e as Refusal })
        : errAsync<never, WifError>(e),
    )
    .andThen(({ ids, refusal }) => {
      if (refusal) return okAsync({ resources: [], refusals: [refusal] });
      const names = namesById(ids);
      const checks: ResultAsync<PlannedResource[], WifError> = c.checks
        ? (connection ? readChecks(clients, projectId, connection.id, o) : okAsync<CheckConfiguration[], WifError>([])).map((seen) =>
            decideChecks(desiredChecks(c.checks as ChecksSpec, connection?.id ?? '', ids), seen).map((d) => plannedCheck(d, names)),
          )
        : okAsync([]);
      const security = c.security;
      const roles: ResultAsync<PlannedResource[], WifError> = security
        ? connection
          ? ResultAsync.combine([callerId(clients.devops, o), readRoles(clients, projectId, connection.id, o)] as const).map(
              ([caller, seen]) => {
                const want = desiredRoles(security, ids);
                const changes = decideRoles(security, want, seen, { prune: false, callerId: caller });
                return [...unchangedRoles(want, changes, seen), ...changes.map(plannedRole)];
              },
            )
          : okAsync(
              withFreshInheritance(security, decideRoles(security, desiredRoles(security, ids), [], { prune: false })).map(plannedRole),
            )
        : okAsync([]);
      return ResultAsync.combine([checks, roles] as const).map(([a, b]) => ({ resources: [...a, ...b], refusals: [] }));
    });
}

const roleOutcome = (change: RoleChange): { outcome: AppliedOutcome; drift?: DriftKind } => {
  switch (change.action) {
    case 'set':
      return change.from === undefined ? { outcome: 'created', drift: 'missing' } : { outcome: 'updated', drift: 'altered' };
    case 'drift':
      return { outcome: change.prune ? 'deleted' : 'reported', drift: 'extra' };
    case 'inheritance':
      return { outcome: 'updated', drift: 'altered' };
  }
};

/**
 * apply: resolves the names once, then converges the checks (`convergeChecks`, the body of
 * `ensureChecks`: read → decide → write, one check per kind, serialised per connection) and the security roles (resolve → read → `decideRoles` → `writeRoles`;
 * role holders the spec does not name are reported, removed only with sync's prune) of a
 * connection, and records each resource. A check this run created is recorded for rollback.
 */
export function governanceBranch(
  run: Run,
  clients: WifClients,
  c: DesiredConnection,
  connection: ManualConnection,
  fresh: boolean,
  options: EngineOptions,
): ResultAsync<void, WifError> {
  if (!hasGovernance(c)) return okAsync(undefined);
  const so = stepOptions(options);
  const checksSpec = c.checks;
  const security = c.security;
  // The names of both are resolved once, for the checks and the roles.
  return run
    .timed('resolveDevOpsIdentities', () => resolveDevOpsIdentities(clients, namesOf(c), so))
    .andThen((ids) => {
      const names = namesById(ids);
      const checks: ResultAsync<void, WifError> = checksSpec
        ? run
            .timed('ensureChecks', () =>
              convergeChecks(clients, { project: connection.projectId, endpointId: connection.id, checks: checksSpec }, ids, so),
            )
            .map((done) => {
              for (const d of done) {
                const outcome: Outcome = d.outcome;
                run.record(
                  {
                    kind: 'check',
                    name: d.kind,
                    id: String(d.id),
                    outcome,
                    ...driftOf(outcome),
                    ...(d.fields.length > 0 ? { changes: fieldChanges(d.fields, names) } : {}),
                  },
                  {
                    kind: 'check',
                    id: String(d.id),
                    name: d.kind,
                    projectId: connection.projectId,
                    organizationUrl: clients.devops.transport.baseUrl,
                  },
                );
              }
            })
        : okAsync(undefined);
      const roles: ResultAsync<void, WifError> = security
        ? run.timed('ensureSecurityRoles', () =>
            ResultAsync.combine([
              callerId(clients.devops, so),
              readRoles(clients, connection.projectId, connection.id, so),
            ] as const).andThen(([caller, seen]) => {
              const want = desiredRoles(security, ids);
              const decided = decideRoles(security, want, seen, {
                prune: options.pruneExtras === true,
                callerId: caller,
              });
              const changes = fresh ? withFreshInheritance(security, decided) : decided;
              return writeRoles(clients, connection.projectId, connection.id, changes, so).map(() => {
                // The holders already as the spec wants them, as the plan lists them (unchanged), first.
                for (const u of unchangedRoles(want, changes, seen))
                  run.record({ kind: 'securityRole', name: u.name, id: u.id ?? connection.id, outcome: 'unchanged', changes: [] });
                for (const change of changes) {
                  const p = plannedRole(change);
                  const { outcome, drift } = roleOutcome(change);
                  run.record({
                    kind: 'securityRole',
                    name: p.name,
                    id: p.id ?? connection.id,
                    outcome,
                    ...(drift ? { drift } : {}),
                    changes: p.changes,
                  });
                }
              });
            }),
          )
        : okAsync(undefined);
      return ResultAsync.combine([checks, roles] as const).map(() => undefined);
    });
}
