/**
 * The plan is the contract: what `plan` shows is what `apply` does. Every test counts the write
 * requests in the fake's request log.
 */
import { TEST_TENANT_ID } from '@wif/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { WIF_MANAGED_TAG } from '../constants';
import { loadSpec, type ResolvedSpec } from '../spec/load';
import { apply, type ApplyReport, type ConnectionReport } from './apply';
import { createClients } from './clients';
import { plan, type Plan } from './plan';
import { parseSavedPlan, serializePlan } from './savedPlan';
import { expectSyncDoesWhatPlanShows } from '../../test/planThenSync';

const SUB = '11111111-2222-3333-4444-555555555555';
const RG = `/subscriptions/${SUB}/resourceGroups`;

const { fake, clients } = useFake({ projects: ['platform', 'web'], clients: createClients });
const fast = { replication: { delayInMs: 1, maxDelayInMs: 5 } } as const;

const spec = (connections: string): ResolvedSpec =>
  loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
${connections}`)._unsafeUnwrap();

const OK = `  - { project: platform, name: sc-ok, app: ado-ok, scope: ${RG}/rg-ok, roles: [Contributor] }`;
const TAKEN = `  - { project: platform, name: sc-taken, app: ado-taken, scope: ${RG}/rg-taken, roles: [Reader] }`;
const TYPO = `  - { project: platform, name: sc-typo, app: ado-typo, scope: ${RG}/rg-typo, roles: [Contributer] }`;
const SHARED = `  - { project: platform, name: sc-shared, app: ado-shared, scope: ${RG}/rg-s, roles: [Reader], shareWith: [web], pipelines: [7] }`;

const writes = (from = 0): string[] =>
  fake.requests
    .slice(from)
    // The preflight's permission evaluation is a POST that writes nothing.
    .filter((r) => r.method !== 'GET' && r.operation !== 'permissions.evaluateBatch')
    .map((r) => `${r.method} ${r.operation}`);
const byName = (r: ApplyReport, name: string): ConnectionReport => r.connections.find((c) => c.name === name)!;
const seedSecretConnection = (): void => {
  fake.state.addServiceEndpoint({ name: 'sc-taken', projects: 'platform', scheme: 'ServicePrincipal', servicePrincipalId: SUB });
};

describe('refusals: apply writes nothing for a refused connection', () => {
  it('sends no write request for a name taken by a secret-based connection or an unknown role, and names the refusal', async () => {
    seedSecretConnection();
    const s = spec([TAKEN, TYPO].join('\n'));
    const p = (await plan(clients, s))._unsafeUnwrap();
    expect(p.connections.map((c) => c.refusals.map((r) => r.kind))).toEqual([['ConnectionConflict'], ['RoleNotFound']]);
    expect(p.summary.refused).toBe(2);

    const before = fake.requests.length;
    const report = (await apply(clients, s, fast))._unsafeUnwrap();
    expect(writes(before)).toEqual([]);
    expect(report.ok).toBe(false);
    expect(report.connections.map((c) => [c.status, c.error?.kind])).toEqual([
      ['refused', 'ConnectionConflict'],
      ['refused', 'RoleNotFound'],
    ]);
    expect(report.connections[1]?.error?.message).toContain('No role named "Contributer"');
    expect(fake.state.applications()).toEqual([]);
  });

  it('converges the others; with atomic, writes nothing at all', async () => {
    seedSecretConnection();
    const s = spec([OK, TAKEN, TYPO].join('\n'));
    let before = fake.requests.length;
    const atomic = (await apply(clients, s, { ...fast, atomic: true }))._unsafeUnwrap();
    expect(writes(before)).toEqual([]);
    expect(atomic.connections.map((c) => c.status)).toEqual(['skipped', 'refused', 'refused']);

    before = fake.requests.length;
    const report = (await apply(clients, s, fast))._unsafeUnwrap();
    expect(byName(report, 'sc-ok').status).toBe('converged');
    expect(report.summary).toMatchObject({ converged: 1, refused: 2 });
    // Every write was for sc-ok: one app, one principal, one assignment, one connection, one credential.
    expect(writes(before).sort()).toEqual(
      [
        'PATCH applications.update',
        'POST servicePrincipals.create',
        'PUT roleAssignments.create',
        'POST serviceEndpoints.create',
        'POST federatedIdentityCredentials.create',
      ].sort(),
    );
    expect(fake.state.applications().map((a) => a.displayName)).toEqual(['ado-ok']);
  });
});

describe('saved plans', () => {
  it('plan → file → apply converges; a second plan shows nothing to do', async () => {
    const s = spec([OK, SHARED].join('\n'));
    const file = serializePlan((await plan(clients, s))._unsafeUnwrap());
    expect(JSON.parse(file)).toMatchObject({ format: 'wif-plan', version: 1, specHash: expect.stringMatching(/^sha256:/) });
    const saved = parseSavedPlan(file)._unsafeUnwrap();
    const report = (await apply(clients, saved, { ...fast, spec: s }))._unsafeUnwrap();
    expect(report.ok).toBe(true);
    expect(report.connections.map((c) => c.planned?.map((r) => r.action))).toEqual([
      ['create', 'create', 'create', 'create', 'create'],
      ['create', 'create', 'create', 'create', 'create', 'create', 'create'],
    ]);
    const again = (await plan(clients, s))._unsafeUnwrap();
    expect(again.summary).toMatchObject({ create: 0, update: 0 });
  });

  it('refuses with StalePlan, writing nothing for it, when the connection was edited after the plan', async () => {
    const s = spec(OK);
    await apply(clients, s, fast);
    const saved = parseSavedPlan(serializePlan((await plan(clients, s))._unsafeUnwrap()))._unsafeUnwrap();
    // Someone edits the connection in the portal.
    const endpoint = fake.state.serviceEndpoints().find((e) => e.name === 'sc-ok')!;
    endpoint.description = 'edited by hand';
    const before = fake.requests.length;
    const report = (await apply(clients, saved, fast))._unsafeUnwrap();
    expect(writes(before)).toEqual([]);
    expect(byName(report, 'sc-ok')).toMatchObject({ status: 'refused', error: { kind: 'StalePlan' } });
    expect(byName(report, 'sc-ok').error?.message).toContain('serviceConnection sc-ok');
    // The kind is the error's `kind`, not repeated in its message (a printer shows both).
    expect(byName(report, 'sc-ok').error?.message).not.toMatch(/StalePlan/);
    expect(endpoint.description).toBe('edited by hand');
  });

  it('refuses a plan whose spec, built by the caller, was changed after planning: such a spec is hashed when planned', async () => {
    // A copy: neither frozen nor made by resolveSpec, as a spec a caller builds by hand.
    const built = JSON.parse(JSON.stringify(spec(OK))) as ResolvedSpec;
    const p = (await plan(clients, built))._unsafeUnwrap();
    (built.connections[0]!.roles[0] as { role: string }).role = 'Owner';
    const before = fake.requests.length;
    const report = (await apply(clients, p, fast))._unsafeUnwrap();
    expect(writes(before)).toEqual([]);
    expect(report.connections[0]).toMatchObject({
      status: 'refused',
      error: { kind: 'StalePlan', changed: ['the plan was edited after it was made (its spec hash does not match)'] },
    });
  });

  it('refuses the whole plan when the spec changed since, and a file of another version', async () => {
    const saved = (await plan(clients, spec(OK)))._unsafeUnwrap();
    const before = fake.requests.length;
    const report = (await apply(clients, saved, { ...fast, spec: spec(TYPO) }))._unsafeUnwrap();
    expect(fake.requests.length).toBe(before);
    expect(report.connections[0]).toMatchObject({
      status: 'refused',
      error: { kind: 'StalePlan', changed: ['the spec changed since the plan was made'] },
    });
    const other = JSON.stringify({ ...JSON.parse(serializePlan(saved)), version: 2 });
    expect(parseSavedPlan(other)._unsafeUnwrapErr()).toMatchObject({
      kind: 'Validation',
      problems: [expect.objectContaining({ path: 'plan.version' })],
    });
  });
});

describe('rollback that tells the truth', () => {
  it('removes a shared connection from every project when its pipeline-permission write fails', async () => {
    fake.failRequests({ service: 'devops', method: 'PATCH', path: /pipelinePermissions/ });
    const report = (await apply(clients, spec(SHARED), fast))._unsafeUnwrap();
    const c = byName(report, 'sc-shared');
    expect(c).toMatchObject({ status: 'rolled-back', error: { kind: 'Forbidden' }, leftovers: [] });
    expect(fake.state.serviceEndpoints()).toEqual([]);
    expect(fake.state.applications()).toEqual([]);
    expect(fake.state.roleAssignments().filter((a) => a.principalType === 'ServicePrincipal')).toEqual([]);
    // The fake deletes a connection only from the projects a delete names: it was named in both.
    expect(fake.requests.filter((r) => r.operation === 'serviceEndpoints.delete')).toHaveLength(1);
  });

  it('reports a delete that fails as a leftover with its removal command, and the connection rollback-incomplete', async () => {
    fake.failRequests({ service: 'devops', method: 'PATCH', path: /pipelinePermissions/ });
    fake.failRequests({ service: 'graph', method: 'DELETE', path: /^\/applications\/[^/]+$/ });
    const c = byName((await apply(clients, spec(SHARED), fast))._unsafeUnwrap(), 'sc-shared');
    expect(c.status).toBe('rollback-incomplete');
    const app = fake.state.applications()[0]!;
    expect(c.leftovers).toEqual([expect.objectContaining({ kind: 'application', id: app.id, command: `az ad app delete --id ${app.id}` })]);
  });
});

describe('orphans and prune', () => {
  it('lists a managed connection the spec no longer names, and apply --prune deletes all its parts and nothing else', async () => {
    await apply(clients, spec([OK, SHARED].join('\n')), fast);
    // Not wif's: a WIF connection with the marker text but an app without the tag, and a plain secret one.
    const foreign = fake.state.addApplication({ displayName: 'hand-made', tags: [] });
    fake.state.addServiceEndpoint({
      name: 'sc-hand',
      projects: 'platform',
      servicePrincipalId: foreign.appId,
      description: 'mine (managed by wif)',
    });
    seedSecretConnection();

    const s = spec(OK);
    const p: Plan = (await plan(clients, s))._unsafeUnwrap();
    expect(p.orphans.map((o) => [o.name, o.managed])).toEqual([
      ['sc-shared', true],
      ['sc-hand', false],
    ]);
    const shared = p.orphans[0]!;
    expect(shared.resources.map((r) => r.kind)).toEqual([
      'pipelinePermission',
      'serviceConnection',
      'federatedCredential',
      'roleAssignment',
      'servicePrincipal',
      'application',
    ]);
    expect(shared.projects.map((x) => x.name).sort()).toEqual(['platform', 'web']);

    // Without --prune, nothing is deleted.
    let before = fake.requests.length;
    const kept = (await apply(clients, p, fast))._unsafeUnwrap();
    expect(writes(before)).toEqual([]);
    expect(kept.orphans.map((o) => o.status)).toEqual(['kept', 'kept']);

    before = fake.requests.length;
    const pruned = (await apply(clients, p, { ...fast, prune: true }))._unsafeUnwrap();
    expect(pruned.orphans.map((o) => o.status)).toEqual(['deleted', 'kept']);
    expect(writes(before).sort()).toEqual(
      [
        'PATCH pipelinePermissions.update',
        'DELETE serviceEndpoints.delete',
        'DELETE federatedIdentityCredentials.delete',
        'DELETE roleAssignments.delete',
        'DELETE servicePrincipals.delete',
        'DELETE applications.delete',
      ].sort(),
    );
    expect(
      fake.state
        .serviceEndpoints()
        .map((e) => e.name)
        .sort(),
    ).toEqual(['sc-hand', 'sc-ok', 'sc-taken']);
    expect(
      fake.state
        .applications()
        .map((a) => a.displayName)
        .sort(),
    ).toEqual(['ado-ok', 'hand-made']);
    expect(fake.state.applications().find((a) => a.displayName === 'ado-ok')?.tags).toContain(WIF_MANAGED_TAG);
    expect(fake.state.servicePrincipals()).toHaveLength(1);
    expect((await plan(clients, s))._unsafeUnwrap().orphans.map((o) => o.name)).toEqual(['sc-hand']);
  });
});

describe('replication-aware reads', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('plans no change right after apply while Graph still hides the new principal for 5 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    fake.setOptions({ replicationLagInMs: 5_000, clock: () => Date.now() });
    const s = spec(OK);
    const applied = apply(clients, s, fast);
    await vi.runAllTimersAsync();
    expect((await applied)._unsafeUnwrap().ok).toBe(true);

    const planned = plan(clients, s);
    let settled = false;
    void planned.then(() => (settled = true));
    for (let i = 0; i < 40 && !settled; i++) await vi.advanceTimersByTimeAsync(500);
    const p = (await planned)._unsafeUnwrap();
    expect(p.summary).toMatchObject({ create: 0, update: 0 });
    // The principal was indeed invisible at first: the plan read it more than once.
    expect(
      fake.requests.filter((r) => r.operation === 'servicePrincipals.get' || r.operation === 'servicePrincipals.list').length,
    ).toBeGreaterThan(1);
  });
});

describe('the plan of a drift is what sync then does', () => {
  const DRIFTING = [
    `  - { project: platform, name: sc-one, app: ado-one, scope: ${RG}/rg-one, roles: [Contributor], pipelines: [7] }`,
    `  - { project: platform, name: sc-two, app: ado-two, scope: ${RG}/rg-two, roles: [Reader], shareWith: [web] }`,
  ].join('\n');
  const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
  const endpoint = (name: string) => fake.state.serviceEndpoints().find((e) => e.name === name)!;
  const app = (name: string) => fake.state.applicationByUniqueName(`wif-${name}`)!;

  // Each drift made by hand after a converged apply, as someone in the portal (or az) would make it.
  const drifts: [string, () => void][] = [
    ['a connection renamed (Entra issuer)', () => void fake.state.renameServiceEndpoint(endpoint('sc-one').id, 'sc-one-old')],
    ['a connection’s data edited', () => void (endpoint('sc-two').data['subscriptionName'] = 'edited by hand')],
    [
      'a credential’s subject altered',
      () => void (fake.state.federatedCredentials(app('ado-two').id)[0]!.subject = 'sc://contoso/platform/typo'),
    ],
    ['a credential deleted', () => void fake.state.federatedCredentials(app('ado-one').id).splice(0, 1)],
    [
      'a role assignment deleted',
      () => {
        const sp = fake.state.servicePrincipalByAppId(app('ado-one').appId)!;
        fake.state.deleteRoleAssignment(fake.state.roleAssignments().find((a) => a.principalId === sp.id)!.name);
      },
    ],
    [
      'a role assignment the spec does not name',
      () => {
        const sp = fake.state.servicePrincipalByAppId(app('ado-two').appId)!;
        fake.state.addRoleAssignment({ scope: `/subscriptions/${SUB}`, roleDefinitionId: READER, principalId: sp.id });
      },
    ],
    ['the app renamed', () => void (app('ado-one').displayName = 'renamed by hand')],
    [
      'pipeline permissions opened to all',
      () => void (fake.state.pipelinePermissions('platform', endpoint('sc-one').id)!.allPipelines = { authorized: true }),
    ],
    [
      'a share removed',
      () => {
        const e = endpoint('sc-two');
        e.projectReferences = e.projectReferences.filter((r) => r.projectId !== fake.state.project('web')!.id);
        fake.state.touchServiceEndpoints();
      },
    ],
    ['a credential’s audience altered', () => void (fake.state.federatedCredentials(app('ado-one').id)[0]!.audiences = ['api://other'])],
    [
      'a service principal deleted',
      () => void fake.state.deleteServicePrincipal(fake.state.servicePrincipalByAppId(app('ado-two').appId)!.id),
    ],
    ['a connection deleted', () => void fake.state.deleteServiceEndpoint(endpoint('sc-two').id)],
    ['a connection that now presents the other issuer', () => void (endpoint('sc-one').federation = 'legacy')],
  ];

  it.each(drifts)('%s: the changes plan shows are the changes sync --prune reports, and a second plan shows none', async (_, drift) => {
    const s = spec(DRIFTING);
    expect((await apply(clients, s, fast))._unsafeUnwrap().ok).toBe(true);
    drift();
    await expectSyncDoesWhatPlanShows(clients, s, fast);
  });
});

describe('a connection whose app was deleted', () => {
  it('is refused with how to get back (restore the app, or delete the connection); one wif did not make keeps the plain conflict', async () => {
    const s = spec(OK);
    expect((await apply(clients, s, fast))._unsafeUnwrap().ok).toBe(true);
    const app = fake.state.applicationByUniqueName('wif-ado-ok')!;
    fake.state.deleteApplication(app.id);
    const refused = (await plan(clients, s))._unsafeUnwrap().connections[0]!;
    expect(refused.resources.map((r) => `${r.kind} ${r.action}`)).toContain('application create');
    expect(refused.error).toMatchObject({ kind: 'ConnectionConflict', reason: 'OtherApp' });
    expect(refused.error!.message).toContain(
      `is bound to ${app.appId}, while the app or managed identity the spec names for it does not exist`,
    );
    expect(refused.error!.message).toContain('POST /directory/deletedItems/{id}/restore');
    const before = fake.requests.length;
    expect((await apply(clients, s, fast))._unsafeUnwrap().connections[0]!.status).toBe('refused');
    expect(writes(before)).toEqual([]);

    // Without wif's marker the connection is someone else's: adopt its app as it is, or rename.
    fake.state.serviceEndpoints().find((e) => e.name === 'sc-ok')!.description = 'made by hand';
    const plain = (await plan(clients, s))._unsafeUnwrap().connections[0]!.error!;
    expect(plain.message).toContain(`is bound to another app (${app.appId})`);
    expect(plain.message).toContain(`adopt that app in the spec: app: { appId: ${app.appId} } (wif adopt writes the whole entry;`);
  });
});

describe('the plan of a spec change is what sync then does', () => {
  const BASE = `  - { project: platform, name: sc-one, app: ado-one, scope: ${RG}/rg-one, roles: [Contributor] }`;
  const changes: [string, string][] = [
    [
      'a role added',
      `  - { project: platform, name: sc-one, app: ado-one, scope: ${RG}/rg-one, roles: [Contributor, { role: Reader, scope: ${RG}/rg-logs }] }`,
    ],
    ['a role replaced', `  - { project: platform, name: sc-one, app: ado-one, scope: ${RG}/rg-one, roles: [Reader] }`],
    ['the scope moved', `  - { project: platform, name: sc-one, app: ado-one, scope: ${RG}/rg-other, roles: [Contributor] }`],
    [
      'shared with another project',
      `  - { project: platform, name: sc-one, app: ado-one, scope: ${RG}/rg-one, roles: [Contributor], shareWith: [web] }`,
    ],
    [
      'pipelines named',
      `  - { project: platform, name: sc-one, app: ado-one, scope: ${RG}/rg-one, roles: [Contributor], pipelines: [3, 4] }`,
    ],
    [
      'a description given',
      `  - { project: platform, name: sc-one, app: ado-one, scope: ${RG}/rg-one, roles: [Contributor], description: Deploys the platform }`,
    ],
    ['renamed in the spec', `  - { project: platform, name: sc-one-renamed, app: ado-one, scope: ${RG}/rg-one, roles: [Contributor] }`],
  ];

  it.each(changes)('%s: the changes plan shows are the changes sync --prune reports, and a second plan shows none', async (_, next) => {
    expect((await apply(clients, spec(BASE), fast))._unsafeUnwrap().ok).toBe(true);
    await expectSyncDoesWhatPlanShows(clients, spec(next), fast);
  });
});
