import { getServiceEndpoint, workloadIdentity } from '@wif/devops';
import { TEST_TENANT_ID } from '@wif/testing';
import { useFake } from '@wif/testing/vitest';
import { describe, expect, it } from 'vitest';
import { loadSpec, type ResolvedSpec } from '../spec/load';
import { apply } from './apply';
import { createClients } from './clients';
import { plan, type Plan } from './plan';

// Adopting an app made by hand (`app: { appId }`, docs/decisions/040-adopting-an-app-made-by-hand.md):
// read by its client id, never created, changed or deleted; everything that hangs off it managed.
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const { fake, clients } = useFake({ projects: ['platform'], clients: createClients });

/** An app, its service principal, a Contributor grant and a federated connection, as the portal makes them: no uniqueName, no tag. */
async function madeByHand(connections: readonly string[]) {
  const s = fake.state;
  const app = s.addApplication({ displayName: 'Contoso deploy (made in the portal)' });
  const sp = s.addServicePrincipal({ appId: app.appId, createdAt: 0 });
  s.addRoleAssignment({
    scope: `/subscriptions/${s.subscriptionId}/resourceGroups/rg-app`,
    roleDefinitionId: CONTRIBUTOR,
    principalId: sp.id,
  });
  const project = s.project('platform')!;
  const endpoints = [];
  for (const name of connections) {
    const e = s.addServiceEndpoint({ name, projects: 'platform', servicePrincipalId: app.appId, description: 'made by hand' });
    const read = (await getServiceEndpoint(clients.devops, project.id, e.id))._unsafeUnwrap();
    const { issuer, subject } = workloadIdentity(read);
    s.addFederatedCredential(app.id, { name: `portal-${name}`, issuer: issuer!, subject: subject! });
    endpoints.push(e);
  }
  return { app, sp, endpoints };
}

const specAdopting = (appId: string, name = 'sc-handmade', more = ''): ResolvedSpec =>
  loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - project: platform
    name: ${name}
    app: { appId: ${appId} }
    scope: /subscriptions/${fake.state.subscriptionId}/resourceGroups/rg-app
    subscriptionName: Test subscription
    roles: [Contributor]
${more}`)._unsafeUnwrap();

const writes = (from: number) =>
  fake.requests.slice(from).filter((r) => r.method !== 'GET' && r.operation !== 'permissions.evaluateBatch' && !r.batched);
const actions = (p: Plan, name: string): string[] =>
  p.connections.find((c) => c.name === name)!.resources.map((r) => `${r.kind} ${r.action}`);

describe('adopting an app made by hand (app: { appId })', () => {
  it('plans the app unchanged and adopted, applies without writing to it, and converges', async () => {
    const { app, endpoints } = await madeByHand(['sc-handmade']);
    const spec = specAdopting(app.appId.toUpperCase());
    const p = (await plan(clients, spec))._unsafeUnwrap();
    const planned = p.connections[0]!;
    expect(planned.refusals).toEqual([]);
    const application = planned.resources.find((r) => r.kind === 'application')!;
    expect(application).toMatchObject({ action: 'unchanged', name: 'Contoso deploy (made in the portal)', id: app.id, changes: [] });
    expect(application.note).toContain('adopted');
    expect(actions(p, 'sc-handmade').slice(0, 4)).toEqual([
      'application unchanged',
      'servicePrincipal unchanged',
      'roleAssignment unchanged',
      'serviceConnection update', // wif's marker joins the description
    ]);

    const before = fake.requests.length;
    const report = (await apply(clients, spec))._unsafeUnwrap();
    expect(report.ok, JSON.stringify(report.connections[0]?.error)).toBe(true);
    // Graph saw reads only: the app, its principal and its credentials are left as they were.
    expect(writes(before).filter((r) => r.service === 'graph')).toEqual([]);
    expect(fake.state.application(app.id)).toMatchObject({ displayName: 'Contoso deploy (made in the portal)', tags: [] });
    expect(fake.state.application(app.id)?.uniqueName ?? null).toBeNull();
    expect(fake.state.federatedCredentials(app.id).map((f) => f.name)).toEqual(['portal-sc-handmade']);
    expect(fake.state.serviceEndpoint(endpoints[0]!.id)?.description).toContain('(managed by wif)');

    const again = (await plan(clients, spec))._unsafeUnwrap();
    expect(again.connections[0]!.resources.every((r) => r.action === 'unchanged')).toBe(true);
  });

  it('refuses an appId that matches no app (AppNotFound): nothing is written, no app is created', async () => {
    const spec = specAdopting('0c9f4a1e-5d2b-4f7a-9c3e-8b6d2a1f0e7c');
    const p = (await plan(clients, spec))._unsafeUnwrap();
    expect(p.connections[0]!.refusals.map((r) => r.kind)).toEqual(['AppNotFound']);
    expect(p.connections[0]!.refusals[0]!.message).toContain('Application (client) ID, not its object ID');
    expect(p.connections[0]!.resources).toEqual([]);
    const before = fake.requests.length;
    const report = (await apply(clients, spec))._unsafeUnwrap();
    expect(report.ok).toBe(false);
    expect(writes(before)).toEqual([]);
    expect(fake.state.applications()).toEqual([]);
  });

  it('does not take a connection bound to the adopted app under another name for a renamed one', async () => {
    const { app, endpoints } = await madeByHand(['sc-a', 'sc-b']);
    const spec = specAdopting(app.appId, 'sc-new');
    const p = (await plan(clients, spec))._unsafeUnwrap();
    expect(p.connections[0]!.resources.find((r) => r.kind === 'serviceConnection')).toMatchObject({ action: 'create' });
    expect((await apply(clients, spec))._unsafeUnwrap().ok).toBe(true);
    expect(endpoints.map((e) => fake.state.serviceEndpoint(e.id)?.name)).toEqual(['sc-a', 'sc-b']);
    const created = fake.state.serviceEndpoints().find((e) => e.name === 'sc-new')!;
    expect(created.parameters['serviceprincipalid']).toBe(app.appId);
  });

  it('keeps the adopted connection and app when the spec drops them (prune never deletes what wif did not make)', async () => {
    const { app, endpoints } = await madeByHand(['sc-handmade']);
    expect((await apply(clients, specAdopting(app.appId)))._unsafeUnwrap().ok).toBe(true);
    const other = loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - { project: platform, name: sc-other, app: ado-other, scope: /subscriptions/${fake.state.subscriptionId}/resourceGroups/rg-other, roles: [Reader] }
`)._unsafeUnwrap();
    const p = (await plan(clients, other))._unsafeUnwrap();
    const orphan = p.orphans.find((o) => o.name === 'sc-handmade')!;
    expect(orphan).toMatchObject({ managed: false, resources: [] });
    expect((await apply(clients, other, { prune: true }))._unsafeUnwrap().ok).toBe(true);
    expect(fake.state.serviceEndpoint(endpoints[0]!.id)).toBeDefined();
    expect(fake.state.application(app.id)).toBeDefined();
  });

  it('resolves { appId } in the spec, and refuses the same app twice, a bad id, and extra keys', () => {
    const appId = '0C9F4A1E-5D2B-4F7A-9C3E-8B6D2A1F0E7C';
    const conn = (name: string, app: string) =>
      `  - { project: platform, name: ${name}, app: ${app}, scope: /subscriptions/${fake.state.subscriptionId}, roles: [Reader] }`;
    const load = (...lines: string[]) =>
      loadSpec(`organization: contoso\ntenantId: ${TEST_TENANT_ID}\nconnections:\n${lines.join('\n')}\n`);
    expect(load(conn('sc-a', `{ appId: ${appId} }`))._unsafeUnwrap().connections[0]!.app).toEqual({
      appId: appId.toLowerCase(),
      displayName: appId.toLowerCase(),
      uniqueName: appId.toLowerCase(),
    });
    const twice = load(conn('sc-a', `{ appId: ${appId} }`), conn('sc-b', `{ appId: ${appId.toLowerCase()} }`))._unsafeUnwrapErr();
    expect(twice.message).toContain('one app per connection, always');
    for (const bad of ['{ appId: not-a-guid }', `{ appId: ${appId}, displayName: x }`]) {
      const e = load(conn('sc-a', bad))._unsafeUnwrapErr();
      expect(e.kind).toBe('Validation');
      expect(JSON.stringify(e)).toContain('connections[0].app');
    }
  });
});
