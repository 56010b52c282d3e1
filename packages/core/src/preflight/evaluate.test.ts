import { describe, expect, it } from 'vitest';
import { actionMatches, conditionAllows, isActionAllowed, parseDelegationCondition } from './evaluate';

const WRITE = 'Microsoft.Authorization/roleAssignments/write';
const MI_WRITE = 'Microsoft.ManagedIdentity/userAssignedIdentities/write';
const FIC_WRITE = 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write';
const RG_WRITE = 'Microsoft.Resources/subscriptions/resourceGroups/write';

// Actions of built-in roles (learn.microsoft.com built-in-roles/privileged, identity).
const OWNER = [{ actions: ['*'], notActions: [] }];
const CONTRIBUTOR = [
  {
    actions: ['*'],
    notActions: [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
      'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
      'Microsoft.Subscription/cancel/action',
      'Microsoft.Subscription/enable/action',
    ],
  },
];
const USER_ACCESS_ADMIN = [{ actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'], notActions: [] }];
const RBAC_ADMIN = [
  {
    actions: [
      'Microsoft.Authorization/roleAssignments/write',
      'Microsoft.Authorization/roleAssignments/delete',
      '*/read',
      'Microsoft.Support/*',
    ],
    notActions: [],
  },
];
const MI_CONTRIBUTOR = [
  {
    actions: [
      'Microsoft.ManagedIdentity/userAssignedIdentities/read',
      'Microsoft.ManagedIdentity/userAssignedIdentities/write',
      'Microsoft.ManagedIdentity/userAssignedIdentities/delete',
      'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read',
      'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write',
      'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/delete',
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Support/*',
    ],
    notActions: [],
  },
];

describe('isActionAllowed: the worked table of the preflight rule', () => {
  it.each([
    ['Owner', OWNER, [true, true, true, true]],
    ['Contributor', CONTRIBUTOR, [false, true, true, true]],
    ['User Access Administrator', USER_ACCESS_ADMIN, [true, false, false, false]],
    ['Role Based Access Control Administrator', RBAC_ADMIN, [true, false, false, false]],
    ['Managed Identity Contributor', MI_CONTRIBUTOR, [false, true, true, false]],
  ] as const)('%s', (_name, perms, expected) => {
    expect([WRITE, MI_WRITE, FIC_WRITE, RG_WRITE].map((a) => isActionAllowed(perms, a))).toEqual(expected);
  });

  it('ignores case both ways (Contributor writes Write, the action says write)', () => {
    expect(isActionAllowed(CONTRIBUTOR, WRITE.toUpperCase())).toBe(false);
    expect(isActionAllowed([{ actions: ['MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE'] }], WRITE)).toBe(true);
  });

  it('lets * span slashes, and matches a wildcard in the middle', () => {
    expect(actionMatches('*/read', 'Microsoft.Resources/subscriptions/resourceGroups/read')).toBe(true);
    expect(actionMatches('Microsoft.Authorization/*/Write', WRITE)).toBe(true);
    expect(actionMatches('Microsoft.Authorization/roleAssignments/*', WRITE)).toBe(true);
    expect(actionMatches('Microsoft.Authorization/roleAssignments/*', 'Microsoft.Authorization/roleDefinitions/write')).toBe(false);
  });

  it('treats every other character literally (a dot is not any character)', () => {
    expect(actionMatches('Microsoft.Authorization/roleAssignments/write', 'MicrosoftXAuthorization/roleAssignments/write')).toBe(false);
    expect(actionMatches('Microsoft.Authorization/(roleAssignments)/write', WRITE)).toBe(false);
  });

  it('never subtracts notActions across entries (Contributor + RBAC Administrator may assign roles)', () => {
    expect(isActionAllowed([...CONTRIBUTOR, ...RBAC_ADMIN], WRITE)).toBe(true);
  });

  it('subtracts notActions within an entry', () => {
    expect(isActionAllowed([{ actions: ['*'], notActions: [WRITE] }], WRITE)).toBe(false);
    expect(isActionAllowed([{ actions: ['*'], notActions: [WRITE] }], 'Microsoft.Authorization/roleAssignments/delete')).toBe(true);
  });

  it('allows nothing with no entries, or with the empty entry of the official example', () => {
    expect(isActionAllowed([], WRITE)).toBe(false);
    expect(isActionAllowed([{ actions: [], notActions: [] }], WRITE)).toBe(false);
  });
});

describe('parseDelegationCondition', () => {
  // The shape of https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples
  // ("Constrain roles and principal types").
  const CONDITION =
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR " +
    '(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {b24988ac-6180-42a0-ab88-20f7382dd24c, acdd72a7-3385-48ef-bd42-f606fba81ae7} ' +
    "AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 'Group'})) " +
    "AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR " +
    '(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {b24988ac-6180-42a0-ab88-20f7382dd24c}))';

  it('reads the roles and principal types the holder may assign', () => {
    expect(parseDelegationCondition(CONDITION)).toEqual({
      roles: ['b24988ac-6180-42a0-ab88-20f7382dd24c', 'acdd72a7-3385-48ef-bd42-f606fba81ae7'],
      principalTypes: ['user', 'group'],
    });
  });

  it('refuses a service principal when only users and groups may be assigned', () => {
    const c = parseDelegationCondition(CONDITION)!;
    expect(conditionAllows(c, 'b24988ac-6180-42a0-ab88-20f7382dd24c', true)).toBe(false);
    expect(conditionAllows({ ...c, principalTypes: ['serviceprincipal'] }, 'B24988AC-6180-42A0-AB88-20F7382DD24C', true)).toBe(true);
    expect(conditionAllows({ ...c, principalTypes: ['serviceprincipal'] }, '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', true)).toBe(false);
    expect(conditionAllows({ principalIds: ['x'] }, undefined, true)).toBe(false);
    expect(conditionAllows({ principalIds: ['x'] }, undefined, false)).toBe(true);
  });

  it('answers undefined for a condition it cannot read', () => {
    expect(
      parseDelegationCondition("@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'"),
    ).toBeUndefined();
    expect(
      parseDelegationCondition("(!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[x] Foo {1})"),
    ).toBeUndefined();
  });
});
