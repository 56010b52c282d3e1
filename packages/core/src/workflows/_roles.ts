/**
 * Role assignments a principal holds around the scopes of a connection, shared by `plan` (to show
 * what `sync --prune` would remove) and the engine (to report or prune them).
 */
import {
  type ArmClient,
  BUILT_IN_ROLES,
  listRoleAssignments,
  parseScope,
  type RoleAssignment,
  roleDefinitionGuid,
  sameScope,
} from '@wif/arm';
import { collect } from '@wif/http';
import { ResultAsync } from 'neverthrow';
import type { WifError } from '../errors';

/** A role the spec names, resolved to its definition GUID. */
export interface WantedRole {
  readonly scope: string;
  readonly guid: string;
}

/** The subscription (or management group) of each scope, once each: where to list from. */
function roots(scopes: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const s of scopes) {
    const p = parseScope(s);
    if (p.isErr()) continue;
    const root = p.value.subscriptionId ? `/subscriptions/${p.value.subscriptionId}` : p.value.scope;
    out.set(root.toLowerCase(), root);
  }
  return [...out.values()];
}

/**
 * Every assignment of `principalId` at, above or below the subscriptions (or management groups) of
 * `scopes`: `GET {root}/providers/Microsoft.Authorization/roleAssignments?$filter=principalId eq '…'`
 * per root, at once, de-duplicated by id.
 */
export function listPrincipalAssignments(
  arm: ArmClient,
  scopes: readonly string[],
  principalId: string,
  opts: { abortSignal?: AbortSignal },
): ResultAsync<RoleAssignment[], WifError> {
  return ResultAsync.combine(roots(scopes).map((root) => collect(listRoleAssignments(arm, root, { principalId }, opts), 5_000))).map(
    (lists) => {
      const byId = new Map<string, RoleAssignment>();
      for (const a of lists.flat()) {
        if (a.properties.principalId.toLowerCase() === principalId.toLowerCase()) byId.set(a.id.toLowerCase(), a);
      }
      return [...byId.values()];
    },
  );
}

/** Whether an assignment is one the spec names (same scope, same role definition). */
export function isWanted(a: RoleAssignment, wanted: readonly WantedRole[]): boolean {
  const guid = roleDefinitionGuid(a.properties.roleDefinitionId);
  return wanted.some((w) => w.guid === guid && sameScope(w.scope, a.properties.scope));
}

/** The name of a built-in role (Owner, Contributor, …) by its definition GUID; `undefined` for any other. */
export function builtInRoleName(guid: string): string | undefined {
  return Object.entries(BUILT_IN_ROLES).find(([, g]) => g === guid.toLowerCase())?.[0];
}

/** A readable name for an assignment: `{built-in role name, else role GUID} @ {scope}`. */
export function assignmentLabel(a: RoleAssignment): string {
  const guid = roleDefinitionGuid(a.properties.roleDefinitionId);
  // A built-in role by its name (no request); a custom role by its definition GUID.
  const builtIn = guid ? builtInRoleName(guid) : undefined;
  return `${builtIn ?? guid ?? a.properties.roleDefinitionId} @ ${a.properties.scope}`;
}
