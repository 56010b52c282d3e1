/**
 * The role-assignment part of a connection's plan, shared by the app and the managed-identity
 * kinds: each wanted assignment decided by `decideRoleAssignment`, then those the principal holds
 * that the spec does not name (shown as `delete`: removed only by sync with prune). @internal
 */
import { parseScope, roleAssignmentName } from '@wif/arm';
import type { OperationOptions } from '@wif/http';
import { err, ok, type ResultAsync, safeTry } from 'neverthrow';
import type { WifError } from '../errors';
import { isRefusal, type Refusal } from '../refusals';
import { decideRoleAssignment, resolveRole } from '../steps/grantRole';
import type { RoleGrantSpec } from '../spec/schema';
import { assignmentLabel, isWanted, listPrincipalAssignments, type WantedRole } from './_roles';
import type { FieldChange, PlanAction, PlannedResource } from './types';

/** A planned resource. */
export const plannedResource = (
  kind: PlannedResource['kind'],
  action: PlanAction,
  name: string,
  extra: { id?: string | undefined; changes?: readonly FieldChange[]; note?: string } = {},
): PlannedResource => ({
  kind,
  action,
  name,
  changes: extra.changes ?? [],
  ...(extra.id !== undefined ? { id: extra.id } : {}),
  ...(extra.note !== undefined ? { note: extra.note } : {}),
});

/** The roles' plan; `invalidScope` when a scope does not parse (the spec check refused it already). */
export interface PlannedRoles {
  readonly resources: PlannedResource[];
  readonly refusals: Refusal[];
  readonly invalidScope: boolean;
}

/**
 * Plans `roles` for `principalId` (undefined while the principal does not exist). `alsoWanted` are
 * roles other connections on the same principal hold (a managed identity shared by several
 * connections): not shown, and never taken for extras.
 */
export function planRoles(
  arm: Parameters<typeof resolveRole>[0],
  roles: readonly RoleGrantSpec[],
  principalId: string | undefined,
  o: OperationOptions,
  alsoWanted: readonly RoleGrantSpec[] = [],
  extrasAt: readonly string[] | null = roles.map((r) => r.scope),
): ResultAsync<PlannedRoles, WifError> {
  return safeTry(async function* () {
    const out: PlannedResource[] = [];
    const refusals: Refusal[] = [];
    const existing = principalId
      ? yield* await listPrincipalAssignments(arm, [...roles.map((r) => r.scope), ...(extrasAt ?? [])], principalId, o)
      : [];
    const wanted: WantedRole[] = [];
    for (const r of roles) {
      const scope = parseScope(r.scope);
      if (scope.isErr()) return ok({ resources: out, refusals, invalidScope: true });
      const resolved = await resolveRole(arm, r.role, scope.value.scope, o);
      if (resolved.isErr()) {
        if (!isRefusal(resolved.error)) return err(resolved.error);
        refusals.push(resolved.error);
        continue;
      }
      const { guid, roleName } = resolved.value;
      const normalized = scope.value.scope;
      wanted.push({ scope: normalized, guid });
      const hit = existing.find((a) => isWanted(a, [{ scope: normalized, guid }]));
      const decided = decideRoleAssignment({ guid, roleName, scope: scope.value, allowPrivileged: r.allowPrivileged }, hit);
      if (decided.isErr()) {
        refusals.push(decided.error);
        continue;
      }
      const id =
        hit?.id ??
        (principalId
          ? `${normalized}/providers/Microsoft.Authorization/roleAssignments/${roleAssignmentName(normalized, principalId, guid)}`
          : undefined);
      out.push(plannedResource('roleAssignment', decided.value, `${roleName} @ ${normalized}`, { id }));
    }
    for (const r of alsoWanted) {
      const scope = parseScope(r.scope);
      if (scope.isErr()) continue;
      const resolved = await resolveRole(arm, r.role, scope.value.scope, o);
      if (resolved.isOk()) wanted.push({ scope: scope.value.scope, guid: resolved.value.guid });
    }
    // Extras of a principal several connections share are planned under one of them (`extrasAt`
    // null for the others), the one whose apply reports or prunes them.
    for (const a of extrasAt === null ? [] : existing.filter((x) => !isWanted(x, wanted))) {
      out.push(
        plannedResource('roleAssignment', 'delete', assignmentLabel(a), {
          id: a.id,
          note: 'not in the spec: removed only by sync with prune',
        }),
      );
    }
    return ok({ resources: out, refusals, invalidScope: false });
  });
}
