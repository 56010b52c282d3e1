import { TEST_TENANT_ID } from '@wif/testing';
import { useFake } from '@wif/testing/vitest';
import { describe, expect, it } from 'vitest';
import { loadSpec, type ResolvedSpec } from '../spec/load';
import { apply, type ApplyReport } from './apply';
import { createClients } from './clients';
import { plan, type Plan } from './plan';
import { parseSavedPlan, serializePlan } from './savedPlan';
import { sync } from './sync';
import { rollback } from './_rollback';
import { expectSyncDoesWhatPlanShows } from '../../test/planThenSync';

const SUB = '11111111-2222-3333-4444-555555555555';
const RG = `/subscriptions/${SUB}/resourceGroups`;

// Reset before each test: state, knobs (issuer mode entra, no throttling, no latency), and the project.
const { fake, clients } = useFake({ projects: ['platform'], clients: createClients });
const fast = { replication: { delayInMs: 1, maxDelayInMs: 5 } } as const;

const IDENTITY = `{ kind: managedIdentity, subscriptionId: ${SUB}, resourceGroup: rg-identities, name: id-platform, location: westeurope }`;
/** The environment-set shape: three connections on ONE managed identity. */
const envSet = (identity = IDENTITY, readonly = ''): ResolvedSpec =>
  loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
environments:
  - project: platform
    name: sc-platform
    subscriptionId: ${SUB}
    subscriptionName: Platform
    identity: ${identity}
    dev: { resourceGroup: rg-dev }
    prod: { resourceGroup: rg-prod, pipelines: [12] }
${readonly}`)._unsafeUnwrap();

const only = (s: ResolvedSpec, ...names: string[]): ResolvedSpec => ({
  ...s,
  connections: s.connections.filter((c) => names.includes(c.name)),
});
const graphRequests = (from = 0): string[] =>
  fake.requests
    .slice(from)
    .filter((r) => r.service === 'graph')
    .map((r) => `${r.method} ${r.operation}`);
const identity = () => fake.state.governance.managedIdentity(SUB, 'rg-identities', 'id-platform');
const run = async (s: ResolvedSpec | Plan, options = {}): Promise<ApplyReport> =>
  (await apply(clients, s, { ...fast, ...options }))._unsafeUnwrap();
const kinds = (p: Plan, name: string): string[] =>
  p.connections.find((c) => c.name === name)!.resources.map((r) => `${r.kind} ${r.action}`);

describe('plan and apply: connections on a managed identity', () => {
  it('plans the identity as a resource, then apply vends three connections on it with no Graph request', async () => {
    const s = envSet();
    const p = (await plan(clients, s))._unsafeUnwrap();
    expect(kinds(p, 'sc-platform-prod')).toEqual([
      'managedIdentity create',
      'roleAssignment create',
      'serviceConnection create',
      'identityCredential create',
      'pipelinePermission create',
    ]);
    expect(p.summary.refused).toBe(0);

    const report = await run(s);
    expect(report.ok).toBe(true);
    expect(report.summary).toMatchObject({ converged: 3, created: 3 });
    expect(graphRequests()).toEqual([]);

    const mi = identity()!;
    expect(mi.tags['wif:managed']).toBe('true');
    expect(fake.state.governance.managedIdentities()).toHaveLength(1);
    const endpoints = fake.state.serviceEndpoints();
    expect(endpoints).toHaveLength(3);
    for (const e of endpoints) {
      expect(e.parameters['serviceprincipalid']).toBe(mi.clientId);
      expect(e.parameters['tenantid']).toBe(mi.tenantId);
      // The credential on the identity carries exactly what the connection presents.
      const f = mi.credentials.get(`ado-sc-${e.id}`)!;
      const presented = fake.state.federation(e.id)!;
      expect([f.issuer, f.subject]).toEqual([presented.issuer, presented.subject]);
    }
    expect(mi.credentials.size).toBe(3);
    // Roles for the identity's principal, one per connection scope.
    const assigned = fake.state.roleAssignments().filter((a) => a.principalId === mi.principalId);
    expect(assigned.map((a) => a.scope).sort()).toEqual([`${RG}/rg-dev`, `${RG}/rg-prod`, `${RG}/rg-prod`]);
    expect(fake.state.applications()).toHaveLength(0);
  });

  it('plan right after apply shows no change, and sync of the same spec changes nothing', async () => {
    const s = envSet();
    expect((await run(s)).ok).toBe(true);
    const from = fake.requests.length;
    const p = (await plan(clients, s))._unsafeUnwrap();
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, refused: 0, errors: 0 });
    expect(kinds(p, 'sc-platform-dev')).toEqual([
      'managedIdentity unchanged',
      'roleAssignment unchanged',
      'serviceConnection unchanged',
      'identityCredential unchanged',
    ]);
    // The siblings' roles on the shared identity are not taken for extras.
    const synced = (await sync(clients, s, fast))._unsafeUnwrap();
    expect(synced.summary).toMatchObject({ converged: 3, unchanged: 3 });
    expect(synced.drifts).toEqual([]);
    expect(fake.state.roleAssignments().filter((a) => a.principalId === identity()!.principalId)).toHaveLength(3);
    expect(graphRequests(from)).toEqual([]);
  });

  it('a connection edited by hand on the Entra issuer: plan and apply both keep the identity credential as it is', async () => {
    const s = envSet();
    expect((await run(s)).ok).toBe(true);
    const dev = fake.state.serviceEndpoints().find((e) => e.name === 'sc-platform-dev')!;
    dev.data['subscriptionName'] = 'edited in the portal';
    const p = (await plan(clients, s))._unsafeUnwrap();
    expect(kinds(p, 'sc-platform-dev')).toEqual([
      'managedIdentity unchanged',
      'roleAssignment unchanged',
      'serviceConnection update',
      'identityCredential unchanged',
    ]);
    const done = (await run(s)).connections.find((c) => c.key === 'platform/sc-platform-dev')!;
    expect(done.resources.filter((r) => r.outcome !== 'unchanged').map((r) => `${r.kind} ${r.outcome}`)).toEqual([
      'serviceConnection updated',
    ]);
    expect(fake.state.serviceEndpoint(dev.id)!.data['subscriptionName']).toBe('Platform');
  });

  it('a connection renamed in the portal is found on its identity and renamed back: not created again, not an orphan', async () => {
    const s = envSet();
    expect((await run(s)).ok).toBe(true);
    const prod = fake.state.serviceEndpoints().find((e) => e.name === 'sc-platform-prod')!;
    fake.state.renameServiceEndpoint(prod.id, 'sc-platform-production');
    const p = (await plan(clients, s))._unsafeUnwrap();
    expect(p.orphans).toEqual([]);
    expect(p.summary).toMatchObject({ create: 0, update: 1 });
    const row = p.connections.find((c) => c.name === 'sc-platform-prod')!.resources.find((r) => r.kind === 'serviceConnection');
    expect(row).toMatchObject({
      action: 'update',
      id: prod.id,
      changes: [{ field: 'name', from: 'sc-platform-production', to: 'sc-platform-prod' }],
      note: "found on managed identity id-platform under another name: renamed to the spec's name",
    });
    expect(kinds(p, 'sc-platform-prod')).toContain('identityCredential unchanged');

    const synced = (await sync(clients, s, fast))._unsafeUnwrap();
    expect(synced.drifts.map((d) => `${d.kind} ${d.resource} ${d.name}`)).toEqual(['renamed serviceConnection sc-platform-prod']);
    const names = fake.state.serviceEndpoints().map((e) => e.name);
    expect(names.filter((n) => n === 'sc-platform-prod' || n === 'sc-platform-production')).toEqual(['sc-platform-prod']);
    expect(fake.state.serviceEndpoint(prod.id)!.name).toBe('sc-platform-prod');
    expect(identity()!.credentials.size).toBe(3);
  });

  it('two connections on one identity renamed at once are not guessed: both are created, the renamed ones stay orphans', async () => {
    const s = envSet();
    expect((await run(s)).ok).toBe(true);
    for (const name of ['sc-platform-dev', 'sc-platform-prod'])
      fake.state.renameServiceEndpoint(fake.state.serviceEndpoints().find((e) => e.name === name)!.id, `${name}-old`);
    const p = (await plan(clients, s))._unsafeUnwrap();
    expect(kinds(p, 'sc-platform-dev')).toContain('serviceConnection create');
    expect(kinds(p, 'sc-platform-prod')).toContain('serviceConnection create');
    expect(p.orphans.map((o) => o.name).sort()).toEqual(['sc-platform-dev-old', 'sc-platform-prod-old']);
  });

  it('a connection on the identity without wif’s marker is never taken for a renamed one', async () => {
    const s = envSet();
    expect((await run(s)).ok).toBe(true);
    const dev = fake.state.serviceEndpoints().find((e) => e.name === 'sc-platform-dev')!;
    fake.state.renameServiceEndpoint(dev.id, 'made-by-hand');
    dev.description = 'made by hand';
    expect(kinds((await plan(clients, s))._unsafeUnwrap(), 'sc-platform-dev')).toContain('serviceConnection create');
  });

  it('apply renames back only the connection the plan named: one gone by then is refused as stale, nothing written', async () => {
    const s = envSet();
    expect((await run(s)).ok).toBe(true);
    const prod = fake.state.serviceEndpoints().find((e) => e.name === 'sc-platform-prod')!;
    fake.state.renameServiceEndpoint(prod.id, 'sc-platform-production');
    // Between apply's plan and its first write the connection disappears: its read by id answers 404.
    fake.failRequests({
      service: 'devops',
      method: 'GET',
      path: new RegExp(`/serviceendpoint/endpoints/${prod.id}$`, 'i'),
      status: 404,
      times: 1,
    });
    const from = fake.requests.length;
    const report = await run(s);
    const c = report.connections.find((x) => x.key === 'platform/sc-platform-prod')!;
    expect(c.error).toMatchObject({
      kind: 'StalePlan',
      message: expect.stringContaining(`the connection ${prod.id} the plan renames back no longer exists`),
    });
    expect(
      fake.requests.slice(from).filter((r) => r.method !== 'GET' && r.service === 'devops' && r.operation !== 'permissions.evaluateBatch'),
    ).toEqual([]);
    expect(fake.state.serviceEndpoint(prod.id)!.name).toBe('sc-platform-production');
  });

  it('a saved plan applies, and is refused as stale once the identity changed under it', async () => {
    const s = envSet();
    const saved = serializePlan((await plan(clients, s))._unsafeUnwrap());
    const parsed = parseSavedPlan(saved)._unsafeUnwrap();
    expect(parsed.connections[0]!.resources[0]!.kind).toBe('managedIdentity');
    const report = await run(parsed, { spec: s });
    expect(report.summary).toMatchObject({ converged: 3 });

    // A second plan, then someone deletes the identity: apply of the saved plan refuses every connection.
    const again = parseSavedPlan(serializePlan((await plan(clients, s))._unsafeUnwrap()))._unsafeUnwrap();
    fake.state.governance.deleteManagedIdentity(SUB, 'rg-identities', 'id-platform');
    const stale = await run(again, { spec: s });
    expect(stale.summary.refused).toBe(3);
    expect(stale.connections[0]!.error?.kind).toBe('StalePlan');
  });

  it('the preflight of a managed-identity-only spec asks for no Graph permission, and refuses on a missing identity write', async () => {
    const p = (await plan(clients, envSet()))._unsafeUnwrap();
    const checks = p.preflight!.checks;
    expect(checks.filter((c) => c.service === 'graph')).toEqual([]);
    expect(checks.filter((c) => /ManagedIdentity/.test(c.permission)).map((c) => `${c.permission} @ ${c.scope} ${c.status}`)).toEqual([
      `Microsoft.ManagedIdentity/userAssignedIdentities/write @ ${RG}/rg-identities granted`,
      `Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write @ ${RG}/rg-identities granted`,
    ]);

    fake.setPermissions({ deny: [`arm:Microsoft.ManagedIdentity/userAssignedIdentities/write@${RG}/rg-identities`] });
    const denied = (await plan(clients, envSet()))._unsafeUnwrap();
    expect(denied.connections.map((c) => c.error?.kind)).toEqual(['PermissionMissing', 'PermissionMissing', 'PermissionMissing']);
    fake.setPermissions({ deny: [] });
  });

  it('refuses a region without identity credentials before any write', async () => {
    const s = envSet(
      `{ kind: managedIdentity, subscriptionId: ${SUB}, resourceGroup: rg-identities, name: id-platform, location: malaysiasouth }`,
    );
    const from = fake.requests.length;
    const report = await run(s);
    expect(report.summary.refused).toBe(3);
    expect(report.connections.map((c) => c.error?.kind)).toEqual(['UnsupportedRegion', 'UnsupportedRegion', 'UnsupportedRegion']);
    expect(fake.requests.slice(from).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('refuses a new connection on an identity at the 20-credential limit, writing nothing for it', async () => {
    const mi = fake.state.governance.addManagedIdentity({
      subscriptionId: SUB,
      resourceGroup: 'rg-identities',
      name: 'id-platform',
      location: 'westeurope',
    });
    for (let i = 0; i < 20; i++)
      fake.state.governance.setManagedIdentityCredential(mi, {
        name: `other-${i}`,
        issuer: 'https://token.actions.githubusercontent.com',
        subject: `repo:x/y:ref:${i}`,
      });
    const report = await run(only(envSet(), 'sc-platform-dev'));
    expect(report.connections[0]).toMatchObject({ status: 'refused', error: { kind: 'IdentityCredentialLimit' } });
    expect(fake.state.serviceEndpoints()).toHaveLength(0);
  });

  it('two concurrent applies of three connections on one identity (with latency) make exactly three credentials', async () => {
    fake.setOptions({ latencyInMs: 15 });
    const s = envSet();
    const [a, b] = await Promise.all([run(s), run(s)]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    const mi = identity()!;
    expect(fake.state.governance.managedIdentities()).toHaveLength(1);
    expect(fake.state.serviceEndpoints()).toHaveLength(3);
    expect(mi.credentials.size).toBe(3);
    const names = [...mi.credentials.values()].map((f) => f.name).sort();
    expect(names).toEqual(
      fake.state
        .serviceEndpoints()
        .map((e) => `ado-sc-${e.id}`)
        .sort(),
    );
    // Never raced into ARM's concurrency 409.
    expect(fake.requests.filter((r) => r.status === 409)).toEqual([]);
  });
});

describe('plan/apply of the environment set on one managed identity, with checks on prod', () => {
  it('two concurrent applies (with latency) make exactly three credentials and no duplicate check; plan then shows no change', async () => {
    fake.state.governance.addDevOpsIdentity({ providerDisplayName: '[platform]\\Release Approvers' });
    const s = envSet(
      IDENTITY,
      `    readonly: {}
`,
    );
    const withChecks: ResolvedSpec = {
      ...s,
      connections: s.connections.map((c) =>
        c.name === 'sc-platform-prod'
          ? {
              ...c,
              checks: {
                approvals: { approvers: ['[platform]\\Release Approvers'], minApprovers: 1 },
                branchControl: { allowed: ['refs/heads/main'] },
              },
            }
          : c,
      ),
    };
    fake.setOptions({ latencyInMs: 15 });
    const [a, b] = await Promise.all([run(withChecks), run(withChecks)]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect(identity()!.credentials.size).toBe(3);
    expect(fake.state.serviceEndpoints()).toHaveLength(3);
    const prod = fake.state.serviceEndpoints().find((e) => e.name === 'sc-platform-prod')!;
    expect(fake.state.governance.checksOn('endpoint', prod.id)).toHaveLength(2);
    fake.setOptions({ latencyInMs: 0 });
    const p = (await plan(clients, withChecks))._unsafeUnwrap();
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, refused: 0, errors: 0 });
    expect(graphRequests()).toEqual([]);
  });
});

describe('rollback and prune of managed-identity connections', () => {
  it('rolls back a failed connection: its credential, connection, roles and the identity it created', async () => {
    fake.failRequests({ service: 'devops', method: 'PATCH', path: /pipelinepermissions/i, status: 403, times: 1 });
    const report = await run(only(envSet(), 'sc-platform-prod'));
    expect(report.connections[0]!.status).toBe('rolled-back');
    expect(identity()).toBeUndefined();
    expect(fake.state.serviceEndpoints()).toHaveLength(0);
    expect(fake.state.roleAssignments()).toHaveLength(0);
  });

  it('rollback keeps an identity it created while another connection’s credential is on it, and deletes it once none is', async () => {
    expect((await run(only(envSet(), 'sc-platform-dev'))).ok).toBe(true);
    const mi = identity()!;
    const id = `${RG}/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-platform`;
    const kept = new Set<string>();
    expect(await rollback(clients, [{ kind: 'managedIdentity', id, name: 'id-platform' }], {}, kept)).toEqual([]);
    expect([...kept]).toEqual([id]);
    expect(identity()).toBe(mi);

    mi.credentials.clear();
    const keptNow = new Set<string>();
    expect(await rollback(clients, [{ kind: 'managedIdentity', id, name: 'id-platform' }], {}, keptNow)).toEqual([]);
    expect(keptNow.size).toBe(0);
    expect(identity()).toBeUndefined();
  });

  it('prune deletes an orphan’s credential and keeps the shared identity; the last orphan takes the identity with it', async () => {
    const s = envSet();
    expect((await run(s)).ok).toBe(true);
    const mi = identity()!;
    const prodId = fake.state.serviceEndpoints().find((e) => e.name === 'sc-platform-prod')!.id;

    // prod leaves the spec: its connection and credential go; the identity stays (the others still use it).
    const withoutProd = only(s, 'sc-platform-dev', 'sc-platform-prod-readonly');
    const p = (await plan(clients, withoutProd))._unsafeUnwrap();
    expect(p.orphans.map((o) => [o.name, o.managed, o.resources.map((r) => `${r.kind} ${r.action}`)])).toEqual([
      ['sc-platform-prod', true, ['pipelinePermission delete', 'serviceConnection delete', 'identityCredential delete']],
    ]);
    const from = fake.requests.length;
    const pruned = await run(withoutProd, { prune: true });
    expect(pruned.summary.pruned).toBe(1);
    expect(mi.credentials.has(`ado-sc-${prodId}`)).toBe(false);
    expect(mi.credentials.size).toBe(2);
    expect(identity()).toBeDefined();
    expect(fake.state.roleAssignments().filter((a) => a.principalId === mi.principalId)).toHaveLength(3);
    expect(graphRequests(from)).toEqual([]);
  });

  it('the last orphan on a wif-made identity takes the identity and its role assignments with it', async () => {
    const s = envSet();
    expect((await run(s)).ok).toBe(true);
    const mi = identity()!;
    // The spec now names only a connection on another identity in the same resource group.
    const other = loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - project: platform
    name: sc-other
    scope: ${RG}/rg-other
    roles: [Reader]
    identity: { kind: managedIdentity, subscriptionId: ${SUB}, resourceGroup: rg-identities, name: id-other, location: westeurope }
`)._unsafeUnwrap();
    const p = (await plan(clients, other))._unsafeUnwrap();
    expect(p.orphans.map((o) => o.resources.map((r) => r.kind).filter((k) => k === 'managedIdentity'))).toEqual([
      [],
      [],
      ['managedIdentity'],
    ]);
    const from = fake.requests.length;
    const report = await run(other, { prune: true });
    expect(report.summary.pruned).toBe(3);
    expect(identity()).toBeUndefined();
    expect(fake.state.roleAssignments().filter((a) => a.principalId === mi.principalId)).toEqual([]);
    expect(fake.state.serviceEndpoints().map((e) => e.name)).toEqual(['sc-other']);
    expect(graphRequests(from)).toEqual([]);
  });

  it('an orphan on an identity outside the resource groups of the spec’s identities is kept, and says why', async () => {
    expect((await run(envSet())).ok).toBe(true);
    // The spec now names only a connection on its own app: no identity, so no resource group is read.
    const appOnly = loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - project: platform
    name: sc-app
    app: ado-app
    scope: ${RG}/rg-app
    roles: [Reader]
`)._unsafeUnwrap();
    const p = (await plan(clients, appOnly))._unsafeUnwrap();
    expect(p.orphans.map((o) => [o.name, o.managed])).toEqual([
      ['sc-platform-dev', false],
      ['sc-platform-prod', false],
      ['sc-platform-prod-readonly', false],
    ]);
    for (const o of p.orphans) {
      expect(o.resources).toEqual([]);
      expect(o.note).toBe(
        "it runs on managed identity id-platform, in a resource group none of the spec's identities is in (the only ones wif reads for orphans): kept, never deleted",
      );
    }
    const report = await run(appOnly, { prune: true });
    expect(report.summary.pruned).toBe(0);
    expect(
      fake.state
        .serviceEndpoints()
        .map((e) => e.name)
        .sort(),
    ).toEqual(['sc-app', 'sc-platform-dev', 'sc-platform-prod', 'sc-platform-prod-readonly']);
  });

  it('an orphan on an identity wif did not make keeps the identity (both marks are needed to delete it)', async () => {
    const s = envSet();
    expect((await run(s)).ok).toBe(true);
    identity()!.tags = {};
    const p = (await plan(clients, only(s, 'sc-platform-dev', 'sc-platform-prod')))._unsafeUnwrap();
    expect(p.orphans).toHaveLength(1);
    expect(p.orphans[0]!.resources.map((r) => r.kind)).toEqual(['serviceConnection', 'identityCredential']);
    expect(p.orphans[0]!.note).toContain('the identity is kept');
  });
});

describe('the plan of a drift on a managed-identity connection is what sync then does', () => {
  const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
  const endpoint = (name: string) => fake.state.serviceEndpoints().find((e) => e.name === name)!;
  const credentialOf = (name: string) => identity()!.credentials.get(`ado-sc-${endpoint(name).id}`)!;
  const drifts: [string, () => void][] = [
    ['its credential deleted', () => void identity()!.credentials.delete(`ado-sc-${endpoint('sc-platform-dev').id}`)],
    ['its credential’s subject altered', () => void (credentialOf('sc-platform-prod').subject = 'sc://contoso/platform/typo')],
    ['a connection renamed', () => void fake.state.renameServiceEndpoint(endpoint('sc-platform-prod').id, 'sc-platform-production')],
    ['a connection’s data edited', () => void (endpoint('sc-platform-dev').data['subscriptionName'] = 'edited by hand')],
    ['a connection deleted', () => void fake.state.deleteServiceEndpoint(endpoint('sc-platform-dev').id)],
    [
      'a role assignment deleted',
      () => {
        const own = fake.state.roleAssignments().filter((a) => a.principalId === identity()!.principalId);
        fake.state.deleteRoleAssignment(own.find((a) => a.scope.endsWith('/rg-dev'))!.name);
      },
    ],
    [
      'a role assignment the spec does not name',
      () =>
        void fake.state.addRoleAssignment({
          scope: `/subscriptions/${SUB}`,
          roleDefinitionId: READER,
          principalId: identity()!.principalId,
        }),
    ],
    [
      'pipeline permissions opened to all',
      () => void (fake.state.pipelinePermissions('platform', endpoint('sc-platform-prod').id)!.allPipelines = { authorized: true }),
    ],
  ];

  it.each(drifts)('%s: the changes plan shows are the changes sync --prune reports, and a second plan shows none', async (_, drift) => {
    const s = envSet();
    expect((await run(s)).ok).toBe(true);
    drift();
    await expectSyncDoesWhatPlanShows(clients, s, fast);
  });
});
