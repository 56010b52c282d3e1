import { TEST_CALLER_OBJECT_ID } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { preflight } from './preflight';
import type { PreflightCheck, PreflightWrite } from './types';

const SUB = '/subscriptions/11111111-2222-4333-8444-555555555555';
const RG_WEB = `${SUB}/resourceGroups/rg-web-prod`;
const RG_API = `${SUB}/resourceGroups/rg-api-prod`;
const WRITE = 'Microsoft.Authorization/roleAssignments/write';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const RBAC_ADMIN = 'f58310d9-a9f6-439a-9e8d-f62e7b41a168';

const { fake, clients, clientOptions } = useFake({ projects: ['web', 'api'], callerClaims: true, clients: createClients });
// The caller's tokens tell the truth about the fake's deny list.

const role = (connection: string, scope: string): PreflightWrite => ({
  service: 'arm',
  connection,
  action: WRITE,
  scope,
  roleDefinitionGuid: CONTRIBUTOR,
  newPrincipal: true,
});
const create = (connection: string, project: string): PreflightWrite => ({ service: 'devops', connection, permission: 'Create', project });
const app = (connection: string): PreflightWrite => ({ service: 'graph', connection, write: 'createApplication', newApplication: true });
const WRITES: PreflightWrite[] = [
  app('web/a'),
  role('web/a', RG_WEB),
  create('web/a', 'web'),
  app('web/b'),
  role('web/b', RG_WEB),
  create('web/b', 'web'),
  app('api/c'),
  role('api/c', RG_API),
  create('api/c', 'api'),
];

async function run(writes: readonly PreflightWrite[] = WRITES) {
  const before = fake.requests.length;
  // New clients each time, as a run of the CLI has: who the caller is was never read through them
  // (a set of clients reads it once).
  const report = (await preflight(createClients(clientOptions()), writes))._unsafeUnwrap();
  const sent = fake.requests.slice(before);
  return { report, sent, ops: sent.map((r) => r.operation) };
}
const find = (checks: readonly PreflightCheck[], permission: string, scope: string) =>
  checks.find((c) => c.permission === permission && c.scope === scope);

describe('preflight', () => {
  it('sends nothing when there are no writes', async () => {
    const { report, sent } = await run([]);
    expect(sent).toEqual([]);
    expect(report.checks).toEqual([]);
  });

  it('costs one permissions read per distinct ARM scope and one evaluation per project (plus who-am-I and the project ids)', async () => {
    const { report, ops } = await run();
    const count = (op: string): number => ops.filter((o) => o === op).length;
    expect(count('permissions.list')).toBe(2); // rg-web-prod, rg-api-prod — not one per connection (3)
    expect(count('permissions.evaluateBatch')).toBe(2); // web, api
    expect(count('projects.get')).toBe(2); // the writes did not carry project ids
    expect(count('connectionData.get')).toBe(1);
    expect(count('roleAssignments.list')).toBe(1); // delegation conditions, once per subscription
    expect(count('authorizationPolicy.get')).toBe(1);
    expect(ops).toHaveLength(9);
    expect(report.summary).toEqual({ granted: 5, missing: 0, unknown: 0 }); // one Graph check, two ARM scopes, two projects
  });

  it('skips the project lookups when the writes carry project ids', async () => {
    const web = fake.state.project('web')!.id;
    const { ops } = await run(
      [create('web/a', 'web'), { ...create('web/b', 'web'), projectId: web }].map((w) => ({ ...w, projectId: web })),
    );
    expect(ops.sort()).toEqual(['connectionData.get', 'permissions.evaluateBatch']);
  });

  it('names the missing role assignment write, its scope and the fix, for every connection that needs it', async () => {
    fake.setPermissions({ deny: [`arm:${WRITE}@${RG_WEB}`] });
    const { report } = await run();
    const missing = find(report.checks, WRITE, RG_WEB)!;
    expect(missing).toMatchObject({ status: 'missing', service: 'arm', connections: ['web/a', 'web/b'] });
    expect(missing.fix).toContain(`Role Based Access Control Administrator on ${RG_WEB}, or Owner`);
    expect(missing.evidence).toContain(`no entry allows ${WRITE}`);
    expect(find(report.checks, WRITE, RG_API)!.status).toBe('granted');
    expect(report.caller.entra?.objectId).toBe(TEST_CALLER_OBJECT_ID);
  });

  it("reads the caller's own role assignments beside the permissions, not after them: sent even where the write is denied, then not used", async () => {
    fake.setPermissions({ deny: [`arm:${WRITE}@${RG_WEB}`, `arm:${WRITE}@${RG_API}`] });
    const { report, ops } = await run([role('web/a', RG_WEB), role('api/c', RG_API)]);
    // Before the permissions answered, nothing said whether the conditions would matter: read anyway.
    expect(ops.filter((o) => o === 'roleAssignments.list')).toHaveLength(1);
    for (const scope of [RG_WEB, RG_API]) {
      const check = find(report.checks, WRITE, scope)!;
      expect(check.status).toBe('missing');
      expect(check.evidence).toContain(`no entry allows ${WRITE}`);
    }
  });

  it('refuses Create only in the project where it is denied, naming Endpoint Creator', async () => {
    fake.setPermissions({ deny: ['devops:ServiceEndpoints/Create@web'] });
    const { report } = await run();
    const web = find(report.checks, 'ServiceEndpoints/Create', 'project web')!;
    expect(web).toMatchObject({ status: 'missing', confidence: 'authoritative', connections: ['web/a', 'web/b'] });
    expect(web.fix).toContain('Endpoint Creator in project web');
    expect(find(report.checks, 'ServiceEndpoints/Create', 'project api')!.status).toBe('granted');
    expect(report.caller.devops?.id).toBe(TEST_CALLER_OBJECT_ID);
  });

  it('checks Administer on an existing connection with its own token', async () => {
    fake.setPermissions({ deny: ['devops:ServiceEndpoints/Administer@api'] });
    const endpointId = '0b5c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3';
    const { report } = await run([
      { service: 'devops', connection: 'api/c', permission: 'Administer', project: 'api', endpointId },
      create('api/d', 'api'),
    ]);
    expect(find(report.checks, 'ServiceEndpoints/Administer', `project api, connection ${endpointId}`)?.status).toBe('missing');
    expect(find(report.checks, 'ServiceEndpoints/Create', 'project api')?.status).toBe('granted');
  });

  it('reads the Graph token: a user without Application.ReadWrite.All cannot create the app', async () => {
    fake.setPermissions({ deny: ['graph:Application.ReadWrite.All'] });
    const { report, ops } = await run([app('web/a')]);
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]).toMatchObject({ service: 'graph', status: 'missing', permission: 'Application.ReadWrite.All' });
    expect(ops).toEqual([]);
  });

  it('when users may not register apps and the token shows no Application Developer role, says unknown and names the role', async () => {
    fake.setPermissions({ deny: [], allowedToCreateApps: false });
    const { report } = await run([app('web/a')]);
    expect(report.checks[0]).toMatchObject({ status: 'unknown', confidence: 'hint' });
    expect(report.checks[0]!.fix).toContain('ask an Entra admin for the Application Developer role'.replace('ask', 'Ask'));
  });

  it('an app-only caller without OwnedBy is missing it; with it, may create', async () => {
    fake.setPermissions({ deny: ['graph:Application.ReadWrite.OwnedBy'], appOnly: true });
    expect((await run([app('web/a')])).report.checks[0]).toMatchObject({ status: 'missing', permission: 'Application.ReadWrite.OwnedBy' });
    fake.setPermissions({ deny: [], appOnly: true });
    expect((await run([app('web/a')])).report.checks[0]).toMatchObject({ status: 'granted' });
  });

  it('a conditioned RBAC Administrator grant that does not allow the role makes the check unknown, not granted', async () => {
    fake.state.addRoleAssignment({
      scope: SUB,
      roleDefinitionId: RBAC_ADMIN,
      principalId: TEST_CALLER_OBJECT_ID,
      principalType: 'User',
      condition:
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {acdd72a7-3385-48ef-bd42-f606fba81ae7}))",
      conditionVersion: '2.0',
    });
    const { report } = await run([role('web/a', RG_WEB)]);
    expect(report.checks[0]).toMatchObject({ status: 'unknown', confidence: 'hint' });
    expect(report.checks[0]!.evidence).toContain('acdd72a7-3385-48ef-bd42-f606fba81ae7');
  });

  it('does not read the permissions API at a management group (undocumented there): unknown, never missing', async () => {
    const mg = '/providers/Microsoft.Management/managementGroups/mg-platform';
    const { report, ops } = await run([role('x', mg)]);
    expect(report.checks[0]).toMatchObject({ status: 'unknown', scope: mg });
    expect(ops).not.toContain('permissions.list');
  });

  it('refuses an unparsable scope before sending anything', async () => {
    const r = await preflight(clients, [role('x', 'not-a-scope')]);
    expect(r._unsafeUnwrapErr().kind).toBe('Validation');
  });
});
