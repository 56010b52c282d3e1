import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_ROLES,
  PRIVILEGED_ROLE_IDS,
  roleAssignmentName,
  roleDefinitionGuid,
  roleDefinitionIdForScope,
  subscriptionRoleDefinitionId,
} from './roles';
import { parseScope } from './scope';

const SUB = 'a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
const SCOPE = `/subscriptions/${SUB}/resourceGroups/testrg`;
const SP = '3f1a0c2e-8b7d-4e5f-9a6b-1c2d3e4f5a6b';
const CONTRIBUTOR = BUILT_IN_ROLES.Contributor;
const V5_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('roleAssignmentName', () => {
  it('is a version-5 style GUID', () => {
    expect(roleAssignmentName(SCOPE, SP, CONTRIBUTOR)).toMatch(V5_GUID);
  });

  it('stays the name earlier versions computed, so that a re-run finds the assignment it made', () => {
    // Pinned from 7606120 (createHash); the name is what apply reads and writes by.
    expect(roleAssignmentName(SCOPE, SP, CONTRIBUTOR)).toBe('fdb19771-641e-5525-af9f-868cefff97ef');
  });

  it('is deterministic', () => {
    expect(roleAssignmentName(SCOPE, SP, CONTRIBUTOR)).toBe(roleAssignmentName(SCOPE, SP, CONTRIBUTOR));
  });

  it('ignores case, the leading slash and ARM segment casing in the scope, and case in the ids', () => {
    const name = roleAssignmentName(SCOPE, SP, CONTRIBUTOR);
    expect(
      roleAssignmentName(`subscriptions/${SUB.toUpperCase()}/resourcegroups/TESTRG`, SP.toUpperCase(), CONTRIBUTOR.toUpperCase()),
    ).toBe(name);
  });

  it('accepts the role as any role-definition id form', () => {
    const name = roleAssignmentName(SCOPE, SP, CONTRIBUTOR);
    expect(roleAssignmentName(SCOPE, SP, subscriptionRoleDefinitionId(SUB, CONTRIBUTOR))).toBe(name);
    expect(roleAssignmentName(SCOPE, SP, `/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR}`)).toBe(name);
  });

  it('differs when any of scope, principal or role differs', () => {
    const names = new Set([
      roleAssignmentName(SCOPE, SP, CONTRIBUTOR),
      roleAssignmentName(`/subscriptions/${SUB}`, SP, CONTRIBUTOR),
      roleAssignmentName(`${SCOPE}2`, SP, CONTRIBUTOR),
      roleAssignmentName(SCOPE, 'ce2ce14e-85d7-4629-bdbc-454d0519d987', CONTRIBUTOR),
      roleAssignmentName(SCOPE, SP, BUILT_IN_ROLES.Reader),
    ]);
    expect(names.size).toBe(5);
  });

  it('does not let one field bleed into the next', () => {
    // Without a separator these two triples would hash the same text.
    expect(roleAssignmentName('/subscriptions/a', 'bc', CONTRIBUTOR)).not.toBe(roleAssignmentName('/subscriptions/ab', 'c', CONTRIBUTOR));
  });
});

describe('roleDefinitionGuid', () => {
  it.each([
    ['subscription form', subscriptionRoleDefinitionId(SUB, CONTRIBUTOR), CONTRIBUTOR],
    ['tenant form (responses)', `/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR}`, CONTRIBUTOR],
    [
      'management group form',
      `/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR}`,
      CONTRIBUTOR,
    ],
    [
      'other casing, uppercase GUID',
      `/SUBSCRIPTIONS/${SUB}/providers/microsoft.authorization/roledefinitions/${CONTRIBUTOR.toUpperCase()}`,
      CONTRIBUTOR,
    ],
    ['bare GUID', CONTRIBUTOR.toUpperCase(), CONTRIBUTOR],
  ])('%s', (_label, id, expected) => {
    expect(roleDefinitionGuid(id)).toBe(expected);
  });

  it.each([
    ['a role assignment id', `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/${CONTRIBUTOR}`],
    ['a role name', 'Contributor'],
    ['a truncated GUID', `/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR.slice(0, -1)}`],
    ['a trailing slash', `/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR}/`],
    ['the example placeholder', '/subscriptions/subID/providers/Microsoft.Authorization/roleDefinitions/roleDefinitionId'],
  ])('is undefined for %s', (_label, id) => {
    expect(roleDefinitionGuid(id)).toBeUndefined();
  });
});

describe('role-definition ids for a request', () => {
  it('uses the subscription form wherever the scope has a subscription', () => {
    const scope = parseScope(`${SCOPE}/providers/Microsoft.Web/sites/web1`)._unsafeUnwrap();
    expect(roleDefinitionIdForScope(scope, CONTRIBUTOR)).toBe(
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR}`,
    );
  });

  it('uses the tenant form at a management group', () => {
    const scope = parseScope('/providers/Microsoft.Management/managementGroups/mg1')._unsafeUnwrap();
    expect(roleDefinitionIdForScope(scope, CONTRIBUTOR)).toBe(`/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR}`);
  });
});

describe('built-in roles', () => {
  it('holds lowercase GUIDs, one per role', () => {
    const ids = Object.values(BUILT_IN_ROLES);
    for (const id of ids) expect(roleDefinitionGuid(id)).toBe(id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('marks exactly the roles that can grant access as privileged', () => {
    expect([...PRIVILEGED_ROLE_IDS].sort()).toEqual(
      [BUILT_IN_ROLES.Owner, BUILT_IN_ROLES['User Access Administrator'], BUILT_IN_ROLES['Role Based Access Control Administrator']].sort(),
    );
    expect(PRIVILEGED_ROLE_IDS.has(BUILT_IN_ROLES.Contributor)).toBe(false);
    expect(PRIVILEGED_ROLE_IDS.has(BUILT_IN_ROLES.Reader)).toBe(false);
  });
});
