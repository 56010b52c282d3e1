import { BUILT_IN_ROLES, roleAssignmentName } from '@wif/arm';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { grantRole } from './grantRole';

const { fake, server, clients } = useFake({ clients: createClients });
const { arm } = clients;
const replication = { delayInMs: 1, maxDelayInMs: 5 };

const SUB = '11111111-2222-3333-4444-555555555555';
const SUB_SCOPE = `/subscriptions/${SUB}`;
const RG_SCOPE = `${SUB_SCOPE}/resourceGroups/rg-app-prod`;
const MG_SCOPE = '/providers/Microsoft.Management/managementGroups/mg-platform';
const ASSIGNMENTS = `https://management.azure.com${RG_SCOPE}/providers/Microsoft.Authorization/roleAssignments/:name`;

/** A service principal ARM can find. */
function principal(): string {
  const app = fake.state.addApplication({ displayName: 'ado-one' });
  return fake.state.addServicePrincipal({ appId: app.appId }).id;
}

const puts = () => fake.requests.filter((r) => r.method === 'PUT');

describe('grantRole', () => {
  it('creates the assignment under its deterministic name, with principalType ServicePrincipal', async () => {
    const principalId = principal();
    const bodies: unknown[] = [];
    server.use(
      http.put(ASSIGNMENTS, async ({ request }) => {
        bodies.push(await request.clone().json());
      }),
    );
    const r = await grantRole({ arm }, { scope: RG_SCOPE, role: 'Contributor', principalId, description: 'sc-one' }, { replication });
    const { outcome, value } = r._unsafeUnwrap();
    expect(outcome).toBe('created');
    const name = roleAssignmentName(RG_SCOPE, principalId, BUILT_IN_ROLES.Contributor);
    expect(value).toMatchObject({ name, scope: RG_SCOPE, roleName: 'Contributor', principalId });
    expect(fake.state.roleAssignment(name)).toMatchObject({
      roleDefinitionId: BUILT_IN_ROLES.Contributor,
      principalId,
      principalType: 'ServicePrincipal',
      description: 'sc-one',
    });
    expect(bodies).toEqual([{ properties: expect.objectContaining({ principalId, principalType: 'ServicePrincipal' }) }]);
    // A built-in name needs no role-definition lookup.
    expect(fake.requests.map((q) => q.operation)).toEqual(['roleAssignments.get', 'roleAssignments.create']);
  });

  it('is unchanged on a re-run and sends no PUT', async () => {
    const principalId = principal();
    const first = (await grantRole({ arm }, { scope: RG_SCOPE, role: 'Reader', principalId }, { replication }))._unsafeUnwrap();
    const second = await grantRole({ arm }, { scope: RG_SCOPE, role: 'Reader', principalId }, { replication });
    expect(second._unsafeUnwrap()).toEqual({ outcome: 'unchanged', value: first.value });
    expect(puts()).toHaveLength(1);
    expect(fake.state.roleAssignments()).toHaveLength(1);
  });

  it('is not slowed by replication lag of a new principal: principalType lets ARM skip the lookup', async () => {
    fake.setOptions({ replicationLagInMs: 60_000 });
    const principalId = principal();
    const r = await grantRole({ arm }, { scope: RG_SCOPE, role: 'Reader', principalId }, { replication: { delayInMs: 10_000 } });
    expect(r._unsafeUnwrap().outcome).toBe('created');
    expect(puts()).toHaveLength(1);
  });

  it('retries PrincipalNotFound during replication, then creates', async () => {
    const principalId = principal();
    let refusals = 2;
    server.use(
      http.put(ASSIGNMENTS, () => {
        if (refusals-- <= 0) return undefined;
        return HttpResponse.json(
          { error: { code: 'PrincipalNotFound', message: `Principal ${principalId.replace(/-/g, '')} does not exist in the directory.` } },
          { status: 400 },
        );
      }),
    );
    const r = await grantRole({ arm }, { scope: RG_SCOPE, role: 'Reader', principalId }, { replication });
    expect(r._unsafeUnwrap().outcome).toBe('created');
    expect(fake.state.roleAssignments()).toHaveLength(1);
  });

  it('gives up on a principal that never appears after the bounded attempts', async () => {
    const ghost = '0b5c4f9e-0000-4000-8000-00000000abcd';
    const r = await grantRole(
      { arm },
      { scope: RG_SCOPE, role: 'Reader', principalId: ghost },
      { replication: { ...replication, maxAttempts: 3 } },
    );
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', service: 'arm', code: 'PrincipalNotFound' });
    expect(fake.requests.filter((q) => q.operation === 'roleAssignments.create').map((q) => q.status)).toEqual([400, 400, 400]);
  });

  it('adopts an equivalent assignment that exists under another name: unchanged', async () => {
    const principalId = principal();
    const manual = fake.state.addRoleAssignment({
      scope: RG_SCOPE,
      roleDefinitionId: BUILT_IN_ROLES.Reader,
      principalId,
      name: '6f0e7b1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
    });
    const r = await grantRole({ arm }, { scope: RG_SCOPE, role: 'Reader', principalId }, { replication });
    const { outcome, value } = r._unsafeUnwrap();
    expect(outcome).toBe('unchanged');
    expect(value.name).toBe(manual.name);
    expect(fake.state.roleAssignments()).toHaveLength(1);
    expect(puts().map((q) => q.status)).toEqual([409]);
  });

  it('resolves a custom role by name through the role-definition list', async () => {
    const principalId = principal();
    const custom = fake.state.addRoleDefinition({
      roleName: 'Pipeline Deployer',
      assignableScopes: [SUB_SCOPE],
      permissions: [{ actions: ['Microsoft.Web/sites/*'] }],
    });
    const r = await grantRole({ arm }, { scope: RG_SCOPE, role: 'Pipeline Deployer', principalId }, { replication });
    expect(r._unsafeUnwrap()).toMatchObject({ outcome: 'created', value: { roleName: 'Pipeline Deployer' } });
    expect(fake.state.roleAssignments()[0]?.roleDefinitionId).toBe(custom.id);
    expect(fake.requests[0]?.operation).toBe('roleDefinitions.list');
  });

  it('suggests a role that exists at the scope with a close name (built-in or custom)', async () => {
    fake.state.addRoleDefinition({
      roleName: 'Pipeline Deployer',
      assignableScopes: [SUB_SCOPE],
      permissions: [{ actions: ['Microsoft.Web/sites/*'] }],
    });
    const typo = await grantRole({ arm }, { scope: RG_SCOPE, role: 'Contributer', principalId: principal() }, { replication });
    expect(typo._unsafeUnwrapErr()).toMatchObject({ kind: 'RoleNotFound', suggestion: 'Contributor' });
    expect(typo._unsafeUnwrapErr().message).toContain('Did you mean "Contributor"?');
    const custom = await grantRole({ arm }, { scope: RG_SCOPE, role: 'Pipeline Deployers', principalId: principal() }, { replication });
    expect(custom._unsafeUnwrapErr()).toMatchObject({ kind: 'RoleNotFound', suggestion: 'Pipeline Deployer' });
    const unlike = await grantRole({ arm }, { scope: RG_SCOPE, role: 'Quantum Wrangler', principalId: principal() }, { replication });
    expect(unlike._unsafeUnwrapErr()).not.toHaveProperty('suggestion');
    expect(fake.state.roleAssignments()).toHaveLength(0);
  });

  it('returns RoleNotFound for a role that does not exist, and writes nothing', async () => {
    const r = await grantRole({ arm }, { scope: RG_SCOPE, role: 'Pipeline Deployer', principalId: principal() }, { replication });
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'RoleNotFound', role: 'Pipeline Deployer', scope: RG_SCOPE });
    expect(puts()).toHaveLength(0);
  });

  describe('privileged roles', () => {
    const privileged = [
      'Owner',
      'User Access Administrator',
      'Role Based Access Control Administrator',
      BUILT_IN_ROLES.Owner.toUpperCase(),
    ];

    it.each(privileged.flatMap((role) => [SUB_SCOPE, MG_SCOPE].map((scope) => [role, scope])))(
      'refuses %s at %s without a request',
      async (role, scope) => {
        const r = await grantRole({ arm }, { scope, role, principalId: principal() }, { replication });
        expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'PrivilegedRoleRefused', scope });
        expect(fake.requests).toHaveLength(0);
      },
    );

    it.each([SUB_SCOPE, MG_SCOPE])('assigns Owner at %s with allowPrivileged', async (scope) => {
      const principalId = principal();
      const r = await grantRole({ arm }, { scope, role: 'Owner', principalId, allowPrivileged: true }, { replication });
      expect(r._unsafeUnwrap().outcome).toBe('created');
      expect(fake.state.roleAssignments()).toEqual([
        expect.objectContaining({ scope, roleDefinitionId: BUILT_IN_ROLES.Owner, principalId }),
      ]);
    });

    it('assigns Owner at resource-group scope without allowPrivileged', async () => {
      const r = await grantRole({ arm }, { scope: RG_SCOPE, role: 'Owner', principalId: principal() }, { replication });
      expect(r._unsafeUnwrap().outcome).toBe('created');
    });
  });

  it.each([
    [
      'a scope outside the grammar',
      { scope: '/subscriptions/not-a-guid', role: 'Reader', principalId: '0b5c4f9e-0000-4000-8000-00000000abcd' },
      'scope',
    ],
    [
      'a principal id that is not a GUID',
      { scope: RG_SCOPE, role: 'Reader', principalId: '{0b5c4f9e-0000-4000-8000-00000000abcd}' },
      'principalId',
    ],
    [
      'a role name with stray whitespace',
      { scope: RG_SCOPE, role: 'Reader ', principalId: '0b5c4f9e-0000-4000-8000-00000000abcd' },
      'role',
    ],
  ])('refuses %s before sending anything', async (_, input, path) => {
    const r = await grantRole({ arm }, input, { replication });
    const e = r._unsafeUnwrapErr();
    expect(e.kind === 'Validation' && e.problems.map((p) => p.path)).toEqual([path]);
    expect(fake.requests).toHaveLength(0);
  });
});
