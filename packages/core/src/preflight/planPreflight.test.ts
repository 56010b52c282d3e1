/**
 * The preflight inside plan (and so inside apply and saved plans): a permission the caller lacks is
 * a refusal of exactly the connections that need it; apply sends them no write, the others proceed.
 */
import { TEST_CALLER_OBJECT_ID, TEST_TENANT_ID } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import type { PermissionMissingError } from '../errors';
import { loadSpec, type ResolvedSpec } from '../spec/load';
import { apply } from '../workflows/apply';
import { createClients } from '../workflows/clients';
import { plan } from '../workflows/plan';

const SUB = '11111111-2222-4333-8444-555555555555';
const RG = `/subscriptions/${SUB}/resourceGroups`;
const WRITE = 'Microsoft.Authorization/roleAssignments/write';

const { fake, clients, clientOptions } = useFake({ projects: ['web', 'api'], callerClaims: true, clients: createClients });
const fast = { replication: { delayInMs: 1, maxDelayInMs: 5 } } as const;

const spec = (...connections: string[]): ResolvedSpec =>
  loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
${connections.join('\n')}`)._unsafeUnwrap();

const WEB_PROD = `  - { project: web, name: sc-web-prod, app: ado-web-prod, scope: ${RG}/rg-web-prod, roles: [Contributor] }`;
const WEB_DEV = `  - { project: web, name: sc-web-dev, app: ado-web-dev, scope: ${RG}/rg-web-dev, roles: [Contributor] }`;
const API = `  - { project: api, name: sc-api, app: ado-api, scope: ${RG}/rg-api, roles: [Contributor], pipelines: [7] }`;

/** Write requests sent since `from` (the permission evaluation is a POST that writes nothing). */
const writes = (from = 0): string[] =>
  fake.requests
    .slice(from)
    .filter((r) => r.method !== 'GET' && r.operation !== 'permissions.evaluateBatch')
    .map((r) => `${r.method} ${r.operation} ${r.path}`);

describe('preflight in plan and apply', () => {
  it('roleAssignments/write denied on one scope: plan names it with scope and fix; apply writes nothing for that connection, the others converge', async () => {
    // Baseline: what apply writes for the connections that are not affected.
    const others = spec(WEB_DEV, API);
    expect((await apply(clients, others, fast))._unsafeUnwrap().ok).toBe(true);
    const baseline = writes().length;
    fake.reset();
    fake.state.addProject('web');
    fake.state.addProject('api');

    fake.setPermissions({ deny: [`arm:${WRITE}@${RG}/rg-web-prod`] });
    const s = spec(WEB_PROD, WEB_DEV, API);
    const p = (await plan(clients, s))._unsafeUnwrap();
    const refused = p.connections.find((c) => c.name === 'sc-web-prod')!;
    const e = refused.error as PermissionMissingError;
    expect(e).toMatchObject({
      kind: 'PermissionMissing',
      service: 'arm',
      permission: WRITE,
      scope: `${RG}/rg-web-prod`,
      caller: `object ${TEST_CALLER_OBJECT_ID}`,
    });
    expect(e.fix).toContain(`Role Based Access Control Administrator on ${RG}/rg-web-prod, or Owner`);
    expect(refused.refusals.map((r) => r.kind)).toEqual(['PermissionMissing']);
    expect(p.connections.filter((c) => c.error).map((c) => c.name)).toEqual(['sc-web-prod']);
    expect(p.summary.refused).toBe(1);
    expect(p.preflight?.summary.missing).toBe(1);

    const before = fake.requests.length;
    const report = (await apply(clients, s, fast))._unsafeUnwrap();
    expect(report.connections.map((c) => [c.name, c.status])).toEqual([
      ['sc-web-prod', 'refused'],
      ['sc-web-dev', 'converged'],
      ['sc-api', 'converged'],
    ]);
    const sent = writes(before);
    // Not one write for the refused connection: no app, no principal, no assignment, no connection.
    expect(sent.filter((w) => /web-prod/.test(w))).toEqual([]);
    expect(
      fake.state
        .applications()
        .map((a) => a.uniqueName)
        .sort(),
    ).toEqual(['wif-ado-api', 'wif-ado-web-dev']);
    expect(
      fake.state
        .serviceEndpoints()
        .map((x) => x.name)
        .sort(),
    ).toEqual(['sc-api', 'sc-web-dev']);
    // The others got exactly what they get without the refused one.
    expect(sent).toHaveLength(baseline);
  });

  it('ServiceEndpoints/Create denied in one project: only that project’s connections are refused', async () => {
    fake.setPermissions({ deny: ['devops:ServiceEndpoints/Create@web'] });
    const s = spec(WEB_PROD, WEB_DEV, API);
    const p = (await plan(clients, s))._unsafeUnwrap();
    expect(p.connections.map((c) => [c.name, c.error?.kind ?? null])).toEqual([
      ['sc-web-prod', 'PermissionMissing'],
      ['sc-web-dev', 'PermissionMissing'],
      ['sc-api', null],
    ]);
    const e = p.connections[0]!.error as PermissionMissingError;
    expect(e).toMatchObject({ service: 'devops', permission: 'ServiceEndpoints/Create', scope: 'project web' });
    expect(e.fix).toContain('Endpoint Creator in project web');

    const before = fake.requests.length;
    const report = (await apply(clients, s, fast))._unsafeUnwrap();
    expect(report.connections.filter((c) => c.status === 'refused').map((c) => c.name)).toEqual(['sc-web-prod', 'sc-web-dev']);
    expect(writes(before).filter((w) => /web-(prod|dev)/.test(w))).toEqual([]);
    expect(fake.state.serviceEndpoints().map((x) => x.name)).toEqual(['sc-api']);
  });

  it('costs one permissions read per distinct ARM scope and one evaluation per project, and nothing when the plan has no write', async () => {
    const s = spec(
      WEB_PROD,
      WEB_DEV,
      API,
      `  - { project: web, name: sc-web-prod-2, app: ado-web-prod-2, scope: ${RG}/rg-web-prod, roles: [Reader] }`,
    );
    let before = fake.requests.length;
    // New clients, as a run of the CLI has: who the caller is was never read through them.
    const first = (await plan(createClients(clientOptions()), s))._unsafeUnwrap();
    const ops = fake.requests.slice(before).map((r) => r.operation);
    const count = (op: string): number => ops.filter((o) => o === op).length;
    expect(first.summary.refused).toBe(0);
    expect(count('permissions.list')).toBe(3); // rg-web-prod (two connections), rg-web-dev, rg-api
    expect(count('permissions.evaluateBatch')).toBe(2); // web (three connections), api
    expect(count('connectionData.get')).toBe(1);
    expect(count('roleAssignments.list')).toBe(1); // delegation conditions: one subscription
    expect(count('authorizationPolicy.get')).toBe(1);

    expect((await apply(clients, s, fast))._unsafeUnwrap().ok).toBe(true);
    before = fake.requests.length;
    const again = (await plan(clients, s))._unsafeUnwrap();
    expect(again.summary.create + again.summary.update).toBe(0);
    expect(again.preflight).toBeUndefined();
    const preflightOps = ['permissions.list', 'permissions.evaluateBatch', 'connectionData.get', 'authorizationPolicy.get'];
    expect(fake.requests.slice(before).filter((r) => preflightOps.includes(r.operation))).toEqual([]);
  });

  it('plan with preflight: false checks nothing', async () => {
    fake.setPermissions({ deny: ['devops:ServiceEndpoints/Create@web'] });
    const p = (await plan(clients, spec(WEB_PROD), { preflight: false }))._unsafeUnwrap();
    expect(p.connections[0]!.error).toBeUndefined();
    expect(p.preflight).toBeUndefined();
  });
});
