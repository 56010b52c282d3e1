import { getServiceEndpoint, workloadIdentity } from '@wif/devops';
import { useFake } from '@wif/testing/vitest';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../spec/load';
import { apply } from './apply';
import { createClients } from './clients';
import { plan } from './plan';
import { specFromOrganization } from './specFromOrganization';

const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const { fake, clients } = useFake({ projects: ['platform', 'web'], clients: createClients });

/** A federated connection made by hand: its own app (no uniqueName, no tag), a grant, a credential named as the portal names it. */
async function handMade(
  name: string,
  rg: string,
  roles: readonly { role: string; scope?: string }[],
  init: { projects?: string[]; appId?: string } = {},
) {
  const s = fake.state;
  const sub = `/subscriptions/${s.subscriptionId}`;
  const existing = init.appId ? s.applications().find((a) => a.appId === init.appId) : undefined;
  const app = existing ?? s.addApplication({ displayName: `portal ${name}` });
  const sp = existing ? s.servicePrincipalByAppId(app.appId)! : s.addServicePrincipal({ appId: app.appId, createdAt: 0 });
  for (const r of roles)
    s.addRoleAssignment({ scope: r.scope ?? `${sub}/resourceGroups/${rg}`, roleDefinitionId: r.role, principalId: sp.id });
  const e = s.addServiceEndpoint({
    name,
    projects: init.projects ?? 'platform',
    servicePrincipalId: app.appId,
    description: `${name} (made by hand)`,
    data: { scopeLevel: 'Subscription', subscriptionName: 'Contoso production', resourceGroupName: rg },
  });
  const read = (await getServiceEndpoint(clients.devops, s.project('platform')!.id, e.id))._unsafeUnwrap();
  const { issuer, subject } = workloadIdentity(read);
  s.addFederatedCredential(app.id, { name: `${name}-portal`, issuer: issuer!, subject: subject! });
  return { app, e };
}

describe('specFromOrganization (adopting the connections an organization has)', () => {
  it('writes a spec whose plan changes nothing but the marker; skips what it cannot adopt, saying why', async () => {
    const s = fake.state;
    const sub = `/subscriptions/${s.subscriptionId}`;
    const deploy = await handMade(
      'sc-deploy',
      'rg-deploy',
      [{ role: CONTRIBUTOR }, { role: READER, scope: `${sub}/resourceGroups/rg-tfstate` }],
      {
        projects: ['platform', 'web'],
      },
    );
    s.pipelinePermissions('platform', deploy.e.id)!.pipelines.push({ id: 12, authorized: true });
    await handMade('sc-owner', 'rg-owner', [{ role: OWNER, scope: sub }]);
    await handMade('sc-same-app', 'rg-deploy', [], { appId: deploy.app.appId });
    const secret = s.addApplication({ displayName: 'secret app' });
    s.addServiceEndpoint({ name: 'sc-secret', projects: 'platform', scheme: 'ServicePrincipal', servicePrincipalId: secret.appId });
    s.addServiceEndpoint({ name: 'sc-auto', projects: 'platform', creationMode: 'Automatic', servicePrincipalId: secret.appId });

    const before = fake.requests.length;
    const r0 = await specFromOrganization(clients);
    const found = r0._unsafeUnwrap();
    expect(fake.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(found.spec?.connections.map((c) => c.name)).toEqual(['sc-deploy', 'sc-owner']);
    expect(found.spec?.connections[0]).toMatchObject({
      project: 'platform',
      app: { appId: deploy.app.appId },
      target: {
        level: 'resourceGroup',
        subscriptionId: s.subscriptionId,
        subscriptionName: 'Contoso production',
        resourceGroupName: 'rg-deploy',
      },
      roles: [
        { role: 'Contributor', scope: `${sub}/resourceGroups/rg-deploy` },
        { role: 'Reader', scope: `${sub}/resourceGroups/rg-tfstate` },
      ],
      shareWith: ['web'],
      pipelines: [12],
      description: 'sc-deploy (made by hand)',
    });
    expect(found.spec?.connections[1]?.roles).toEqual([{ role: 'Owner', scope: sub, allowPrivileged: true }]);
    expect(found.notes).toEqual([expect.objectContaining({ name: 'sc-owner', note: expect.stringContaining('allowPrivileged: true') })]);
    expect(Object.fromEntries(found.skipped.map((k) => [k.name, k.reason]))).toEqual({
      'sc-same-app': expect.stringContaining('one app per connection'),
      'sc-secret': expect.stringContaining('wif migrate start --project platform --connection sc-secret'),
      'sc-auto': expect.stringContaining('automatic mode'),
    });

    // The written spec loads, and its plan adopts everything: only wif's marker joins each description.
    const spec = loadSpec(JSON.stringify(found.spec))._unsafeUnwrap();
    const p = (await plan(clients, spec))._unsafeUnwrap();
    for (const c of p.connections) {
      expect(c.refusals).toEqual([]);
      const changed = c.resources.filter((r) => r.action !== 'unchanged');
      expect(changed.map((r) => `${r.kind} ${r.changes.map((ch) => ch.field).join(',')}`)).toEqual(['serviceConnection description']);
    }
    expect((await apply(clients, spec))._unsafeUnwrap().ok).toBe(true);
    const again = (await plan(clients, spec))._unsafeUnwrap();
    expect(again.connections.flatMap((c) => c.resources).every((r) => r.action === 'unchanged')).toBe(true);
  });

  it('writes a connection wif made with its own app as wif keeps it ({ displayName, uniqueName }), not adopted', async () => {
    const made = loadSpec(`
organization: contoso
tenantId: ${fake.state.tenantId}
connections:
  - { project: platform, name: sc-made, app: ado-made, scope: /subscriptions/${fake.state.subscriptionId}/resourceGroups/rg-made, roles: [Reader] }
`)._unsafeUnwrap();
    expect((await apply(clients, made))._unsafeUnwrap().ok).toBe(true);
    const found = (await specFromOrganization(clients, { connections: ['sc-made'] }))._unsafeUnwrap();
    expect(found.spec?.connections[0]?.app).toEqual({ displayName: 'ado-made', uniqueName: made.connections[0]!.app.uniqueName });
    const p = (await plan(clients, loadSpec(JSON.stringify(found.spec))._unsafeUnwrap()))._unsafeUnwrap();
    expect(p.connections[0]!.resources.filter((r) => r.action !== 'unchanged')).toEqual([]);
  });

  it('writes only the projects and connections asked for, and no spec when nothing can be adopted', async () => {
    await handMade('sc-deploy', 'rg-deploy', [{ role: CONTRIBUTOR }]);
    await handMade('sc-other', 'rg-other', [{ role: READER }]);
    const one = (await specFromOrganization(clients, { projects: ['platform'], connections: ['SC-OTHER'] }))._unsafeUnwrap();
    expect(one.spec?.connections.map((c) => c.name)).toEqual(['sc-other']);
    const none = (await specFromOrganization(clients, { projects: ['web'] }))._unsafeUnwrap();
    expect(none).toEqual({ skipped: [], notes: [] });
    // A name Azure DevOps could not hold is refused before any request.
    const before = fake.requests.length;
    const bad = (await specFromOrganization(clients, { connections: ['sc-a,sc-b'] }))._unsafeUnwrapErr();
    expect(bad).toMatchObject({ kind: 'Validation', problems: [expect.objectContaining({ path: 'connections[0]' })] });
    expect(fake.requests.length).toBe(before);
  });
});
