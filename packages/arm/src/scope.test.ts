import { describe, expect, it } from 'vitest';
import { parseScope, sameScope, scopeContains } from './scope';

const SUB = 'a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
const SUB_SCOPE = `/subscriptions/${SUB}`;
const RG_SCOPE = `${SUB_SCOPE}/resourceGroups/testrg`;
const RESOURCE_SCOPE = `${RG_SCOPE}/providers/Microsoft.DocumentDb/databaseAccounts/test-db-account`;
const MG_SCOPE = '/providers/Microsoft.Management/managementGroups/mg-platform';

describe('parseScope accepts the four levels and normalises them', () => {
  it.each([
    ['management group', MG_SCOPE, { level: 'managementGroup', scope: MG_SCOPE, managementGroupId: 'mg-platform' }],
    [
      'management group, no leading slash, other case',
      'PROVIDERS/microsoft.management/MANAGEMENTGROUPS/Contoso(EU).1',
      {
        level: 'managementGroup',
        scope: '/providers/Microsoft.Management/managementGroups/Contoso(EU).1',
        managementGroupId: 'Contoso(EU).1',
      },
    ],
    ['subscription', SUB_SCOPE, { level: 'subscription', scope: SUB_SCOPE, subscriptionId: SUB }],
    ['subscription as in the spec examples', `subscriptions/${SUB}`, { level: 'subscription', scope: SUB_SCOPE }],
    ['subscription with one trailing slash', `${SUB_SCOPE}/`, { level: 'subscription', scope: SUB_SCOPE }],
    ['resource group', RG_SCOPE, { level: 'resourceGroup', scope: RG_SCOPE, subscriptionId: SUB, resourceGroupName: 'testrg' }],
    ['resource group, ARM lowercase segment', `${SUB_SCOPE}/resourcegroups/testrg`, { level: 'resourceGroup', scope: RG_SCOPE }],
    [
      'resource group with every allowed character',
      `${SUB_SCOPE}/resourceGroups/rg_(a).b-c`,
      { level: 'resourceGroup', resourceGroupName: 'rg_(a).b-c' },
    ],
    ['resource group with a Unicode letter', `${SUB_SCOPE}/resourceGroups/grüppe`, { level: 'resourceGroup', resourceGroupName: 'grüppe' }],
    ['resource group of 90 characters', `${SUB_SCOPE}/resourceGroups/${'r'.repeat(90)}`, { level: 'resourceGroup' }],
    [
      'resource',
      RESOURCE_SCOPE,
      {
        level: 'resource',
        scope: RESOURCE_SCOPE,
        subscriptionId: SUB,
        resourceGroupName: 'testrg',
        resourceProvider: 'Microsoft.DocumentDb',
        resourceType: 'databaseAccounts',
        resourceName: 'test-db-account',
      },
    ],
    [
      'nested resource, lowercase fixed segments',
      `subscriptions/${SUB}/resourcegroups/rg1/PROVIDERS/microsoft.web/sites/web1/slots/staging`,
      {
        level: 'resource',
        scope: `${SUB_SCOPE}/resourceGroups/rg1/providers/microsoft.web/sites/web1/slots/staging`,
        resourceProvider: 'microsoft.web',
        resourceType: 'sites/slots',
        resourceName: 'web1/staging',
      },
    ],
  ])('%s', (_label, input, expected) => {
    expect(parseScope(input)._unsafeUnwrap()).toMatchObject(expected);
  });
});

describe('parseScope rejects anything else, naming the problem', () => {
  it.each([
    ['empty', '', /empty/],
    ['root scope', '/', /empty segment/],
    ['leading space', ` ${SUB_SCOPE}`, /whitespace/],
    ['trailing newline', `${SUB_SCOPE}\n`, /whitespace/],
    ['space inside', `${SUB_SCOPE}/resourceGroups/my rg`, /whitespace/],
    ['double slash', `/subscriptions//${SUB}`, /empty segment/],
    ['two leading slashes', `//subscriptions/${SUB}`, /empty segment/],
    ['two trailing slashes', `${SUB_SCOPE}//`, /empty segment/],
    ['subscription not a GUID', '/subscriptions/my-subscription', /must be a GUID/],
    ['subscription GUID without dashes', `/subscriptions/${SUB.replaceAll('-', '')}`, /must be a GUID/],
    ['subscriptions without an id', '/subscriptions', /not a scope/],
    ['unknown first segment', `/tenants/${SUB}`, /not a scope/],
    ['resourceGroups without a name', `${SUB_SCOPE}/resourceGroups`, /below a subscription/],
    ['subscription-level resource', `${SUB_SCOPE}/providers/Microsoft.Web/sites/x`, /below a subscription/],
    ['resource group ending in a period', `${SUB_SCOPE}/resourceGroups/rg.`, /not a valid resource group name/],
    ['resource group of 91 characters', `${SUB_SCOPE}/resourceGroups/${'r'.repeat(91)}`, /not a valid resource group name/],
    ['resource group with a forbidden character', `${SUB_SCOPE}/resourceGroups/rg#1`, /not a valid resource group name/],
    ['management group id of 91 characters', `/providers/Microsoft.Management/managementGroups/${'m'.repeat(91)}`, /management group id/],
    ['management group id ending in a period', '/providers/Microsoft.Management/managementGroups/mg.', /management group id/],
    ['management group with extra segments', `${MG_SCOPE}/subscriptions/${SUB}`, /not a management group scope/],
    ['other provider at the root', '/providers/Microsoft.Web/sites/x', /not a management group scope/],
    ['resource without a type/name pair', `${RG_SCOPE}/providers/Microsoft.Web`, /pairs/],
    ['resource with a dangling type', `${RG_SCOPE}/providers/Microsoft.Web/sites/web1/slots`, /pairs/],
    ['provider namespace without a dot', `${RG_SCOPE}/providers/web/sites/web1`, /namespace/],
    ['something else below the group', `${RG_SCOPE}/deployments/d1`, /below a resource group/],
    ['extension resource', `${RESOURCE_SCOPE}/providers/Microsoft.Insights/diagnosticSettings/d`, /extension-resource/],
    ['resource name with a query character', `${RG_SCOPE}/providers/Microsoft.Web/sites/web?1`, /contains/],
  ])('%s', (_label, input, message) => {
    const error = parseScope(input)._unsafeUnwrapErr();
    expect(error.kind).toBe('Validation');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.path).toBe('scope');
    expect(error.problems[0]!.message).toMatch(message);
  });
});

describe('sameScope', () => {
  it('ignores case, the leading slash and a trailing slash', () => {
    expect(sameScope(RG_SCOPE, `subscriptions/${SUB.toUpperCase()}/RESOURCEGROUPS/TestRG/`)).toBe(true);
  });
  it('tells different scopes apart', () => {
    expect(sameScope(RG_SCOPE, `${SUB_SCOPE}/resourceGroups/testrg2`)).toBe(false);
    expect(sameScope(SUB_SCOPE, RG_SCOPE)).toBe(false);
  });
});

describe('scopeContains', () => {
  it.each([
    [SUB_SCOPE, SUB_SCOPE, true],
    [SUB_SCOPE, RG_SCOPE, true],
    [SUB_SCOPE, RESOURCE_SCOPE, true],
    [RG_SCOPE.toUpperCase(), `${SUB_SCOPE}/resourcegroups/testrg/providers/Microsoft.DocumentDb/databaseAccounts/x`, true],
    [RG_SCOPE, SUB_SCOPE, false],
    [RESOURCE_SCOPE, RG_SCOPE, false],
    // Segment-wise: "testrg" does not contain "testrg2".
    [RG_SCOPE, `${SUB_SCOPE}/resourceGroups/testrg2`, false],
    [SUB_SCOPE, '/subscriptions/b925f2f7-5c63-4b7b-8799-25a5f97bc3b2', false],
    // A management group contains only itself without a hierarchy lookup.
    [MG_SCOPE, MG_SCOPE.toLowerCase(), true],
    [MG_SCOPE, SUB_SCOPE, false],
    [SUB_SCOPE, MG_SCOPE, false],
  ])('%s ⊇ %s is %s', (outer, inner, expected) => {
    expect(scopeContains(outer, inner)).toBe(expected);
  });
});

describe('parseScope refuses scopes that a URL parser would move elsewhere', () => {
  const S = '11111111-2222-3333-4444-555555555555';
  it.each([
    [`/subscriptions/${S}/resourceGroups/rg-a/providers/Microsoft.Web/sites/..`, /'\.' or '\.\.' segment/],
    [`/subscriptions/${S}/resourceGroups/rg-a/providers/Microsoft.Web/sites/.`, /'\.' or '\.\.' segment/],
    [`/subscriptions/${S}/resourceGroups/../providers/Microsoft.Web/sites/w`, /'\.' or '\.\.' segment/],
    [`/subscriptions/${S}/resourceGroups/rg-a/providers/Microsoft.Web/sites/w/slots/..`, /'\.' or '\.\.' segment/],
    [`/subscriptions/${S}/resourceGroups/rg-a/providers/Microsoft.Authorization/roleAssignments/x`, /Microsoft\.Authorization/],
    [`/subscriptions/${S}/resourceGroups/rg-a/providers/microsoft.authorization/locks/x`, /Microsoft\.Authorization/],
    [`/subscriptions/${S}/resourceGroups/rg-a/providers/Microsoft.Web/sites/a\u001b[2J`, /control character/],
  ])('%s', (scope, message) => {
    const e = parseScope(scope)._unsafeUnwrapErr();
    expect(e.kind).toBe('Validation');
    expect(e.message).toMatch(message);
  });

  it('still accepts a resource name with dots inside it', () => {
    expect(parseScope(`/subscriptions/${S}/resourceGroups/rg-a/providers/Microsoft.Web/sites/my.site..x`).isOk()).toBe(true);
  });
});
