import { CHECK_TYPE_IDS } from '@wif/devops';
import { builtInGroupId, TEST_TENANT_ID } from '@wif/testing';
import { useFake } from '@wif/testing/vitest';
import { describe, expect, it, vi } from 'vitest';
import { loadSpec, type ResolvedSpec } from '../spec/load';
import { apply, type ApplyReport } from './apply';
import { createClients } from './clients';
import { plan, type Plan } from './plan';
import { parseSavedPlan, serializePlan } from './savedPlan';
import { sync } from './sync';
import { expectSyncDoesWhatPlanShows } from '../../test/planThenSync';

const SUB = '11111111-2222-3333-4444-555555555555';
let approvers: { id: string };
let auditors: { id: string };
const { fake, clients } = useFake({
  projects: ['platform'],
  setUp: (fake) => {
    approvers = fake.state.governance.addDevOpsIdentity({ providerDisplayName: '[platform]\\Release Approvers' });
    auditors = fake.state.governance.addDevOpsIdentity({ providerDisplayName: '[platform]\\Auditors' });
  },
  clients: createClients,
});
const fast = { replication: { delayInMs: 1, maxDelayInMs: 5 } } as const;
const SCOPE = 'distributedtask.serviceendpointrole';

/** The environment set with approvals + branch control + roles on prod (three connections). */
const ENV_SET = (approver = '[platform]\\Release Approvers', min = 1): ResolvedSpec =>
  loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
environments:
  - project: platform
    name: sc-web
    subscriptionId: ${SUB}
    dev: { resourceGroup: rg-dev }
    prod:
      resourceGroup: rg-prod
      checks:
        approvals: { approvers: ['${approver}'], minApprovers: ${min}, instructions: Check the change ticket }
        branchControl: { allowed: [refs/heads/main] }
      security:
        administrators: ['[platform]\\Project Administrators']
        users: ['[platform]\\Release Approvers']
`)._unsafeUnwrap();

const run = async (s: ResolvedSpec | Plan, options = {}): Promise<ApplyReport> =>
  (await apply(clients, s, { ...fast, ...options }))._unsafeUnwrap();
const planOf = async (s: ResolvedSpec): Promise<Plan> => (await plan(clients, s, { orphans: false, preflight: false }))._unsafeUnwrap();
const prod = () => fake.state.serviceEndpoints().find((e) => e.name === 'sc-web-prod')!;
const projectId = () => fake.state.project('platform')!.id;
const rolesOnProd = (): Record<string, string> =>
  Object.fromEntries([...(fake.state.governance.roleAssignments(SCOPE, `${projectId()}_${prod().id}`) ?? new Map<string, string>())]);
const governanceOf = (p: Plan, name: string) =>
  p.connections
    .find((c) => c.name === name)!
    .resources.filter((r) => r.kind === 'check' || r.kind === 'securityRole')
    .map((r) => `${r.action} ${r.kind} ${r.name}`);
const writes = (from: number) => fake.requests.slice(from).filter((r) => r.method !== 'GET');

describe('checks and security roles in plan / apply / sync', () => {
  it('plans the checks field by field and the roles, applies them, and plans no change afterwards', async () => {
    const spec = ENV_SET();
    const before = await planOf(spec);
    const prodPlan = before.connections.find((c) => c.name === 'sc-web-prod')!;
    const approval = prodPlan.resources.find((r) => r.kind === 'check' && r.name === 'approvals')!;
    expect(approval.action).toBe('create');
    expect(approval.changes).toEqual(
      expect.arrayContaining([
        { field: 'approvers', from: null, to: '[platform]\\Release Approvers' },
        { field: 'minRequiredApprovers', from: null, to: '1' },
        { field: 'instructions', from: null, to: 'Check the change ticket' },
      ]),
    );
    expect(governanceOf(before, 'sc-web-prod')).toEqual([
      'create check approvals',
      'create check branchControl',
      'create securityRole [platform]\\Project Administrators',
      'create securityRole [platform]\\Release Approvers',
    ]);
    expect(governanceOf(before, 'sc-web-dev')).toEqual([]);

    const report = await run(spec);
    expect(report.ok).toBe(true);
    const checks = fake.state.governance.checksOn('endpoint', prod().id);
    expect(checks.map((c) => c.type.id).sort()).toEqual([CHECK_TYPE_IDS.approval, CHECK_TYPE_IDS.taskCheck].sort());
    expect(checks.find((c) => c.type.id === CHECK_TYPE_IDS.approval)!.settings).toMatchObject({
      approvers: [{ id: approvers.id }],
      minRequiredApprovers: 1,
    });
    expect(rolesOnProd()).toMatchObject({
      [builtInGroupId('platform', 'Project Administrators')]: 'Administrator',
      [approvers.id]: 'User',
    });
    const applied = report.connections.find((c) => c.name === 'sc-web-prod')!.resources;
    expect(applied.filter((r) => r.kind === 'check').map((r) => `${r.name} ${r.outcome}`)).toEqual([
      'approvals created',
      'branchControl created',
    ]);

    const after = await planOf(spec);
    expect(after.summary).toMatchObject({ create: 0, update: 0, delete: 0, refused: 0, errors: 0 });
    expect(governanceOf(after, 'sc-web-prod')).toEqual([
      'unchanged check approvals',
      'unchanged check branchControl',
      'unchanged securityRole [platform]\\Project Administrators',
      'unchanged securityRole [platform]\\Release Approvers',
    ]);
    // A second apply sends no write, and reports every resource the plan lists, unchanged.
    const n = fake.requests.length;
    const again = await run(spec);
    expect(again.summary).toMatchObject({ unchanged: 3 });
    expect(writes(n)).toEqual([]);
    const reported = again.connections.find((c) => c.name === 'sc-web-prod')!.resources;
    // Sorted: checks and roles are written side by side, and recorded as each finishes.
    expect(
      reported
        .filter((r) => r.kind === 'check' || r.kind === 'securityRole')
        .map((r) => `${r.outcome} ${r.kind} ${r.name}`)
        .sort(),
    ).toEqual([
      'unchanged check approvals',
      'unchanged check branchControl',
      'unchanged securityRole [platform]\\Project Administrators',
      'unchanged securityRole [platform]\\Release Approvers',
    ]);
    const listed = after.connections.find((c) => c.name === 'sc-web-prod')!.resources;
    expect(reported.map((r) => `${r.kind} ${r.name}`).sort()).toEqual(listed.map((r) => `${r.kind} ${r.name}`).sort());
  });

  it('shows a check edited by hand field by field and PATCHes it, never adding a second one', async () => {
    await run(ENV_SET());
    const approval = fake.state.governance.checksOn('endpoint', prod().id).find((c) => c.type.id === CHECK_TYPE_IDS.approval)!;
    approval.settings = { ...approval.settings, minRequiredApprovers: 0, instructions: 'anything', approvers: [{ id: auditors.id }] };
    const p = await planOf(ENV_SET());
    const planned = p.connections.find((c) => c.name === 'sc-web-prod')!.resources.find((r) => r.name === 'approvals')!;
    expect(planned).toMatchObject({ action: 'update', id: String(approval.id) });
    expect(planned.changes).toEqual([
      { field: 'approvers', from: auditors.id, to: '[platform]\\Release Approvers' },
      { field: 'minRequiredApprovers', from: '0', to: '1' },
      { field: 'instructions', from: 'anything', to: 'Check the change ticket' },
    ]);
    const n = fake.requests.length;
    const report = await run(p);
    expect(report.ok).toBe(true);
    expect(writes(n).map((r) => `${r.method} ${r.operation}`)).toEqual(['PATCH PATCH checkConfiguration']);
    // What apply reports is what the plan showed.
    const applied = report.connections.find((c) => c.name === 'sc-web-prod')!.resources.find((r) => r.name === 'approvals')!;
    expect(applied).toMatchObject({ kind: 'check', outcome: 'updated', drift: 'altered', changes: planned.changes });
    expect(fake.state.governance.checksOn('endpoint', prod().id)).toHaveLength(2);
    expect(approval.settings).toMatchObject({ minRequiredApprovers: 1, instructions: 'Check the change ticket' });
  });

  it('shows an Administrator added by hand as drift: apply reports it, sync repairs the rest, only sync --prune removes it', async () => {
    await run(ENV_SET());
    const resource = `${projectId()}_${prod().id}`;
    fake.state.governance.setRoleAssignment(SCOPE, resource, auditors.id, 'Administrator');
    fake.state.governance.setRoleAssignment(SCOPE, resource, approvers.id, 'Reader'); // demoted by hand
    const p = await planOf(ENV_SET());
    const roles = p.connections.find((c) => c.name === 'sc-web-prod')!.resources.filter((r) => r.kind === 'securityRole');
    expect(roles.map((r) => [r.action, r.name, r.changes])).toEqual(
      expect.arrayContaining([
        ['update', '[platform]\\Release Approvers', [{ field: 'role', from: 'Reader', to: 'User' }]],
        ['delete', '[platform]\\Auditors', [{ field: 'role', from: 'Administrator', to: null }]],
      ]),
    );
    expect(roles.find((r) => r.action === 'delete')!.note).toContain('prune');

    const applied = await run(ENV_SET());
    expect(applied.ok).toBe(true);
    expect(rolesOnProd()).toMatchObject({ [auditors.id]: 'Administrator', [approvers.id]: 'User' });
    const synced = (await sync(clients, ENV_SET(), fast))._unsafeUnwrap();
    expect(synced.drifts.filter((d) => d.resource === 'securityRole').map((d) => `${d.name} ${d.kind} → ${d.action}`)).toEqual([
      '[platform]\\Auditors extra → reported',
    ]);
    expect(rolesOnProd()[auditors.id]).toBe('Administrator');
    const pruned = (await sync(clients, ENV_SET(), { ...fast, prune: true }))._unsafeUnwrap();
    expect(pruned.drifts.filter((d) => d.resource === 'securityRole').map((d) => `${d.name} → ${d.action}`)).toEqual([
      '[platform]\\Auditors → deleted',
    ]);
    expect(rolesOnProd()[auditors.id]).toBeUndefined();
    // The identity wif runs as (the connection's creator, Administrator) is never drift.
    expect(Object.values(rolesOnProd())).toContain('Administrator');
  });

  it('an approver Azure DevOps does not know (200, count 0) is a refusal in plan, and apply writes nothing for that connection', async () => {
    const spec = ENV_SET('[platform]\\Nobody');
    const p = await planOf(spec);
    const cp = p.connections.find((c) => c.name === 'sc-web-prod')!;
    expect(cp.refusals.map((r) => r.kind)).toEqual(['DevOpsIdentityNotFound']);
    expect(cp.error?.message).toContain('[platform]\\Nobody');
    const report = await run(spec);
    expect(report.connections.find((c) => c.name === 'sc-web-prod')!.status).toBe('refused');
    expect(fake.state.serviceEndpoints().map((e) => e.name)).not.toContain('sc-web-prod');
    expect(fake.state.governance.checks()).toEqual([]);
  });

  it('a saved plan goes stale (StalePlan, nothing written) when a check it depends on changed', async () => {
    await run(ENV_SET());
    const spec = ENV_SET('[platform]\\Release Approvers', 0);
    const saved = parseSavedPlan(serializePlan(await planOf(spec)))._unsafeUnwrap();
    expect(governanceOf(saved, 'sc-web-prod')).toContain('update check approvals');
    const approval = fake.state.governance.checksOn('endpoint', prod().id).find((c) => c.type.id === CHECK_TYPE_IDS.approval)!;
    approval.settings = { ...approval.settings, instructions: 'edited after the plan' };
    const n = fake.requests.length;
    const report = await run(saved);
    const refused = report.connections.find((c) => c.name === 'sc-web-prod')!;
    expect(refused.status).toBe('refused');
    expect(refused.error?.kind).toBe('StalePlan');
    expect(refused.error?.message).toContain('check approvals');
    expect(writes(n)).toEqual([]);

    // A role holder added by hand after the plan is a fact the plan did not see: stale too.
    const again = parseSavedPlan(serializePlan(await planOf(spec)))._unsafeUnwrap();
    fake.state.governance.setRoleAssignment(SCOPE, `${projectId()}_${prod().id}`, auditors.id, 'Administrator');
    const m = fake.requests.length;
    const second = (await run(again)).connections.find((c) => c.name === 'sc-web-prod')!;
    expect(second.error?.kind).toBe('StalePlan');
    expect(second.error?.message).toContain('securityRole [platform]\\Auditors: newly planned (delete)');
    expect(writes(m)).toEqual([]);
  });

  it('two concurrent applies (with latency) create no duplicate check and the same roles; plan afterwards shows no change', async () => {
    fake.setOptions({ latencyInMs: 15 });
    const spec = ENV_SET();
    const [a, b] = await Promise.all([run(spec), run(spec)]);
    expect(a.ok && b.ok).toBe(true);
    expect(fake.state.serviceEndpoints()).toHaveLength(3);
    const checks = fake.state.governance.checks();
    expect(checks.map((c) => `${c.resource.id === prod().id ? 'prod' : 'other'} ${c.type.id}`).sort()).toEqual(
      [`prod ${CHECK_TYPE_IDS.approval}`, `prod ${CHECK_TYPE_IDS.taskCheck}`].sort(),
    );
    expect(rolesOnProd()).toMatchObject({
      [builtInGroupId('platform', 'Project Administrators')]: 'Administrator',
      [approvers.id]: 'User',
    });
    expect(Object.keys(rolesOnProd())).toHaveLength(3); // the two named, and the creator
    fake.setOptions({ latencyInMs: 0 });
    expect((await planOf(spec)).summary).toMatchObject({ create: 0, update: 0, delete: 0 });
  });

  it('rolls back a check it created when the connection fails afterwards', async () => {
    const spec = ENV_SET();
    // The roles write fails: what the run created for prod (app, connection, credential, checks) is removed.
    fake.failRequests({ service: 'devops', method: 'PUT', path: /securityroles/i, status: 403 });
    const report = await run(spec);
    const prodReport = report.connections.find((c) => c.name === 'sc-web-prod')!;
    expect(prodReport.status).toBe('rolled-back');
    expect(fake.state.governance.checks()).toEqual([]);
    expect(prodReport.resources.filter((r) => r.kind === 'check').map((r) => r.outcome)).toEqual(['deleted', 'deleted']);
  });

  it('a check change on a connection the caller cannot administer is a PermissionMissing refusal: nothing written', async () => {
    await run(ENV_SET());
    fake.setPermissions({ deny: ['devops:ServiceEndpoints/Administer'] });
    const spec = ENV_SET('[platform]\\Release Approvers', 0);
    const p = (await plan(clients, spec, { orphans: false }))._unsafeUnwrap();
    const cp = p.connections.find((c) => c.name === 'sc-web-prod')!;
    expect(cp.refusals.map((r) => r.kind)).toEqual(['PermissionMissing']);
    expect(p.connections.filter((c) => c.name !== 'sc-web-prod').every((c) => c.refusals.length === 0)).toBe(true);
    const n = fake.requests.length;
    const report = await run(p);
    expect(report.connections.find((c) => c.name === 'sc-web-prod')!.status).toBe('refused');
    expect(writes(n).filter((r) => r.operation !== 'permissions.evaluateBatch')).toEqual([]);
  });

  it('apply --prune deletes the checks of a managed orphan before the connection', async () => {
    const one = (withConnection: boolean) =>
      loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - project: platform
    name: sc-keep
    app: ado-keep
    scope: /subscriptions/${SUB}/resourceGroups/rg-keep
    roles: [Contributor]
${
  withConnection
    ? `  - project: platform
    name: sc-gone
    app: ado-gone
    scope: /subscriptions/${SUB}/resourceGroups/rg-gone
    roles: [Contributor]
    checks: { exclusiveLock: true, approvals: { approvers: ['[platform]\\Release Approvers'] } }`
    : ''
}
`)._unsafeUnwrap();
    await run(one(true));
    expect(fake.state.governance.checks()).toHaveLength(2);
    const p = (await plan(clients, one(false)))._unsafeUnwrap();
    expect(p.orphans[0]!.resources.map((r) => `${r.kind} ${r.action}`).slice(0, 3)).toEqual([
      'check delete',
      'check delete',
      'serviceConnection delete',
    ]);
    const report = await run(p, { prune: true });
    expect(report.orphans[0]!.status).toBe('deleted');
    expect(fake.state.governance.checks()).toEqual([]);
  });

  it('inheritance: false on a new connection is planned as true → false, written, and then unchanged; business hours and exclusive lock too', async () => {
    const pid = projectId();
    fake.state.governance.setRoleAssignment('distributedtask.project.serviceendpointrole', pid, auditors.id, 'Administrator');
    const spec = loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - project: platform
    name: sc-locked
    app: ado-locked
    scope: /subscriptions/${SUB}/resourceGroups/rg-locked
    roles: [Contributor]
    checks:
      businessHours: { days: [Monday, Tuesday], timeZone: UTC, start: '08:00', end: '17:00' }
      exclusiveLock: { timeout: 60 }
    security: { administrators: ['[platform]\\Release Approvers'], inheritance: false }
`)._unsafeUnwrap();
    const before = await planOf(spec);
    expect(governanceOf(before, 'sc-locked')).toEqual([
      'create check businessHours',
      'create check exclusiveLock',
      'create securityRole [platform]\\Release Approvers',
      'update securityRole inheritance',
    ]);
    expect((await run(spec)).ok).toBe(true);
    const endpoint = fake.state.serviceEndpoints().find((e) => e.name === 'sc-locked')!;
    expect(fake.state.governance.inheritance(SCOPE, `${pid}_${endpoint.id}`)).toBe(false);
    expect(fake.state.governance.checksOn('endpoint', endpoint.id).map((c) => c.timeout)).toEqual([1440, 60]);
    const after = await planOf(spec);
    expect(after.summary).toMatchObject({ create: 0, update: 0, delete: 0 });
    // The project-level Administrator is no longer inherited, and was never an assigned holder: no drift.
    expect(governanceOf(after, 'sc-locked')).toEqual([
      'unchanged check businessHours',
      'unchanged check exclusiveLock',
      'unchanged securityRole [platform]\\Release Approvers',
    ]);
  });

  it('plans no change right after apply while Graph still hides the new principals for 5 s (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      fake.setOptions({ replicationLagInMs: 5_000, clock: () => Date.now() });
      const spec = ENV_SET();
      const applied = apply(clients, spec, fast);
      await vi.runAllTimersAsync();
      expect((await applied)._unsafeUnwrap().ok).toBe(true);
      const planned = plan(clients, spec, { orphans: false });
      let settled = false;
      void planned.then(() => (settled = true));
      for (let i = 0; i < 40 && !settled; i++) await vi.advanceTimersByTimeAsync(500);
      const p = (await planned)._unsafeUnwrap();
      expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0 });
      expect(governanceOf(p, 'sc-web-prod').every((r) => r.startsWith('unchanged'))).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the plan of a governance drift is what sync then does', () => {
  const resource = (): string => `${projectId()}_${prod().id}`;
  const approval = () => fake.state.governance.checksOn('endpoint', prod().id).find((c) => c.type.id === CHECK_TYPE_IDS.approval)!;
  const drifts: [string, () => void][] = [
    ['an approval check deleted', () => void fake.state.governance.deleteCheck(approval().id)],
    ['an approval check edited', () => void (approval().settings = { ...approval().settings, minRequiredApprovers: 0 })],
    ['a user demoted', () => fake.state.governance.setRoleAssignment(SCOPE, resource(), approvers.id, 'Reader')],
    ['an administrator added', () => fake.state.governance.setRoleAssignment(SCOPE, resource(), auditors.id, 'Administrator')],
    [
      'the service principal deleted',
      () => void fake.state.deleteServicePrincipal(fake.state.servicePrincipalByAppId(prod().parameters['serviceprincipalid']!)!.id),
    ],
  ];

  it.each(drifts)('%s: the changes plan shows are the changes sync --prune reports', async (_, drift) => {
    expect((await run(ENV_SET())).ok).toBe(true);
    drift();
    await expectSyncDoesWhatPlanShows(clients, ENV_SET(), { ...fast, plan: { orphans: false, preflight: false } });
  });
});
