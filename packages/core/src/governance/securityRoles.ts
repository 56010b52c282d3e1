/**
 * Security roles on a service connection as a resource: read → decide → write, at scope
 * `distributedtask.serviceendpointrole`, resource `{projectId}_{endpointId}`. Assignments the spec
 * names are set; an assigned role the spec does not name (someone added by hand as Administrator) is
 * drift: shown by plan and removed only with prune. Inherited entries are never removed one by one
 * (turn `inheritance` off instead); the identity wif runs as is never removed (it would lock itself out).
 * Reference: learn.microsoft.com/rest/api/azure/devops/securityroles/roleassignments?view=azure-devops-rest-7.1
 */
import {
  type DevOpsClient,
  listSecurityRoleAssignments,
  removeSecurityRoleAssignments,
  SERVICE_ENDPOINT_ROLE_SCOPE,
  type SecurityRoleAssignment,
  serviceEndpointRoleResource,
  setSecurityRoleAssignments,
  setSecurityRoleInheritance,
} from '@wif/devops';
import type { TransportError } from '@wif/http';
import { err, ok, okAsync, ResultAsync } from 'neverthrow';
import type { DevOpsIdentityNotFoundError } from '../governanceErrors';
import type { SecuritySpec } from '../spec/governance';
import type { StepOptions } from '../types';
import { readConnectionData } from '../_internal/connectionData';
import { resolveDevOpsIdentities } from './identities';

export type EndpointRole = 'Administrator' | 'User' | 'Reader';

export type RoleChange =
  | { readonly action: 'set'; readonly identityId: string; readonly name: string; readonly role: EndpointRole; readonly from?: string }
  /** An assigned role the spec does not name. `prune` says whether this run removes it. */
  | { readonly action: 'drift'; readonly identityId: string; readonly name: string; readonly role: string; readonly prune: boolean }
  | { readonly action: 'inheritance'; readonly inherit: boolean };

/** The role each named identity should hold (the highest wins when a name appears twice). */
export function desiredRoles(spec: SecuritySpec, ids: ReadonlyMap<string, string>): Map<string, { name: string; role: EndpointRole }> {
  const out = new Map<string, { name: string; role: EndpointRole }>();
  const put = (names: readonly string[] | undefined, role: EndpointRole): void => {
    for (const n of names ?? []) {
      const id = (ids.get(n) ?? n).toLowerCase();
      if (!out.has(id)) out.set(id, { name: n, role });
    }
  };
  put(spec.administrators, 'Administrator');
  put(spec.users, 'User');
  put(spec.readers, 'Reader');
  return out;
}

/** decide (pure): desired × observed → the changes; drift is removed only when `prune` is set. */
export function decideRoles(
  spec: SecuritySpec,
  want: ReadonlyMap<string, { name: string; role: EndpointRole }>,
  observed: readonly SecurityRoleAssignment[],
  options: { readonly prune: boolean; readonly callerId?: string | undefined },
): RoleChange[] {
  const changes: RoleChange[] = [];
  const assigned = new Map(observed.filter((a) => a.access !== 'inherited').map((a) => [a.identity.id.toLowerCase(), a]));
  for (const [id, w] of want) {
    const seen = assigned.get(id);
    if (seen?.role.name !== w.role) {
      changes.push({ action: 'set', identityId: id, name: w.name, role: w.role, ...(seen ? { from: seen.role.name } : {}) });
    }
  }
  for (const [id, a] of assigned) {
    if (want.has(id) || id === options.callerId?.toLowerCase()) continue;
    changes.push({ action: 'drift', identityId: id, name: a.identity.displayName ?? id, role: a.role.name, prune: options.prune });
  }
  // The list does not say whether inheritance is on; inherited entries in it show that it is. Turning
  // it back on cannot be observed, so only `false` is reconciled.
  if (spec.inheritance === false && observed.some((a) => a.access === 'inherited')) changes.push({ action: 'inheritance', inherit: false });
  return changes;
}

/** read: the role assignments on the connection (inherited ones included). */
export function readRoles(
  deps: { readonly devops: DevOpsClient },
  projectId: string,
  endpointId: string,
  o: StepOptions = {},
): ResultAsync<SecurityRoleAssignment[], TransportError> {
  return listSecurityRoleAssignments(
    deps.devops,
    SERVICE_ENDPOINT_ROLE_SCOPE,
    serviceEndpointRoleResource(projectId, endpointId),
    o.abortSignal ? { abortSignal: o.abortSignal } : {},
  );
}

/**
 * write: the `set` changes in one PUT (every id must come back: the service silently ignores an id
 * it does not know), pruned drift in one PATCH, then inheritance. Idempotent.
 */
export function writeRoles(
  deps: { readonly devops: DevOpsClient },
  projectId: string,
  endpointId: string,
  changes: readonly RoleChange[],
  o: StepOptions = {},
): ResultAsync<void, TransportError | DevOpsIdentityNotFoundError> {
  const opts = o.abortSignal ? { abortSignal: o.abortSignal } : {};
  const resource = serviceEndpointRoleResource(projectId, endpointId);
  const sets = changes.flatMap((c) => (c.action === 'set' ? [c] : []));
  const removals = changes.flatMap((c) => (c.action === 'drift' && c.prune ? [c.identityId] : []));
  const inheritance = changes.find((c) => c.action === 'inheritance');
  return new ResultAsync(
    (async () => {
      if (sets.length > 0) {
        const answer = await setSecurityRoleAssignments(
          deps.devops,
          SERVICE_ENDPOINT_ROLE_SCOPE,
          resource,
          sets.map((s) => ({ roleName: s.role, userId: s.identityId })),
          opts,
        );
        if (answer.isErr()) return err(answer.error);
        const back = new Set(answer.value.map((a) => a.identity.id.toLowerCase()));
        const ignored = sets.find((s) => !back.has(s.identityId));
        if (ignored) {
          return err<never, DevOpsIdentityNotFoundError>({
            kind: 'DevOpsIdentityNotFound',
            name: ignored.name,
            reason: 'Ignored',
            message: `Azure DevOps ignored the role for "${ignored.name}" (identity ${ignored.identityId}): it does not know that identity id.`,
          });
        }
      }
      if (removals.length > 0) {
        const removed = await removeSecurityRoleAssignments(deps.devops, SERVICE_ENDPOINT_ROLE_SCOPE, resource, removals, opts);
        if (removed.isErr()) return err(removed.error);
      }
      if (inheritance?.action === 'inheritance') {
        const set = await setSecurityRoleInheritance(deps.devops, SERVICE_ENDPOINT_ROLE_SCOPE, resource, inheritance.inherit, opts);
        if (set.isErr()) return err(set.error);
      }
      return ok(undefined);
    })(),
  );
}

/**
 * Converges the security roles of one connection: resolve names → read → decide → write.
 * Returns every change decided (drift included, with whether it was pruned).
 * Permission: Administrator role on the connection (its creator has it). Safe to re-run.
 * @example await ensureSecurityRoles({ devops }, { projectId, endpointId: sc.id, security: { users: ['[Payments]\\Deployers'] }, prune: false })
 */
export function ensureSecurityRoles(
  deps: { readonly devops: DevOpsClient },
  input: {
    readonly projectId: string;
    readonly endpointId: string;
    readonly security: SecuritySpec;
    readonly prune: boolean;
    /** The Azure DevOps identity id wif runs as (never removed); default: read from connectionData. */
    readonly callerId?: string;
  },
  o: StepOptions = {},
): ResultAsync<RoleChange[], TransportError | DevOpsIdentityNotFoundError> {
  const s = input.security;
  const names = [...(s.administrators ?? []), ...(s.users ?? []), ...(s.readers ?? [])];
  // The identity wif runs as (auto-Administrator on connections it creates) must never be pruned.
  const caller =
    input.callerId !== undefined
      ? okAsync<string, TransportError>(input.callerId)
      : readConnectionData(deps.devops, o.abortSignal ? { abortSignal: o.abortSignal } : {}).map((d) => d.authenticatedUser?.id ?? '');
  return caller.andThen((callerId) =>
    resolveDevOpsIdentities(deps, names, o).andThen((ids) =>
      readRoles(deps, input.projectId, input.endpointId, o).andThen((observed) => {
        const changes = decideRoles(s, desiredRoles(s, ids), observed, { prune: input.prune, callerId });
        return writeRoles(deps, input.projectId, input.endpointId, changes, o).map(() => changes);
      }),
    ),
  );
}
