import { describe, expect, it } from 'vitest';
import { loadFixture } from '@wif/testing';
import { RoleAssignmentListSchema, RoleAssignmentSchema } from './roleAssignment';
import { RoleDefinitionSchema } from './roleDefinition';

type Example = { responses: Record<string, { body?: unknown }> };

const SINGLE_ASSIGNMENTS = [
  'arm-roleAssignments-2022-04-01-CreateForSubscription.json',
  'arm-roleAssignments-2022-04-01-CreateForResourceGroup.json',
  'arm-roleAssignments-2022-04-01-CreateForResource.json',
  'arm-roleAssignments-2022-04-01-Get.json',
  'arm-roleAssignments-2022-04-01-Delete.json',
];
const ASSIGNMENT_LISTS = ['arm-roleAssignments-2022-04-01-ListForScope.json', 'arm-roleAssignments-2022-04-01-ListForResourceGroup.json'];

/** Every response body of an example (the 204 of Delete has none). */
function bodies(name: string): unknown[] {
  return Object.values(loadFixture<Example>(name).responses)
    .map((r) => r.body)
    .filter((b) => b !== undefined);
}

describe('the production schemas parse every ARM example', () => {
  it.each(SINGLE_ASSIGNMENTS)('%s', (name) => {
    const all = bodies(name);
    expect(all.length).toBeGreaterThan(0);
    for (const body of all) {
      const parsed = RoleAssignmentSchema.parse(body);
      expect(parsed.properties.roleDefinitionId).toMatch(/^\/providers\/Microsoft\.Authorization\/roleDefinitions\//);
    }
  });

  it.each(ASSIGNMENT_LISTS)('%s', (name) => {
    const [body] = bodies(name);
    expect(RoleAssignmentListSchema.parse(body).value.length).toBeGreaterThan(0);
  });

  it('arm-roleDefinitions-2022-04-01-GetRoleDefinitionByName.json', () => {
    const [body] = bodies('arm-roleDefinitions-2022-04-01-GetRoleDefinitionByName.json');
    const parsed = RoleDefinitionSchema.parse(body);
    expect(parsed.properties.permissions?.[0]?.dataActions).toEqual(['dataAction']);
  });

  it('rejects a body without the fields wif relies on', () => {
    const [body] = bodies('arm-roleAssignments-2022-04-01-Get.json') as [{ properties: Record<string, unknown> }];
    const { principalId: _dropped, ...properties } = body.properties;
    expect(RoleAssignmentSchema.safeParse({ ...body, properties }).success).toBe(false);
  });
});
