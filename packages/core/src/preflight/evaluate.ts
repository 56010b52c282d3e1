/**
 * The pure part of the preflight: how an ARM action is evaluated against the caller's effective
 * permissions, and what a delegation condition on a role assignment allows.
 *
 * The rule (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-manager-api-authentication,
 * "Check if user can assign access to subscription"; https://learn.microsoft.com/azure/role-based-access-control/role-definitions):
 * an action is allowed when it matches the `actions` of some entry and not the `notActions` **of that
 * same entry**. `*` matches any characters, `/` included; matching ignores case. `notActions` is not
 * a deny: it never subtracts from another entry (a Contributor entry does not cancel an RBAC
 * Administrator entry).
 */

/** One entry of the permissions API (one role grant): the fields the rule reads. */
export interface PermissionEntry {
  readonly actions?: readonly string[] | undefined;
  readonly notActions?: readonly string[] | undefined;
}

const cache = new Map<string, RegExp>();

/** Whether the action pattern `pattern` (with `*` wildcards) matches `action`, ignoring case. */
export function actionMatches(pattern: string, action: string): boolean {
  let rx = cache.get(pattern);
  if (rx === undefined) {
    const literal = (part: string): string => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&');
    rx = new RegExp(`^${pattern.split('*').map(literal).join('.*')}$`, 'i');
    if (cache.size < 1_000) cache.set(pattern, rx);
  }
  return rx.test(action);
}

/** Whether `action` is allowed by `permissions` (the documented per-entry rule above). */
export function isActionAllowed(permissions: readonly PermissionEntry[], action: string): boolean {
  return permissions.some(
    (p) => (p.actions ?? []).some((a) => actionMatches(a, action)) && !(p.notActions ?? []).some((n) => actionMatches(n, action)),
  );
}

/** The entries that allow `action` (for evidence: which grant gives it). */
export function entriesAllowing(permissions: readonly PermissionEntry[], action: string): PermissionEntry[] {
  return permissions.filter(
    (p) => (p.actions ?? []).some((a) => actionMatches(a, action)) && !(p.notActions ?? []).some((n) => actionMatches(n, action)),
  );
}

/**
 * What a delegation condition on a role assignment lets its holder assign, read from the documented
 * shapes (https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples):
 * the role definition ids after `@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]`,
 * the principal types after `…:PrincipalType`, and principal ids after `…:PrincipalId`.
 * `undefined` when the condition does not constrain `roleAssignments/write` in a shape read here.
 */
export interface DelegationCondition {
  /** Role definition GUIDs (lower case) the holder may assign; `undefined` = not constrained. */
  readonly roles?: readonly string[];
  /** Principal types the holder may assign to; `undefined` = not constrained. */
  readonly principalTypes?: readonly string[];
  /** Principal ids the holder may assign to; `undefined` = not constrained. */
  readonly principalIds?: readonly string[];
}

const GUID_LIST = /\{([^}]*)\}/;
const attribute = (name: string): RegExp =>
  new RegExp(
    `@Request\\[Microsoft\\.Authorization/roleAssignments:${name}\\]\\s+ForAnyOfAnyValues:(?:GuidEquals|StringEqualsIgnoreCase)\\s*(\\{[^}]*\\})`,
    'i',
  );

/** Parses a delegation condition; `undefined` when it is not one this function can read. */
export function parseDelegationCondition(condition: string): DelegationCondition | undefined {
  if (!/ActionMatches\{'Microsoft\.Authorization\/roleAssignments\/write'\}/i.test(condition)) return undefined;
  const list = (name: string): string[] | undefined => {
    const m = attribute(name).exec(condition);
    const inner = m?.[1] !== undefined ? GUID_LIST.exec(m[1])?.[1] : undefined;
    return inner === undefined
      ? undefined
      : inner
          .split(',')
          .map((s) => s.trim().replace(/^'|'$/g, ''))
          .filter(Boolean)
          .map((s) => s.toLowerCase());
  };
  const roles = list('RoleDefinitionId');
  const principalTypes = list('PrincipalType');
  const principalIds = list('PrincipalId');
  if (roles === undefined && principalTypes === undefined && principalIds === undefined) return undefined;
  return {
    ...(roles !== undefined ? { roles } : {}),
    ...(principalTypes !== undefined ? { principalTypes } : {}),
    ...(principalIds !== undefined ? { principalIds } : {}),
  };
}

/**
 * Whether a parsed delegation condition lets its holder assign `roleGuid` to a new service principal
 * (wif always sends `principalType: ServicePrincipal`; a principal created by this run cannot be in a
 * `PrincipalId` list).
 */
export function conditionAllows(condition: DelegationCondition, roleGuid: string | undefined, principalIsNew: boolean): boolean {
  if (condition.roles !== undefined && (roleGuid === undefined || !condition.roles.includes(roleGuid.toLowerCase()))) return false;
  if (condition.principalTypes !== undefined && !condition.principalTypes.includes('serviceprincipal')) return false;
  if (condition.principalIds !== undefined && principalIsNew) return false;
  return true;
}
