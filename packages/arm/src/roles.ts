/**
 * Role-definition ids and deterministic role-assignment names. Pure functions.
 */
import { createRequire } from 'node:module';
import { parseScope, type ParsedScope } from './scope';

/**
 * Well-known built-in role names → role-definition GUIDs (global constants, the same in every
 * tenant). Verified against https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/general
 * and https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged, which list each
 * role's `id` as `/providers/Microsoft.Authorization/roleDefinitions/{guid}`.
 */
export const BUILT_IN_ROLES = Object.freeze({
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  'Role Based Access Control Administrator': 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
} as const);

/** A role name of {@link BUILT_IN_ROLES}. */
export type BuiltInRoleName = keyof typeof BUILT_IN_ROLES;

/**
 * GUIDs of the built-in roles that can grant access to others (they hold
 * `Microsoft.Authorization/roleAssignments/write`): Owner, User Access Administrator, Role Based
 * Access Control Administrator.
 */
export const PRIVILEGED_ROLE_IDS: ReadonlySet<string> = new Set([
  BUILT_IN_ROLES.Owner,
  BUILT_IN_ROLES['User Access Administrator'],
  BUILT_IN_ROLES['Role Based Access Control Administrator'],
]);

const ROLE_DEFINITION_ID =
  /(?:^|\/providers\/Microsoft\.Authorization\/roleDefinitions\/)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * The role-definition GUID of any id form, lowercase: the subscription form
 * `/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}`, the tenant form
 * `/providers/Microsoft.Authorization/roleDefinitions/{guid}` (what responses carry), any other
 * scope's form, or a bare GUID. `undefined` for anything else.
 *
 * Compare role definitions with this, never by the whole id (docs/reference/arm.md §1).
 * @example roleDefinitionGuid('/providers/Microsoft.Authorization/roleDefinitions/B24988AC-6180-42A0-AB88-20F7382DD24C') // 'b24988ac-…'
 */
export function roleDefinitionGuid(id: string): string | undefined {
  return ROLE_DEFINITION_ID.exec(id)?.[1]?.toLowerCase();
}

/**
 * The subscription form of a role-definition id, what the docs put in a create request:
 * `/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{guid}`.
 */
export function subscriptionRoleDefinitionId(subscriptionId: string, guid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}

/**
 * The `roleDefinitionId` to send when assigning the role `guid` at `scope`: the subscription form
 * when the scope has a subscription, else (a management group) the tenant form
 * `/providers/Microsoft.Authorization/roleDefinitions/{guid}`.
 *
 * The docs (https://learn.microsoft.com/azure/role-based-access-control/role-assignments-rest, "Assign an Azure role") write the body's id as
 * `/{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}` for every level, management
 * groups included; the tenant form is the one the service returns in every response (docs/reference/arm.md §1)
 * and the one the built-in roles pages give as each role's `id`, so it names the same definition
 * wherever the role is assignable. Not yet verified against a live management group.
 */
export function roleDefinitionIdForScope(scope: ParsedScope, guid: string): string {
  return scope.subscriptionId !== undefined
    ? subscriptionRoleDefinitionId(scope.subscriptionId, guid)
    : `/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}

// The name-space of wif's role-assignment names. Frozen: changing it renames every assignment wif
// ever made, so re-runs would no longer find them.
const ASSIGNMENT_NAMESPACE = Buffer.from('6f1c2b8e-3d4a-5b6c-9d7e-8f9a0b1c2d3e'.replaceAll('-', ''), 'hex');

/**
 * A deterministic role-assignment name (an RFC 4122 version-5 style GUID: SHA-1 over a fixed
 * name-space and the lowercase, normalised `scope|principalId|roleGuid`). The same assignment
 * always gets the same name, so creating it again answers 200/201 instead of a duplicate — the
 * deterministic-name pattern docs/reference/arm.md §1 recommends (Bicep's `guid()`).
 *
 * The scope is normalised with {@link parseScope} (leading slash, canonical segment case), and
 * `roleGuid` may be a GUID or any role-definition id form.
 * @example roleAssignmentName('/subscriptions/…', spObjectId, BUILT_IN_ROLES.Contributor)
 */
export function roleAssignmentName(scope: string, principalId: string, roleGuid: string): string {
  const parsed = parseScope(scope);
  const normalisedScope = parsed.isOk() ? parsed.value.scope : scope.trim();
  const role = roleDefinitionGuid(roleGuid) ?? roleGuid.trim();
  const name = [normalisedScope, principalId.trim(), role].join('|').toLowerCase();
  const hash = sha1(Buffer.concat([ASSIGNMENT_NAMESPACE, Buffer.from(name, 'utf8')]));
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

type NodeCrypto = typeof import('node:crypto');
let crypto: NodeCrypto | undefined;

/** SHA-1 with the one-shot `crypto.hash` (Node >= 21.7): a few µs, where `createHash` took ~20 µs a name. */
function sha1(data: Buffer): Buffer {
  return nodeCrypto().hash('sha1', data, 'buffer');
}

/**
 * `node:crypto` on first use, not at import: the spec's validation imports this module, and loading
 * node:crypto (~10 ms) before a `wif` run's first request delayed it (docs/performance.md); by the
 * time a name is computed, the rest of the SDK has loaded it anyway.
 */
function nodeCrypto(): NodeCrypto {
  if (!crypto) {
    const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    crypto =
      typeof get === 'function'
        ? (get('node:crypto') as NodeCrypto)
        : (createRequire(typeof __filename === 'string' ? __filename : import.meta.url)('node:crypto') as NodeCrypto);
  }
  return crypto;
}
