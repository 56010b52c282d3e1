import {
  type ArmClient,
  BUILT_IN_ROLES,
  createRoleAssignment,
  getRoleAssignment,
  listRoleAssignments,
  listRoleDefinitions,
  type ParsedScope,
  parseScope,
  type RoleAssignment,
  roleAssignmentName,
  roleDefinitionGuid,
  roleDefinitionIdForScope,
  sameScope,
} from '@wif/arm';
import {
  closestName,
  collect,
  deferred,
  type LimitExceededError,
  type TransportError,
  type ValidationError,
  type OperationOptions,
} from '@wif/http';
import { err, errAsync, ok, okAsync, type Result, type ResultAsync, safeTry } from 'neverthrow';
import * as z from 'zod';
import type { PrivilegedRoleRefusedError, RoleNotFoundError } from '../errors';
import { refusePrivileged } from '../_internal/privileged';
import { type ReplicationRetryOptions, retryThroughReplication } from '../_internal/replication';
import type { Converged, StepOptions } from '../types';
import { guidSchema, isGuid, roleNameSchema, scopeSchema, validated } from '../validation';

export interface GrantRoleInput {
  /** Where: `/subscriptions/{id}/resourceGroups/{rg}` and so on; the smallest scope the work needs. */
  readonly scope: string;
  /** A role name (`Contributor`, `Reader`, a custom role's name) or a role-definition GUID. */
  readonly role: string;
  /** The service principal's object id (not the app id). */
  readonly principalId: string;
  /** Stored on the assignment, e.g. which connection it serves. */
  readonly description?: string;
  /**
   * Allow Owner, User Access Administrator or Role Based Access Control Administrator at
   * subscription or management-group scope. Off by default: those roles can grant themselves more.
   */
  readonly allowPrivileged?: boolean;
}

export interface GrantRoleOptions extends StepOptions {
  /** Backoff while ARM does not yet see a just-created service principal (`PrincipalNotFound`). */
  readonly replication?: ReplicationRetryOptions;
}

/** The assignment as it stands. */
export interface GrantedRole {
  readonly id: string;
  readonly name: string;
  readonly scope: string;
  readonly roleDefinitionId: string;
  readonly roleName: string;
  readonly principalId: string;
}

export type GrantRoleError =
  | ValidationError
  | TransportError
  | LimitExceededError
  | PrivilegedRoleRefusedError
  | RoleNotFoundError
  | { kind: 'Aborted'; message: string };

/** @internal Built on first use (start-up). */
export const grantRoleInputSchema = deferred(() =>
  z.strictObject({
    scope: scopeSchema,
    role: roleNameSchema,
    principalId: guidSchema,
    description: z.string().max(2048).optional(),
    allowPrivileged: z.boolean().optional(),
  }),
);

/** Case-insensitive lookup of a built-in role GUID by name. */
function builtInRoleGuid(name: string): string | undefined {
  const hit = Object.entries(BUILT_IN_ROLES).find(([n]) => n.toLowerCase() === name.toLowerCase());
  return hit?.[1];
}

function roleNameOf(guid: string, fallback: string): string {
  return Object.entries(BUILT_IN_ROLES).find(([, g]) => g === guid)?.[0] ?? fallback;
}

const isPrincipalNotFound = (e: { kind: string; code?: string }): boolean => e.code === 'PrincipalNotFound';

/**
 * Assigns a role to a service principal at a scope, under a deterministic assignment name.
 *
 * Resolves the role (built-in names from a constant table, custom names by `GET
 * {scope}/providers/Microsoft.Authorization/roleDefinitions?$filter=roleName eq '…'`), reads the
 * assignment by its deterministic name (`GET …/roleAssignments/{name}`) and, if absent, creates it
 * with `principalType: ServicePrincipal` (`PUT …/roleAssignments/{name}`, api-version 2022-04-01).
 * `PrincipalNotFound` right after the principal was created is retried with bounded backoff; an
 * existing equivalent assignment under another name (`RoleAssignmentExists`) is `unchanged`.
 *
 * Permission: `Microsoft.Authorization/roleAssignments/write` at the scope (Owner, User Access
 * Administrator, Role Based Access Control Administrator).
 * Safe to re-run. Refuses privileged roles at subscription / management-group scope unless
 * `allowPrivileged`. Errors: `Validation`, `PrivilegedRoleRefused`, `RoleNotFound`, `Forbidden`, `Throttled`, …
 *
 * @example
 * await grantRole({ arm }, { scope: '/subscriptions/…/resourceGroups/rg-app-prod', role: 'Contributor', principalId: sp });
 */
export function grantRole(
  deps: { readonly arm: ArmClient },
  input: GrantRoleInput,
  options: GrantRoleOptions = {},
): ResultAsync<Converged<GrantedRole>, GrantRoleError> {
  return validated(grantRoleInputSchema, input, (v) => grantRoleValidated(deps.arm, v, options, {}));
}

/**
 * {@link grantRole} after validation. `principalIsNew` says the principal was created by this run,
 * so it cannot hold the assignment yet: the read before the write is skipped. @internal
 */
export function grantRoleValidated(
  arm: ArmClient,
  input: z.output<typeof grantRoleInputSchema>,
  options: GrantRoleOptions,
  hints: { principalIsNew?: boolean },
): ResultAsync<Converged<GrantedRole>, GrantRoleError> {
  const parsed = parseScope(input.scope);
  if (parsed.isErr()) return errAsync(parsed.error);
  const scope = parsed.value;
  const { role, principalId, description } = input;
  const { abortSignal } = options;
  const opts: OperationOptions = options;

  return safeTry(async function* () {
    // 1. Resolve the role definition GUID.
    const { guid, roleName } = yield* await resolveRole(arm, role, scope.scope, opts);

    // 2. A refusal needs no read: privileged roles at broad scopes are refused before any request.
    const want = { guid, roleName, scope, allowPrivileged: input.allowPrivileged };
    yield* refusePrivileged(want);

    // 3. Read by the deterministic name (a principal this run created holds nothing yet).
    const name = roleAssignmentName(scope.scope, principalId, guid);
    let existing: RoleAssignment | undefined;
    if (!hints.principalIsNew) {
      const read = await getRoleAssignment(arm, scope.scope, name, opts);
      if (read.isOk()) existing = read.value;
      else if (read.error.kind !== 'NotFound') return err(read.error);
    }

    // 4. Decide, then write only a create.
    const action = yield* decideRoleAssignment(want, existing);
    if (action === 'unchanged' && existing) return ok({ outcome: 'unchanged' as const, value: toGranted(existing, roleName) });

    const created = await retryThroughReplication(
      () =>
        createRoleAssignment(
          arm,
          scope.scope,
          name,
          {
            roleDefinitionId: roleDefinitionIdForScope(scope, guid),
            principalId,
            principalType: 'ServicePrincipal',
            ...(description !== undefined ? { description } : {}),
          },
          opts,
        ),
      isPrincipalNotFound,
      options.replication,
      abortSignal,
    );
    if (created.isOk()) {
      return ok({
        outcome: created.value.created ? ('created' as const) : ('unchanged' as const),
        value: toGranted(created.value.assignment, roleName),
      });
    }
    if (created.error.kind === 'Conflict' && 'code' in created.error && created.error.code === 'RoleAssignmentExists') {
      // The same role for the same principal exists under another name (made by hand or another tool).
      const all = yield* await collect(listRoleAssignments(arm, scope.scope, { principalId }, opts), 5_000);
      const same = all.find(
        (a) => sameScope(a.properties.scope, scope.scope) && roleDefinitionGuid(a.properties.roleDefinitionId) === guid,
      );
      if (same) return ok({ outcome: 'unchanged' as const, value: toGranted(same, roleName) });
    }
    return err(created.error);
  });
}

/**
 * The decision for one role assignment: `unchanged` when the assignment exists, `create` when not,
 * or the `PrivilegedRoleRefused` refusal for Owner, User Access Administrator or Role Based Access
 * Control Administrator at subscription or management-group scope without `allowPrivileged` (they
 * can grant themselves more). Pure; the one place `plan`, `apply` and {@link grantRole} decide it.
 * @internal
 */
export function decideRoleAssignment(
  want: WantedAssignment,
  existing: RoleAssignment | undefined,
): Result<'create' | 'unchanged', PrivilegedRoleRefusedError> {
  return refusePrivileged(want).map(() => (existing ? ('unchanged' as const) : ('create' as const)));
}

export { refusePrivileged };

/** A role assignment as the spec or the step input wants it, its role resolved. @internal */
export interface WantedAssignment {
  readonly guid: string;
  readonly roleName: string;
  readonly scope: Pick<ParsedScope, 'scope' | 'level'>;
  readonly allowPrivileged?: boolean | undefined;
}

/**
 * Resolves a role name or GUID to its definition GUID: a GUID as is, a built-in name from the
 * constant table (no request), anything else by `GET …/roleDefinitions?$filter=roleName eq '…'` at
 * the scope (exact name first, then case-insensitive). @internal
 */
export function resolveRole(
  arm: ArmClient,
  role: string,
  scope: string,
  opts: { abortSignal?: AbortSignal },
): ResultAsync<{ guid: string; roleName: string }, TransportError | LimitExceededError | RoleNotFoundError> {
  if (isGuid(role)) return okAsync({ guid: role.toLowerCase(), roleName: roleNameOf(role.toLowerCase(), role) });
  const builtIn = builtInRoleGuid(role);
  if (builtIn) return okAsync({ guid: builtIn, roleName: roleNameOf(builtIn, role) });
  return collect(listRoleDefinitions(arm, scope, { roleName: role }, opts), 50).andThen((defs) => {
    const exact =
      defs.find((d) => d.properties.roleName === role) ?? defs.find((d) => d.properties.roleName.toLowerCase() === role.toLowerCase());
    if (!exact)
      return suggestRole(arm, role, scope, opts).andThen((suggestion) =>
        errAsync<never, RoleNotFoundError>(roleNotFound(role, scope, suggestion)),
      );
    return okAsync({ guid: roleDefinitionGuid(exact.id) ?? exact.name.toLowerCase(), roleName: exact.properties.roleName });
  });
}

function roleNotFound(role: string, scope: string, suggestion: string | undefined): RoleNotFoundError {
  return {
    kind: 'RoleNotFound',
    role,
    scope,
    ...(suggestion ? { suggestion } : {}),
    message: `No role named "${role}" is assignable at ${scope}.${suggestion ? ` Did you mean "${suggestion}"?` : ''} Check the spelling (role names are exact) or use the role definition GUID.`,
  };
}

/**
 * The role name closest to a misspelt one (case- or edit-distance-close): the built-in roles, and
 * the custom roles assignable at the scope (`$filter=type eq 'CustomRole'`, at most 200; a failure
 * to list them only means no suggestion among them).
 */
function suggestRole(
  arm: ArmClient,
  role: string,
  scope: string,
  opts: { abortSignal?: AbortSignal },
): ResultAsync<string | undefined, never> {
  return collect(listRoleDefinitions(arm, scope, { type: 'CustomRole' }, opts), 200)
    .map((custom) => custom.map((d) => d.properties.roleName))
    .orElse(() => okAsync([] as string[]))
    .map((custom) => closestName(role, [...Object.keys(BUILT_IN_ROLES), ...custom]));
}

function toGranted(a: RoleAssignment, roleName: string): GrantedRole {
  return {
    id: a.id,
    name: a.name,
    scope: a.properties.scope,
    roleDefinitionId: a.properties.roleDefinitionId,
    roleName,
    principalId: a.properties.principalId,
  };
}

export type { RoleAssignment };
