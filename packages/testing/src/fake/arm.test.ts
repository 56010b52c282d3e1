import { describe, expect, it } from 'vitest';
import { useFreshFakes } from '../vitest/_freshFakes';
import { ARM, call, testClock } from './_testClient';
import { type Fake } from './index';

const { start } = useFreshFakes();

const SUB = '/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
const RG = `${SUB}/resourceGroups/testrg`;
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const V = 'api-version=2022-04-01';
const NAME_1 = '05c5a614-a7d6-4502-b150-c2fb455033ff';
const NAME_2 = '96786e4b-dede-4c2e-8736-8ab911987f08';

const assignmentUrl = (scope: string, name: string) => `${ARM}${scope}/providers/Microsoft.Authorization/roleAssignments/${name}?${V}`;
const body = (principalId: string, role = CONTRIBUTOR, principalType: string | null = 'ServicePrincipal') => ({
  properties: {
    roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
    principalId,
    ...(principalType ? { principalType } : {}),
  },
});

function withSp(fake: Fake, createdAt?: number): string {
  const app = fake.state.addApplication({ displayName: 'sp' });
  return fake.state.addServicePrincipal({ appId: app.appId, ...(createdAt !== undefined ? { createdAt } : {}) }).id;
}

describe('role definitions', () => {
  it('preloads the built-in roles, lists by roleName at any scope and gets by GUID', async () => {
    start();
    const list = await call(
      'GET',
      `${ARM}${RG}/providers/Microsoft.Authorization/roleDefinitions?${V}&$filter=${encodeURIComponent("roleName eq 'Role Based Access Control Administrator'")}`,
    );
    expect(list.status).toBe(200);
    expect(list.body.value).toHaveLength(1);
    expect(list.body.value[0]).toMatchObject({ name: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168', properties: { type: 'BuiltInRole' } });
    expect(list.body.value[0].id).toBe(`${SUB}/providers/Microsoft.Authorization/roleDefinitions/f58310d9-a9f6-439a-9e8d-f62e7b41a168`);
    const get = await call('GET', `${ARM}/providers/Microsoft.Authorization/roleDefinitions/${READER}?${V}`);
    expect(get.body.properties.roleName).toBe('Reader');
    expect(
      (await call('GET', `${ARM}${SUB}/providers/Microsoft.Authorization/roleDefinitions/00000000-0000-0000-0000-000000000000?${V}`))
        .status,
    ).toBe(404);
  });

  it('lists a custom role only where it is assignable (at scope and above, or with atScopeAndBelow())', async () => {
    const fake = start();
    fake.state.addRoleDefinition({ roleName: 'Deployer', assignableScopes: [RG] });
    const names = async (scope: string, filter = "roleName eq 'Deployer'") =>
      (await call('GET', `${ARM}${scope}/providers/Microsoft.Authorization/roleDefinitions?${V}&$filter=${encodeURIComponent(filter)}`))
        .body.value.length;
    expect(await names(`${RG}/providers/Microsoft.Web/sites/app`)).toBe(1);
    expect(await names(RG)).toBe(1);
    expect(await names(SUB)).toBe(0);
    expect(await names(SUB, "atScopeAndBelow() and roleName eq 'Deployer'")).toBe(1);
  });

  it('requires api-version 2022-04-01', async () => {
    start();
    const r = await call('GET', `${ARM}${SUB}/providers/Microsoft.Authorization/roleDefinitions?api-version=2015-07-01`);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('InvalidApiVersionParameter');
  });
});

describe('role assignments', () => {
  it('is idempotent for the same name and properties: 201 then 200, tenant-form roleDefinitionId', async () => {
    const fake = start();
    const sp = withSp(fake);
    const first = await call('PUT', assignmentUrl(SUB, NAME_1), { json: body(sp) });
    expect(first.status).toBe(201);
    expect(first.body.properties).toMatchObject({
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR}`,
      principalId: sp,
      scope: SUB,
    });
    // Scopes compare case-insensitively.
    const again = await call('PUT', assignmentUrl(SUB.toUpperCase().replace('/SUBSCRIPTIONS', '/subscriptions'), NAME_1), {
      json: body(sp),
    });
    expect(again.status).toBe(200);
    expect(fake.state.roleAssignments()).toHaveLength(1);
  });

  it('answers RoleAssignmentExists for the same scope+role+principal under another name', async () => {
    const fake = start();
    const sp = withSp(fake);
    await call('PUT', assignmentUrl(SUB, NAME_1), { json: body(sp) });
    const r = await call('PUT', assignmentUrl(SUB, NAME_2), { json: body(sp) });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('RoleAssignmentExists');
  });

  it('answers RoleAssignmentUpdateNotPermitted for the same name with another role or principal', async () => {
    const fake = start();
    const sp = withSp(fake);
    await call('PUT', assignmentUrl(SUB, NAME_1), { json: body(sp) });
    const r = await call('PUT', assignmentUrl(SUB, NAME_1), { json: body(sp, READER) });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('RoleAssignmentUpdateNotPermitted');
  });

  it('answers PrincipalNotFound for an unknown principal, and within the lag unless principalType is set', async () => {
    const clock = testClock();
    const fake = start({ replicationLagInMs: 10_000, clock: clock.read });
    const unknown = await call('PUT', assignmentUrl(SUB, NAME_1), { json: body('11111111-1111-1111-1111-111111111111') });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('PrincipalNotFound');
    const sp = withSp(fake);
    const lagging = await call('PUT', assignmentUrl(SUB, NAME_1), { json: body(sp, CONTRIBUTOR, null) });
    expect(lagging.body.error.code).toBe('PrincipalNotFound');
    const typed = await call('PUT', assignmentUrl(SUB, NAME_1), { json: body(sp) });
    expect(typed.status).toBe(201);
    clock.advance(10_000);
    expect((await call('PUT', assignmentUrl(RG, NAME_2), { json: body(sp, CONTRIBUTOR, null) })).status).toBe(201);
    expect(fake.state.roleAssignment(NAME_2)?.principalType).toBe('ServicePrincipal');
  });

  it('gets and deletes (200 with the body, then 204)', async () => {
    const fake = start();
    const sp = withSp(fake);
    await call('PUT', assignmentUrl(SUB, NAME_1), { json: body(sp) });
    expect((await call('GET', assignmentUrl(SUB, NAME_1))).body.name).toBe(NAME_1);
    expect((await call('GET', assignmentUrl(RG, NAME_1))).status).toBe(404);
    const del = await call('DELETE', assignmentUrl(SUB, NAME_1));
    expect(del.status).toBe(200);
    expect(del.body.properties.principalId).toBe(sp);
    expect((await call('DELETE', assignmentUrl(SUB, NAME_1))).status).toBe(204);
  });

  it('lists inherited assignments, atScope() and principalId filters', async () => {
    const fake = start();
    const a = withSp(fake);
    const b = withSp(fake);
    fake.state.addRoleAssignment({ scope: SUB, roleDefinitionId: CONTRIBUTOR, principalId: a });
    fake.state.addRoleAssignment({ scope: RG, roleDefinitionId: READER, principalId: b });
    fake.state.addRoleAssignment({ scope: `${RG}/providers/Microsoft.Web/sites/app`, roleDefinitionId: READER, principalId: a });
    fake.state.addRoleAssignment({ scope: '/subscriptions/other', roleDefinitionId: READER, principalId: a });
    const list = async (scope: string, filter?: string) =>
      (
        await call(
          'GET',
          `${ARM}${scope}/providers/Microsoft.Authorization/roleAssignments?${V}${filter ? `&$filter=${encodeURIComponent(filter)}` : ''}`,
        )
      ).body.value.map((x: { properties: { scope: string } }) => x.properties.scope);
    expect(await list(RG)).toEqual([SUB, RG, `${RG}/providers/Microsoft.Web/sites/app`]);
    expect(await list(RG, 'atScope()')).toEqual([SUB, RG]);
    expect(await list(SUB, `principalId eq '${a}'`)).toEqual([SUB, `${RG}/providers/Microsoft.Web/sites/app`]);
    expect(await list(RG, `atScope() and principalId eq '${a}'`)).toEqual([SUB]);
    expect(
      (await call('GET', `${ARM}${SUB}/providers/Microsoft.Authorization/roleAssignments?${V}&$filter=${encodeURIComponent('foo eq 1')}`))
        .status,
    ).toBe(400);
  });

  it('pages with nextLink', async () => {
    const fake = start({ armPageSize: 2 });
    for (let i = 0; i < 5; i++) fake.state.addRoleAssignment({ scope: SUB, roleDefinitionId: READER, principalId: withSp(fake) });
    const names: string[] = [];
    let url: string | undefined = `${ARM}${SUB}/providers/Microsoft.Authorization/roleAssignments?${V}`;
    let pages = 0;
    while (url) {
      const page = await call('GET', url);
      expect(page.status).toBe(200);
      names.push(...page.body.value.map((x: { name: string }) => x.name));
      url = page.body.nextLink;
      pages++;
    }
    expect(pages).toBe(3);
    expect(names.sort()).toEqual(
      fake.state
        .roleAssignments()
        .map((r) => r.name)
        .sort(),
    );
  });
});
