import { BUILT_IN_ROLES } from '@wif/arm';
import { getConnectionData } from '@wif/devops';
import { createTestCredential, serviceError } from '@wif/testing';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { finishMigration, migrationUsage } from './finish';
import { type JournalStore, memoryJournal, type MigrationRecord } from './journal';
import { resumeMigration, startMigration } from './migrate';
import { rollbackMigration } from './rollback';
import { migrationStatus } from './status';

const DEVOPS = 'https://dev.azure.com/contoso';
const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.parse('2026-03-02T09:00:00Z');
let now = T0;
const clock = () => now;

const { fake, server } = useFake({ setUp: () => (now = T0) });

/** A fresh "process": new clients, nothing shared with an earlier run but the journal text. */
const clients = () =>
  createClients({ credential: createTestCredential(), organization: 'contoso', retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } });
const replication = { delayInMs: 1, maxDelayInMs: 5 };
const options = (journal: JournalStore) => ({ journal, clock, replication });

interface Seeded {
  oldId: string;
  oldAppId: string;
  oldAppObjectId: string;
  oldSpId: string;
  sub: string;
  mg: string;
  userId: string;
}

/** The seed's starting point: a secret-based connection shared into two projects, with roles at three scopes. */
function seed(): Seeded {
  fake.state.addProject('platform');
  fake.state.addProject('web');
  const app = fake.state.addApplication({ displayName: 'old-app' });
  const sp = fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
  const old = fake.state.addServiceEndpoint({
    name: 'sc-prod',
    projects: ['platform', 'web'],
    scheme: 'ServicePrincipal',
    servicePrincipalId: app.appId,
  });
  const sub = `/subscriptions/${fake.state.subscriptionId}`;
  const mg = '/providers/Microsoft.Management/managementGroups/platform-mg';
  fake.state.addRoleAssignment({ scope: `${sub}/resourceGroups/rg-app`, roleDefinitionId: BUILT_IN_ROLES.Contributor, principalId: sp.id });
  fake.state.addRoleAssignment({ scope: sub, roleDefinitionId: BUILT_IN_ROLES.Owner, principalId: sp.id });
  fake.state.addRoleAssignment({ scope: mg, roleDefinitionId: BUILT_IN_ROLES.Reader, principalId: sp.id });
  const userId = '5d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
  fake.state.addPrincipal(userId, 'User');
  fake.state.addRoleAssignment({ scope: sub, roleDefinitionId: BUILT_IN_ROLES.Contributor, principalId: userId, principalType: 'User' });
  fake.state.pipelinePermissions('platform', old.id)!.pipelines.push({ id: 12, authorized: true }, { id: 13, authorized: false });
  fake.state.pipelinePermissions('web', old.id)!.allPipelines = { authorized: true };
  return { oldId: old.id, oldAppId: app.appId, oldAppObjectId: app.id, oldSpId: sp.id, sub, mg, userId };
}

const input = (s: Seeded) => ({ project: 'platform', connectionName: 'sc-prod', tenantId: fake.state.tenantId, inventoryScopes: [s.mg] });

const newApp = () => fake.state.applications().find((a) => a.displayName === 'ado-sc-prod-wif');
const newSp = () => fake.state.servicePrincipalByAppId(newApp()!.appId);
const newConnection = () => fake.state.serviceEndpoints().find((e) => e.name === 'sc-prod-wif');
const rolesOf = (principalId: string) =>
  fake.state
    .roleAssignments()
    .filter((a) => a.principalId === principalId.toLowerCase())
    .map((a) => `${a.roleDefinitionId} ${a.scope.toLowerCase()}`)
    .sort();
const created = (operation: string, status: number) => fake.requests.filter((r) => r.operation === operation && r.status === status).length;

/** Nothing created twice, everything created once. */
function expectMigratedOnce(s: Seeded): void {
  expect(fake.state.applications()).toHaveLength(2);
  expect(fake.state.servicePrincipals()).toHaveLength(2);
  expect(fake.state.serviceEndpoints()).toHaveLength(2);
  expect(rolesOf(newSp()!.id)).toEqual(rolesOf(s.oldSpId));
  const fics = fake.state.federatedCredentials(newApp()!.id);
  expect(fics).toHaveLength(1);
  expect(fics[0]!.subject).toBe(fake.state.federation(newConnection()!.id)!.subject);
  expect(created('applications.update', 201)).toBe(1);
  expect(created('servicePrincipals.create', 201)).toBe(1);
  expect(created('serviceEndpoints.create', 200)).toBe(1);
  expect(created('federatedIdentityCredentials.create', 201)).toBe(1);
  expect(created('roleAssignments.create', 201)).toBe(3);
}

describe('startMigration → finishMigration', () => {
  it('runs the seven steps end to end and journals each', async () => {
    const s = seed();
    const journal = memoryJournal();
    const started = await startMigration(clients(), input(s), options(journal));
    const m = started._unsafeUnwrap();

    // 1. Inventory: the old principal's direct assignments with their real scopes, not the user's.
    expect(m.inventory!.roles.map((r) => `${r.roleName} ${r.scope} ${r.privileged}`).sort()).toEqual(
      [`Contributor ${s.sub}/resourceGroups/rg-app false`, `Owner ${s.sub} true`, `Reader ${s.mg} false`].sort(),
    );
    // 2–3. A new app beside the old one, holding the same roles; Owner only because the old one held it there.
    expect(rolesOf(newSp()!.id)).toEqual(rolesOf(s.oldSpId));
    expect(rolesOf(s.userId)).toHaveLength(1);
    expect(m.roles!.filter((r) => r.allowPrivileged).map((r) => r.roleName)).toEqual(['Owner']);
    expect(m.log.some((l) => l.step === 'copyRoles' && l.event === 'note' && /Owner at .* allowPrivileged/.test(l.message))).toBe(true);
    // 4. The new manual WIF connection in both projects, bound and verified.
    const conn = newConnection()!;
    expect(conn).toMatchObject({ scheme: 'WorkloadIdentityFederation', data: expect.objectContaining({ creationMode: 'Manual' }) });
    expect(conn.projectReferences.map((r) => fake.state.project(r.projectId)!.name).sort()).toEqual(['platform', 'web']);
    expect(m.connection).toMatchObject({ id: conn.id, name: 'sc-prod-wif' });
    expect(m.verifiedAt).not.toBeNull();
    // 5. The pipelines to switch, and their permissions copied onto the new connection.
    expect(m.pipelines).toEqual([
      { project: { id: expect.any(String), name: 'platform' }, allPipelines: false, pipelineIds: [12] },
      { project: { id: expect.any(String), name: 'web' }, allPipelines: true, pipelineIds: [] },
    ]);
    expect(fake.state.pipelinePermissions('platform', conn.id)!.pipelines.map((p) => [p.id, p.authorized])).toEqual([[12, true]]);
    expect(fake.state.pipelinePermissions('web', conn.id)!.allPipelines?.authorized).toBe(true);
    // 6. Live, and the old connection untouched.
    expect(m.liveAt).toBe(new Date(T0).toISOString());
    expect(fake.state.serviceEndpoint(s.oldId)).toBeDefined();
    expectMigratedOnce(s);
    const status = (await migrationStatus(journal, { clock }))._unsafeUnwrap();
    expect(status).toEqual([
      expect.objectContaining({
        id: s.oldId,
        phase: 'soaking',
        lastStep: 'live',
        nextStep: 'deleteOldConnection',
        pipelines: { count: 1, openToAllIn: ['web'] },
      }),
    ]);

    // 7. After the soak: old connection, then its role assignments, then its app.
    now = T0 + 8 * DAY;
    expect((await migrationStatus(journal, { clock }))._unsafeUnwrap()[0]!.phase).toBe('ready');
    const finished = (await finishMigration(clients(), m.id, options(journal)))._unsafeUnwrap();
    expect(fake.state.serviceEndpoint(s.oldId)).toBeUndefined();
    expect(rolesOf(s.oldSpId)).toEqual([]);
    expect(fake.state.application(s.oldAppObjectId)).toBeUndefined();
    expect(rolesOf(s.userId)).toHaveLength(1);
    expect(newConnection()).toBeDefined();
    expect(finished.cleanup).toMatchObject({ oldIdentityKept: false, finishedAt: new Date(now).toISOString() });
    const order = finished.log.filter((l) => l.event === 'done').map((l) => l.step);
    expect(order).toEqual([
      'inventory',
      'registerApp',
      'copyRoles',
      'createConnection',
      'governance',
      'bindCredential',
      'verify',
      'pipelines',
      'live',
      'deleteOldConnection',
      'revokeOldRoles',
      'deleteOldApp',
    ]);
    expect((await migrationStatus(journal, { clock }))._unsafeUnwrap()[0]).toMatchObject({ phase: 'finished', nextStep: null });
    // Finishing again changes nothing.
    const requests = fake.requests.length;
    expect((await finishMigration(clients(), m.id, options(journal)))._unsafeUnwrap().cleanup!.finishedAt).toBe(
      finished.cleanup!.finishedAt,
    );
    expect(fake.requests.length).toBe(requests);
  });

  it('keeps the resourceGroupName of a resource-group connection through start and finish', async () => {
    fake.state.addProject('platform');
    const app = fake.state.addApplication({ displayName: 'old-rg-app' });
    const sp = fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
    const sub = `/subscriptions/${fake.state.subscriptionId}`;
    fake.state.addServiceEndpoint({
      name: 'sc-rg',
      projects: 'platform',
      scheme: 'ServicePrincipal',
      servicePrincipalId: app.appId,
      data: { resourceGroupName: 'rg-app' },
    });
    fake.state.addRoleAssignment({
      scope: `${sub}/resourceGroups/rg-app`,
      roleDefinitionId: BUILT_IN_ROLES.Contributor,
      principalId: sp.id,
    });
    const journal = memoryJournal();
    const m = (
      await startMigration(clients(), { project: 'platform', connectionName: 'sc-rg', tenantId: fake.state.tenantId }, options(journal))
    )._unsafeUnwrap();
    expect(m.old.target).toMatchObject({ level: 'resourceGroup', resourceGroupName: 'rg-app' });
    const created = fake.state.serviceEndpoints().find((e) => e.name === 'sc-rg-wif')!;
    expect(created.data).toMatchObject({ scopeLevel: 'Subscription', resourceGroupName: 'rg-app' });
    now = T0 + 8 * DAY;
    (await finishMigration(clients(), m.id, options(journal)))._unsafeUnwrap();
    expect(fake.state.serviceEndpoints().map((e) => [e.name, e.data['resourceGroupName']])).toEqual([['sc-rg-wif', 'rg-app']]);
  });

  it('does not copy an assignment with a condition, and says so in the journal', async () => {
    const s = seed();
    const conditional = fake.state.addRoleAssignment({
      scope: `${s.sub}/resourceGroups/rg-data`,
      roleDefinitionId: BUILT_IN_ROLES.Reader,
      principalId: s.oldSpId,
    });
    conditional.condition = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'";
    const m = (await startMigration(clients(), input(s), options(memoryJournal())))._unsafeUnwrap();
    expect(m.inventory!.roles).toHaveLength(3);
    expect(m.inventory!.skipped).toEqual([
      expect.objectContaining({ scope: `${s.sub}/resourceGroups/rg-data`, reason: expect.stringContaining('condition') }),
    ]);
    expect(rolesOf(newSp()!.id)).toHaveLength(3);
    expect(m.log.some((l) => l.step === 'inventory' && l.event === 'note' && l.message.startsWith('Not copied:'))).toBe(true);
  });

  it('refuses to clean up before the soak is over, unless forced', async () => {
    const s = seed();
    const journal = memoryJournal();
    const m = (await startMigration(clients(), input(s), options(journal)))._unsafeUnwrap();
    now = T0 + 1 * DAY;
    const early = await finishMigration(clients(), m.id, options(journal));
    expect(early._unsafeUnwrapErr()).toMatchObject({
      kind: 'SoakNotOver',
      liveAt: new Date(T0).toISOString(),
      soakEndsAt: new Date(T0 + 7 * DAY).toISOString(),
      remainingInMs: 6 * DAY,
    });
    expect(fake.state.serviceEndpoint(s.oldId)).toBeDefined();
    expect((await migrationStatus(journal, { clock }))._unsafeUnwrap()[0]!.phase).toBe('soaking');
    // A shorter soak, or force.
    expect((await finishMigration(clients(), m.id, { ...options(journal), soakInMs: 2 * DAY }))._unsafeUnwrapErr().kind).toBe(
      'SoakNotOver',
    );
    const forced = await finishMigration(clients(), m.id, { ...options(journal), force: true });
    expect(forced.isOk()).toBe(true);
    expect(fake.state.serviceEndpoint(s.oldId)).toBeUndefined();
    expect(forced._unsafeUnwrap().log.some((l) => /before the end of the soak \(force\)/.test(l.message))).toBe(true);
  });

  it('refuses to clean up while pipelines still run with the old connection, naming them, unless told to ignore it', async () => {
    const s = seed();
    const journal = memoryJournal();
    // Runs before the migration do not count: every pipeline used the old connection then.
    fake.state.addServiceEndpointExecution(s.oldId, {
      project: 'platform',
      definition: { id: 7, name: 'deploy-app' },
      startTime: new Date(T0 - DAY).toISOString(),
    });
    const m = (await startMigration(clients(), input(s), options(journal)))._unsafeUnwrap();
    now = T0 + 8 * DAY;
    // During the soak one pipeline (in the other project) was never switched; another was, after a last run on the old one.
    fake.state.addServiceEndpointExecution(s.oldId, {
      project: 'web',
      definition: { id: 9, name: 'web-release' },
      runName: '20260305.2',
      startTime: new Date(T0 + 3 * DAY).toISOString(),
    });
    fake.state.addServiceEndpointExecution(s.oldId, {
      project: 'platform',
      definition: { id: 7, name: 'deploy-app' },
      runName: '20260303.1',
      startTime: new Date(T0 + DAY).toISOString(),
      result: 'failed',
    });
    // What status --usage shows during the soak is what finish will refuse on.
    const usage = (await migrationUsage(clients(), m.id, options(journal)))._unsafeUnwrap();
    expect(usage.uses.map((u) => u.pipeline)).toEqual(['web-release', 'deploy-app']);
    const refused = (await finishMigration(clients(), m.id, options(journal)))._unsafeUnwrapErr();
    expect(refused).toMatchObject({
      kind: 'OldConnectionInUse',
      connectionId: s.oldId,
      uses: [
        { project: 'web', pipeline: 'web-release', run: '20260305.2', at: new Date(T0 + 3 * DAY).toISOString(), result: 'succeeded' },
        { project: 'platform', pipeline: 'deploy-app', run: '20260303.1', at: new Date(T0 + DAY).toISOString(), result: 'failed' },
      ],
    });
    expect(refused.message).toContain('point them at "sc-prod-wif"');
    // Nothing was deleted, and clean-up has not begun.
    expect(fake.state.serviceEndpoint(s.oldId)).toBeDefined();
    expect(rolesOf(s.oldSpId)).toHaveLength(3);
    expect((await migrationStatus(journal, { clock }))._unsafeUnwrap()[0]!.phase).toBe('ready');
    const done = (await finishMigration(clients(), m.id, { ...options(journal), ignoreRecentUse: true }))._unsafeUnwrap();
    expect(done.cleanup?.finishedAt).not.toBeNull();
    expect(fake.state.serviceEndpoint(s.oldId)).toBeUndefined();
    // Once the old connection is gone there is no usage to read.
    expect((await migrationUsage(clients(), m.id, options(journal)))._unsafeUnwrapErr().kind).toBe('MigrationState');
  });

  it('asks confirm once every check has passed, naming what goes; no answer, a no or a throw deletes nothing', async () => {
    const s = seed();
    const journal = memoryJournal();
    const m = (await startMigration(clients(), input(s), options(journal)))._unsafeUnwrap();
    const questions: string[] = [];
    const answer = (yes: boolean) => (q: string) => (questions.push(q), yes);
    // Refused by the soak: no question first.
    const early = await finishMigration(clients(), m.id, { ...options(journal), confirm: answer(true) });
    expect(early._unsafeUnwrapErr().kind).toBe('SoakNotOver');
    expect(questions).toEqual([]);
    now = T0 + 8 * DAY;
    const no = (await finishMigration(clients(), m.id, { ...options(journal), confirm: answer(false) }))._unsafeUnwrapErr();
    expect(no).toEqual({ kind: 'Aborted', message: 'Not confirmed: nothing was deleted.' });
    expect(questions).toEqual([
      `Delete the old connection "sc-prod" (platform, web), the 3 role assignment(s) of its identity that the inventory found, its app ${s.oldAppId}?`,
    ]);
    const thrown = await finishMigration(clients(), m.id, {
      ...options(journal),
      confirm: () => {
        throw new Error('no terminal');
      },
    });
    expect(thrown._unsafeUnwrapErr()).toMatchObject({ kind: 'Aborted', message: 'The confirmation failed: nothing was deleted.' });
    const back = (await rollbackMigration(clients(), m.id, { ...options(journal), confirm: answer(false) }))._unsafeUnwrapErr();
    expect(back.kind).toBe('Aborted');
    expect(questions[1]).toMatch(
      /^Delete the new connection "sc-prod-wif" and what migration .* created for it \(.*app\)\? The old connection "sc-prod" is not touched\.$/,
    );
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect((await migrationStatus(journal, { clock }))._unsafeUnwrap()[0]!.phase).toBe('ready');
    const done = (await finishMigration(clients(), m.id, { ...options(journal), confirm: async () => true }))._unsafeUnwrap();
    expect(done.cleanup?.finishedAt).not.toBeNull();
    expect(fake.state.serviceEndpoint(s.oldId)).toBeUndefined();
  });

  it('refuses to delete an app still used by another connection, and deletes nothing', async () => {
    const s = seed();
    fake.state.addProject('data');
    fake.state.addServiceEndpoint({ name: 'sc-data', projects: 'data', scheme: 'ServicePrincipal', servicePrincipalId: s.oldAppId });
    const journal = memoryJournal();
    const m = (await startMigration(clients(), input(s), options(journal)))._unsafeUnwrap();
    now = T0 + 8 * DAY;
    const refused = (await finishMigration(clients(), m.id, options(journal)))._unsafeUnwrapErr();
    expect(refused).toMatchObject({
      kind: 'AppStillInUse',
      appId: s.oldAppId,
      connections: [{ name: 'sc-data', projects: ['data'] }],
      unreadableProjects: [],
    });
    expect(refused.message).toMatch(/keepOldIdentity/);
    expect(fake.state.serviceEndpoint(s.oldId)).toBeDefined();
    expect(fake.state.application(s.oldAppObjectId)).toBeDefined();
    expect(rolesOf(s.oldSpId)).toHaveLength(3);

    // Keeping the old identity: only the old connection goes.
    const kept = (await finishMigration(clients(), m.id, { ...options(journal), keepOldIdentity: true }))._unsafeUnwrap();
    expect(fake.state.serviceEndpoint(s.oldId)).toBeUndefined();
    expect(fake.state.application(s.oldAppObjectId)).toBeDefined();
    expect(rolesOf(s.oldSpId)).toHaveLength(3);
    expect(kept.cleanup).toMatchObject({ oldIdentityKept: true, oldAppDeletedAt: null });
    expect((await migrationStatus(journal, { clock }))._unsafeUnwrap()[0]!.phase).toBe('finished');
  });

  it('refuses to delete the old app when a project cannot be read', async () => {
    const s = seed();
    const locked = fake.state.addProject('locked');
    const journal = memoryJournal();
    const m = (await startMigration(clients(), input(s), options(journal)))._unsafeUnwrap();
    now = T0 + 8 * DAY;
    server.use(
      http.get(`${DEVOPS}/${locked.id}/_apis/serviceendpoint/endpoints`, () =>
        serviceError('devops', 403, 'AccessCheckException', 'Access denied.'),
      ),
    );
    expect((await finishMigration(clients(), m.id, options(journal)))._unsafeUnwrapErr()).toMatchObject({
      kind: 'AppStillInUse',
      connections: [],
      unreadableProjects: ['locked'],
    });
    expect(fake.state.serviceEndpoint(s.oldId)).toBeDefined();
  });

  it('refuses to clean up while the new connection does not verify', async () => {
    const s = seed();
    const journal = memoryJournal();
    const m = (await startMigration(clients(), input(s), options(journal)))._unsafeUnwrap();
    fake.state.federatedCredentials(newApp()!.id)[0]!.subject += '-drifted';
    now = T0 + 8 * DAY;
    expect((await finishMigration(clients(), m.id, options(journal)))._unsafeUnwrapErr().kind).toBe('SubjectMismatch');
    expect(fake.state.serviceEndpoint(s.oldId)).toBeDefined();
  });
});

const ROLE_SCOPE = 'distributedtask.serviceendpointrole';
const APPROVAL = '8c6f20a7-a545-4486-9777-f762fafe0d4d';
const TASK_CHECK = 'fe1de3ee-a436-41b4-bb20-f6eb4cb879a7';
const LOCK = '2ef31ad6-baa0-403a-8b45-2cbc9b4e5563';

/** The old connection's guards: an approval, branch control, a disabled exclusive lock; roles in both projects. */
function guard(s: Seeded) {
  const platform = fake.state.project('platform')!;
  const web = fake.state.project('web')!;
  const approvers = fake.state.governance.addDevOpsIdentity({ providerDisplayName: '[platform]\\Release Approvers' });
  const alice = fake.state.governance.addDevOpsIdentity({ providerDisplayName: 'Alice', mailAddress: 'alice@contoso.com' });
  const resource = { type: 'endpoint', id: s.oldId };
  const approval = {
    approvers: [{ id: approvers.id, displayName: '[platform]\\Release Approvers' }],
    executionOrder: 'anyOrder',
    minRequiredApprovers: 1,
    instructions: 'Change ticket first',
    requesterCannotBeApprover: true,
    blockedApprovers: [],
  };
  const branch = {
    displayName: 'Protected branches only',
    definitionRef: { id: '86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b', name: 'evaluatebranchProtection', version: '0.0.1' },
    inputs: { allowedBranches: 'refs/heads/main', ensureProtectionOfBranch: 'true', allowUnknownStatusBranch: 'false' },
  };
  const gov = fake.state.governance;
  gov.addCheck({ projectId: platform.id, type: { id: APPROVAL, name: 'Approval' }, resource, settings: approval, timeout: 720 });
  gov.addCheck({ projectId: platform.id, type: { id: TASK_CHECK, name: 'Task Check' }, resource, settings: branch, timeout: 1440 });
  gov.addCheck({ projectId: platform.id, type: { id: LOCK, name: 'ExclusiveLock' }, resource, settings: {}, isDisabled: true });
  gov.setRoleAssignment(ROLE_SCOPE, `${platform.id}_${s.oldId}`, alice.id, 'Administrator');
  gov.setRoleAssignment(ROLE_SCOPE, `${platform.id}_${s.oldId}`, approvers.id, 'User');
  gov.setRoleAssignment(ROLE_SCOPE, `${web.id}_${s.oldId}`, alice.id, 'Reader');
  return { platform, web, alice, approvers, approval, branch };
}

/** The checks on a connection as the service would compare them: kind, settings, timeout, disabled. */
const checksOn = (id: string) =>
  fake.state.governance
    .checksOn('endpoint', id)
    .map((c) => ({ type: c.type.id, settings: c.settings, timeout: c.timeout, isDisabled: c.isDisabled }));

describe("the old connection's guards", () => {
  it('are on the new connection before it can authenticate: every check, as it was, and the assigned roles per project', async () => {
    const s = seed();
    const g = guard(s);
    const m = (await startMigration(clients(), input(s), options(memoryJournal())))._unsafeUnwrap();
    const conn = newConnection()!;
    expect(checksOn(conn.id)).toEqual(checksOn(s.oldId));
    expect(checksOn(conn.id).map((c) => c.isDisabled)).toEqual([false, false, true]);
    const roles = (projectId: string) =>
      Object.fromEntries(fake.state.governance.roleAssignments(ROLE_SCOPE, `${projectId}_${conn.id}`) ?? []);
    // The old connection's creator (seeded) stays an Administrator; the caller created the new one.
    const oldCreator = fake.state.serviceEndpoint(s.oldId)!.createdBy.id.toLowerCase();
    expect(roles(g.platform.id)).toEqual({
      [g.alice.id]: 'Administrator',
      [g.approvers.id]: 'User',
      [oldCreator]: 'Administrator',
      [conn.createdBy.id.toLowerCase()]: 'Administrator',
    });
    expect(roles(g.web.id)).toMatchObject({ [g.alice.id]: 'Reader', [oldCreator]: 'Administrator' });
    expect(m.governance!.checks).toEqual([
      { from: expect.any(Number), id: expect.any(Number), type: 'Approval', disabled: false },
      { from: expect.any(Number), id: expect.any(Number), type: 'Branch control', disabled: false },
      { from: expect.any(Number), id: expect.any(Number), type: 'Exclusive lock', disabled: true },
    ]);
    const platform = { id: g.platform.id, name: 'platform' };
    const web = { id: g.web.id, name: 'web' };
    const byKey = (x: { project: { name: string }; name: string }) => `${x.project.name} ${x.name}`;
    expect([...m.governance!.roles].sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual([
      { project: platform, identityId: g.approvers.id, name: '[platform]\\Release Approvers', role: 'User' },
      { project: platform, identityId: g.alice.id, name: 'Alice', role: 'Administrator' },
      { project: platform, identityId: oldCreator, name: 'Seeded', role: 'Administrator' },
      { project: web, identityId: g.alice.id, name: 'Alice', role: 'Reader' },
      { project: web, identityId: oldCreator, name: 'Seeded', role: 'Administrator' },
    ]);
    // The checks were written before the credential that makes the connection usable.
    const order = fake.requests.map((r) => r.operation);
    expect(order.filter((o) => o === 'POST checkConfiguration')).toHaveLength(3);
    expect(order.lastIndexOf('POST checkConfiguration')).toBeLessThan(order.indexOf('federatedIdentityCredentials.create'));
    // The old connection keeps its own.
    expect(fake.state.governance.checksOn('endpoint', s.oldId)).toHaveLength(3);
  });

  it('are copied once when the run is killed after a check was added, and rollback removes the copies only', async () => {
    const s = seed();
    guard(s);
    const journal = memoryJournal();
    let posts = 0;
    server.use(
      http.post(/\/_apis\/pipelines\/checks\/configurations$/, () => {
        posts += 1;
        // The second add is refused: the run stops with one check copied.
        return posts === 2 ? serviceError('devops', 400, 'InvalidRequest', 'Simulated rejection after the first copy.') : undefined;
      }),
    );
    const stopped = (await startMigration(clients(), input(s), options(journal)))._unsafeUnwrapErr();
    expect(stopped).toMatchObject({ kind: 'BadRequest' });
    expect(stopped.message).toMatch(/^Copying the Branch control check \d+ of "sc-prod" onto "sc-prod-wif": .*Simulated rejection/);
    expect((await migrationStatus(journal, { clock }))._unsafeUnwrap()[0]).toMatchObject({ nextStep: 'governance' });
    const later = memoryJournal(journal.text);
    const resumed = (await resumeMigration(clients(), s.oldId, options(later)))._unsafeUnwrap();
    const conn = newConnection()!;
    expect(checksOn(conn.id)).toEqual(checksOn(s.oldId));
    expect(resumed.governance!.checks.map((c) => c.id)).toEqual(fake.state.governance.checksOn('endpoint', conn.id).map((c) => c.id));

    const rolled = (await rollbackMigration(clients(), s.oldId, options(later)))._unsafeUnwrap();
    expect(fake.state.governance.checksOn('endpoint', conn.id)).toEqual([]);
    expect(fake.state.governance.checksOn('endpoint', s.oldId)).toHaveLength(3);
    expect(rolled.log.at(-1)!.message).toContain('3 check(s), connection');
    const deletes = fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.operation);
    expect(deletes.slice(0, 5)).toEqual([
      'federatedIdentityCredentials.delete',
      'DELETE checkConfiguration',
      'DELETE checkConfiguration',
      'DELETE checkConfiguration',
      'serviceEndpoints.delete',
    ]);
  });

  it('never lowers the role of the caller, who created the new connection, and says so', async () => {
    const s = seed();
    const g = guard(s);
    const caller = (await getConnectionData(clients().devops))._unsafeUnwrap().authenticatedUser!.id;
    fake.state.governance.setRoleAssignment(ROLE_SCOPE, `${g.platform.id}_${s.oldId}`, caller, 'User');
    const m = (await startMigration(clients(), input(s), options(memoryJournal())))._unsafeUnwrap();
    const conn = newConnection()!;
    expect(fake.state.governance.roleAssignments(ROLE_SCOPE, `${g.platform.id}_${conn.id}`)!.get(caller.toLowerCase())).toBe(
      'Administrator',
    );
    expect(m.governance!.roles.map((r) => r.identityId)).not.toContain(caller.toLowerCase());
    expect(m.log.some((l) => l.step === 'governance' && l.event === 'note' && l.message.includes('stay Administrator'))).toBe(true);
  });

  it('are copied by finish for a migration journaled before this step existed, before the old connection goes', async () => {
    const s = seed();
    const journal = memoryJournal();
    (await startMigration(clients(), input(s), options(journal)))._unsafeUnwrap();
    // What an older wif wrote: no governance field, and the guards added to the old connection since.
    const doc = JSON.parse(journal.text!) as { migrations: Record<string, unknown>[] };
    delete doc.migrations[0]!['governance'];
    const older = memoryJournal(JSON.stringify(doc));
    const g = guard(s);
    const before = (await migrationStatus(older, { clock }))._unsafeUnwrap()[0]!;
    expect(before).toMatchObject({ phase: 'soaking', nextStep: 'governance' });
    now = T0 + 8 * DAY;
    const done = (await finishMigration(clients(), s.oldId, options(older)))._unsafeUnwrap();
    expect(fake.state.serviceEndpoint(s.oldId)).toBeUndefined();
    expect(checksOn(newConnection()!.id)).toHaveLength(3);
    expect(done.governance!.roles.map((r) => r.identityId)).toContain(g.alice.id);
    const steps = done.log.filter((l) => l.event === 'done').map((l) => l.step);
    expect(steps.indexOf('governance')).toBeLessThan(steps.indexOf('deleteOldConnection'));
  });
});

describe('rollbackMigration', () => {
  it('deletes what the migration created, never the old connection, app or roles', async () => {
    const s = seed();
    const journal = memoryJournal();
    const m = (await startMigration(clients(), input(s), options(journal)))._unsafeUnwrap();
    const newAppObjectId = newApp()!.id;
    const newSpId = newSp()!.id;
    const rolled = (await rollbackMigration(clients(), m.id, options(journal)))._unsafeUnwrap();
    expect(rolled.rolledBackAt).not.toBeNull();
    expect(fake.state.application(newAppObjectId)).toBeUndefined();
    expect(newConnection()).toBeUndefined();
    expect(rolesOf(newSpId)).toEqual([]);
    expect(fake.state.serviceEndpoint(s.oldId)).toBeDefined();
    expect(fake.state.application(s.oldAppObjectId)).toBeDefined();
    expect(rolesOf(s.oldSpId)).toHaveLength(3);
    // Credential, connection, roles, app: in that order.
    const deletes = fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.operation);
    expect(deletes).toEqual([
      'federatedIdentityCredentials.delete',
      'serviceEndpoints.delete',
      'roleAssignments.delete',
      'roleAssignments.delete',
      'roleAssignments.delete',
      'applications.delete',
    ]);
    expect((await migrationStatus(journal, { clock }))._unsafeUnwrap()[0]).toMatchObject({
      phase: 'rolled-back',
      lastStep: 'rollback',
      nextStep: null,
    });
    expect((await finishMigration(clients(), m.id, options(journal)))._unsafeUnwrapErr().kind).toBe('MigrationState');
    expect((await resumeMigration(clients(), m.id, options(journal)))._unsafeUnwrapErr().kind).toBe('MigrationState');
    // Starting again after a rollback is a fresh migration.
    const again = (await startMigration(clients(), input(s), options(journal)))._unsafeUnwrap();
    expect(again.rolledBackAt).toBeNull();
    expect(again.log.some((l) => l.message === 'restarted after a rollback')).toBe(true);
    expect(newConnection()).toBeDefined();
  });

  it('finds what a killed run created but never recorded', async () => {
    const s = seed();
    // The connection is created, then the process dies before the journal records it.
    const inner = memoryJournal();
    const m = await startMigration(clients(), input(s), options(failingAfter(inner, writesUntil('createConnection', 'done'))));
    expect(m._unsafeUnwrapErr().kind).toBe('Journal');
    expect(newConnection()).toBeDefined();
    const journal = memoryJournal(inner.text);
    const record = JSON.parse(journal.text!).migrations[0] as MigrationRecord;
    expect(record.connection).toBeNull();
    (await rollbackMigration(clients(), s.oldId, options(journal)))._unsafeUnwrap();
    expect(newConnection()).toBeUndefined();
    expect(newApp()).toBeUndefined();
    expect(fake.state.serviceEndpoint(s.oldId)).toBeDefined();
  });

  it('refuses while pipelines run with the new connection since it went live, deleting nothing, unless told to ignore it', async () => {
    const s = seed();
    const journal = memoryJournal();
    const m = (await startMigration(clients(), input(s), options(journal)))._unsafeUnwrap();
    const conn = newConnection()!;
    // A run before the go-live does not count; one after it does: that pipeline was switched.
    fake.state.addServiceEndpointExecution(conn.id, {
      project: 'platform',
      definition: { id: 12, name: 'deploy-app' },
      startTime: new Date(T0 - 60_000).toISOString(),
    });
    now = T0 + 2 * DAY;
    fake.state.addServiceEndpointExecution(conn.id, {
      project: 'web',
      definition: { id: 9, name: 'web-release' },
      runName: '20260303.1',
      startTime: new Date(T0 + DAY).toISOString(),
    });
    const deletes = () => fake.requests.filter((r) => r.method === 'DELETE').length;
    // What status --usage shows for the new connection is what rollback refuses on; the old one's is apart.
    const switched = (await migrationUsage(clients(), m.id, { ...options(journal), connection: 'new' }))._unsafeUnwrap();
    expect(switched.uses.map((u) => u.pipeline)).toEqual(['web-release']);
    expect((await migrationUsage(clients(), m.id, options(journal)))._unsafeUnwrap().uses).toEqual([]);
    const refused = (await rollbackMigration(clients(), m.id, options(journal)))._unsafeUnwrapErr();
    expect(refused).toMatchObject({
      kind: 'NewConnectionInUse',
      connectionId: conn.id,
      uses: [{ project: 'web', pipeline: 'web-release', run: '20260303.1', at: new Date(T0 + DAY).toISOString() }],
    });
    expect(refused.kind === 'NewConnectionInUse' && refused.uses).toHaveLength(1);
    expect(refused.message).toContain('point them back at "sc-prod"');
    expect(refused.message).toContain('--ignore-recent-use');
    expect(deletes()).toBe(0);
    expect(newConnection()).toBeDefined();
    expect((await migrationStatus(journal, { clock }))._unsafeUnwrap()[0]!.phase).toBe('soaking');
    const rolled = (await rollbackMigration(clients(), m.id, { ...options(journal), ignoreRecentUse: true }))._unsafeUnwrap();
    expect(rolled.rolledBackAt).not.toBeNull();
    expect(newConnection()).toBeUndefined();
    expect(fake.state.serviceEndpoint(s.oldId)).toBeDefined();
  });

  it('refuses once the old connection is gone', async () => {
    const s = seed();
    const journal = memoryJournal();
    const m = (await startMigration(clients(), input(s), options(journal)))._unsafeUnwrap();
    await finishMigration(clients(), m.id, { ...options(journal), force: true });
    expect((await rollbackMigration(clients(), m.id, options(journal)))._unsafeUnwrapErr()).toMatchObject({
      kind: 'MigrationState',
      phase: 'finished',
    });
    expect(newConnection()).toBeDefined();
  });
});

/** A journal that dies (throws on every write) after `n` successful writes, like a killed process. */
function failingAfter(inner: JournalStore, n: number): JournalStore {
  let writes = 0;
  return {
    read: () => inner.read(),
    write: async (text) => {
      writes += 1;
      if (writes > n) throw new Error('process killed');
      await inner.write(text);
    },
  };
}

/** The journal writes of a clean run, in order: the record, then each step's `started` and `done`. */
const CLEAN_WRITES = [
  'created',
  ...['inventory', 'registerApp', 'copyRoles', 'createConnection', 'governance', 'bindCredential', 'verify', 'pipelines', 'live'].flatMap(
    (st) => [`${st} started`, `${st} done`],
  ),
];
const writesUntil = (step: string, event: string): number => CLEAN_WRITES.indexOf(`${step} ${event}`);

describe('a migration killed at any point', () => {
  it('journals the steps in the order they run', async () => {
    seed();
    const inner = memoryJournal();
    const writes: string[] = [];
    const recording: JournalStore = {
      read: () => inner.read(),
      write: async (text) => {
        const before = inner.text ? (JSON.parse(inner.text).migrations[0] as MigrationRecord).log.length : 0;
        const first = (JSON.parse(text).migrations[0] as MigrationRecord).log[before];
        writes.push(first ? `${first.step} ${first.event}` : 'created');
        await inner.write(text);
      },
    };
    (
      await startMigration(clients(), { project: 'platform', connectionName: 'sc-prod', tenantId: fake.state.tenantId }, options(recording))
    )._unsafeUnwrap();
    expect(writes).toEqual(CLEAN_WRITES);
  });

  it('resumes after each journal write without creating anything twice', async () => {
    for (let n = 0; n < CLEAN_WRITES.length; n++) {
      fake.reset();
      const s = seed();
      const inner = memoryJournal();
      const killed = await startMigration(clients(), input(s), options(failingAfter(inner, n)));
      expect(killed._unsafeUnwrapErr()).toMatchObject({ kind: 'Journal', reason: 'Write' });
      // A fresh process with what the journal holds.
      const journal = memoryJournal(inner.text);
      const resumed =
        n === 0 ? await startMigration(clients(), input(s), options(journal)) : await resumeMigration(clients(), s.oldId, options(journal));
      expect(resumed.isOk(), `killed after write ${n} (${CLEAN_WRITES[n - 1] ?? 'none'})`).toBe(true);
      expectMigratedOnce(s);
      expect(resumed._unsafeUnwrap().liveAt).not.toBeNull();
    }
  });

  it.each([
    ['createConnection', 'copyRoles', 'devops', 'POST', /\/contoso\/_apis\/serviceendpoint\/endpoints$/, 1],
    ['copyRoles', 'registerApp', 'arm', 'PUT', /\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/, 2],
    ['bindCredential', 'governance', 'graph', 'POST', /\/federatedIdentityCredentials$/, 1],
    ['pipelines', 'verify', 'devops', 'PATCH', /\/pipelinePermissions\/endpoint\/[^/]+$/, 1],
  ] as const)('resumes after %s failed half-way with a non-retryable error', async (step, lastStep, service, method, url, nth) => {
    const s = seed();
    const journal = memoryJournal();
    let seen = 0;
    server.use(
      http[method.toLowerCase() as 'post' | 'put' | 'patch'](url, () => {
        seen += 1;
        return seen === nth ? serviceError(service, 400, 'InvalidRequest', 'Simulated rejection.') : undefined;
      }),
    );
    const failed = await startMigration(clients(), input(s), options(journal));
    expect(failed._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest' });
    const status = (await migrationStatus(journal, { clock }))._unsafeUnwrap()[0]!;
    expect(status).toMatchObject({ phase: 'in-progress', lastStep, nextStep: step, lastError: { step, kind: 'BadRequest' } });
    const resumed = (await resumeMigration(clients(), s.oldId, options(memoryJournal(journal.text))))._unsafeUnwrap();
    expect(resumed.lastError).toBeNull();
    expectMigratedOnce(s);
  });

  it('resumes an interrupted clean-up where it stopped', async () => {
    const s = seed();
    const inner = memoryJournal();
    const m = (await startMigration(clients(), input(s), options(inner)))._unsafeUnwrap();
    now = T0 + 8 * DAY;
    // Killed right after the old connection was deleted and recorded.
    let writes = 0;
    const dying: JournalStore = {
      read: () => inner.read(),
      write: async (text) => {
        if (++writes > 3) throw new Error('process killed');
        await inner.write(text);
      },
    };
    expect((await finishMigration(clients(), m.id, options(dying)))._unsafeUnwrapErr().kind).toBe('Journal');
    expect(fake.state.serviceEndpoint(s.oldId)).toBeUndefined();
    expect(fake.state.application(s.oldAppObjectId)).toBeDefined();
    expect((await migrationStatus(inner, { clock }))._unsafeUnwrap()[0]).toMatchObject({
      phase: 'cleaning-up',
      nextStep: 'revokeOldRoles',
    });
    // The question of the resumed clean-up names only what is left.
    const questions: string[] = [];
    const confirm = (q: string) => (questions.push(q), true);
    const done = (await finishMigration(clients(), m.id, { ...options(memoryJournal(inner.text)), confirm }))._unsafeUnwrap();
    expect(questions).toEqual([`Delete the 3 role assignment(s) of its identity that the inventory found, its app ${s.oldAppId}?`]);
    expect(done.cleanup!.finishedAt).not.toBeNull();
    expect(fake.state.application(s.oldAppObjectId)).toBeUndefined();
    expect(rolesOf(s.oldSpId)).toEqual([]);
    expect(fake.requests.filter((r) => r.operation === 'serviceEndpoints.delete')).toHaveLength(1);
    // Everything deleted but not yet marked finished (killed before the last journal write): nothing to ask.
    const last = JSON.parse(inner.text!) as { migrations: MigrationRecord[] };
    const record = last.migrations[0]!;
    const deleted = { ...record.cleanup!, oldRolesRevokedAt: record.updatedAt, oldAppDeletedAt: record.updatedAt, finishedAt: null };
    const allGone = memoryJournal(JSON.stringify({ ...last, migrations: [{ ...record, cleanup: deleted }] }));
    (await finishMigration(clients(), m.id, { ...options(allGone), confirm }))._unsafeUnwrap();
    expect(questions).toHaveLength(1);
  });
});

describe('startMigration input', () => {
  it('refuses what it cannot migrate before writing anything', async () => {
    fake.state.addProject('platform');
    fake.state.addServiceEndpoint({ name: 'sc-msi', projects: 'platform', scheme: 'ManagedServiceIdentity' });
    const journal = memoryJournal();
    const tenantId = fake.state.tenantId;
    expect(
      (await startMigration(clients(), { project: 'platform', connectionName: 'sc-msi', tenantId }, options(journal)))._unsafeUnwrapErr(),
    ).toMatchObject({ kind: 'NotMigratable', reason: 'OtherScheme' });
    expect(
      (await startMigration(clients(), { project: 'platform', connectionName: 'nope', tenantId }, options(journal)))._unsafeUnwrapErr()
        .kind,
    ).toBe('NotFound');
    expect((await startMigration(clients(), { project: 'platform', tenantId }, options(journal)))._unsafeUnwrapErr().kind).toBe(
      'Validation',
    );
    expect(journal.text).toBeUndefined();
  });

  it('refuses a connection bound to another tenant', async () => {
    const s = seed();
    const other = '9c1f2e3d-4b5a-4c6d-8e7f-0a1b2c3d4e5f';
    expect((await startMigration(clients(), { ...input(s), tenantId: other }, options(memoryJournal())))._unsafeUnwrapErr()).toMatchObject({
      kind: 'IdentityMismatch',
      field: 'tenantId',
    });
  });
});

describe('migrating onto a user-assigned managed identity', () => {
  const onIdentity = (s: Seeded, name?: string) => ({
    ...input(s),
    identity: {
      subscriptionId: fake.state.subscriptionId,
      resourceGroup: 'rg-identities',
      location: 'westeurope',
      ...(name ? { name } : {}),
    },
  });
  const identity = (name = 'id-sc-prod-wif') => fake.state.governance.managedIdentity(fake.state.subscriptionId, 'rg-identities', name);
  const graphWrites = (from: number) =>
    fake.requests
      .slice(from)
      .filter((r) => r.service === 'graph' && r.method !== 'GET')
      .map((r) => `${r.method} ${r.operation}`);

  it('makes the new connection run on the identity: same roles, journaled, verified over ARM; no Graph write; finish removes the old', async () => {
    const s = seed();
    const journal = memoryJournal();
    const from = fake.requests.length;
    const started = await startMigration(clients(), onIdentity(s), options(journal));
    expect(started.isErr() ? started.error : 'ok').toBe('ok');
    const record = started._unsafeUnwrap();
    const mi = identity()!;
    expect(mi.tags).toMatchObject({ 'wif:managed': 'true', 'wif:migration': s.oldId.toLowerCase() });
    expect(record.identity).toMatchObject({ name: 'id-sc-prod-wif', resourceGroup: 'rg-identities' });
    expect(record.app).toMatchObject({ appId: mi.clientId, servicePrincipalObjectId: mi.principalId });
    expect(record.verifiedAt).not.toBeNull();
    const conn = newConnection()!;
    expect(conn.parameters['serviceprincipalid']).toBe(mi.clientId);
    expect([...mi.credentials.keys()]).toEqual([`ado-sc-${conn.id}`]);
    expect(rolesOf(mi.principalId)).toEqual(rolesOf(s.oldSpId));
    expect(fake.state.applications()).toHaveLength(1); // only the old app: none registered
    expect(graphWrites(from)).toEqual([]);

    now = T0 + 8 * DAY;
    const done = (await finishMigration(clients(), record.id, options(journal)))._unsafeUnwrap();
    expect(done.cleanup?.finishedAt).not.toBeNull();
    expect(fake.state.serviceEndpoints().map((e) => e.name)).toEqual(['sc-prod-wif']);
    expect(identity()).toBeDefined();
  });

  it('rolls back: the credential, the connection, the roles and the identity it created go; the old connection stays', async () => {
    const s = seed();
    guard(s);
    const journal = memoryJournal();
    const record = (await startMigration(clients(), onIdentity(s), options(journal)))._unsafeUnwrap();
    expect(checksOn(record.connection!.id)).toEqual(checksOn(s.oldId));
    const principal = identity()!.principalId;
    const back = (await rollbackMigration(clients(), record.id, options(journal)))._unsafeUnwrap();
    expect(back.rolledBackAt).not.toBeNull();
    expect(fake.state.governance.checksOn('endpoint', record.connection!.id)).toEqual([]);
    expect(fake.state.governance.checksOn('endpoint', s.oldId)).toHaveLength(3);
    expect(identity()).toBeUndefined();
    expect(rolesOf(principal)).toEqual([]);
    expect(fake.state.serviceEndpoints().map((e) => e.name)).toEqual(['sc-prod']);
  });

  it('rollback leaves an identity that existed before, with its roles and other credentials', async () => {
    const s = seed();
    const shared = fake.state.governance.addManagedIdentity({
      subscriptionId: fake.state.subscriptionId,
      resourceGroup: 'rg-identities',
      name: 'id-shared',
      location: 'westeurope',
    });
    fake.state.governance.setManagedIdentityCredential(shared, {
      name: 'other',
      issuer: 'https://token.actions.githubusercontent.com',
      subject: 'repo:o/r:ref:refs/heads/main',
    });
    // A managed identity is a service principal without an application object (as the fake's PUT registers it).
    fake.state.addManagedIdentityServicePrincipal({ appId: shared.clientId, id: shared.principalId, displayName: shared.name });
    const journal = memoryJournal();
    const record = (await startMigration(clients(), onIdentity(s, 'id-shared'), options(journal)))._unsafeUnwrap();
    expect(shared.credentials.size).toBe(2);
    const roles = rolesOf(shared.principalId);
    expect(roles).toEqual(rolesOf(s.oldSpId));
    const back = (await rollbackMigration(clients(), record.id, options(journal)))._unsafeUnwrap();
    expect(back.rolledBackAt).not.toBeNull();
    expect(identity('id-shared')).toBe(shared);
    expect([...shared.credentials.keys()]).toEqual(['other']);
    expect(rolesOf(shared.principalId)).toEqual(roles);
    expect(newConnection()).toBeUndefined();
  });

  it('refuses a bad identity before any request', async () => {
    const s = seed();
    const from = fake.requests.length;
    const r = await startMigration(
      clients(),
      { ...input(s), identity: { subscriptionId: 'nope', resourceGroup: 'rg', location: 'westeurope' } },
      options(memoryJournal()),
    );
    expect(r._unsafeUnwrapErr().kind).toBe('Validation');
    expect(fake.requests.length).toBe(from);
  });
});
