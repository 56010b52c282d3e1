import { TEST_TENANT_ID } from '@wif/testing';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { loadSpec, type ResolvedSpec } from '../spec/load';
import { apply } from './apply';
import { createClients } from './clients';
import { plan } from './plan';
import { sync, type SyncOptions, type SyncReport } from './sync';

const SUB = '11111111-2222-3333-4444-555555555555';
const RG = `/subscriptions/${SUB}/resourceGroups`;
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const GRAPH = 'https://graph.microsoft.com/v1.0';
const DEVOPS = 'https://dev.azure.com/contoso';

const { fake, server, clients } = useFake({ projects: ['platform'], clients: createClients });
const fast = { replication: { delayInMs: 1, maxDelayInMs: 5 } } as const;

const specWith = (role: string): ResolvedSpec =>
  loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - { project: platform, name: sc-one, app: ado-one, scope: ${RG}/rg-one, roles: [${role}], pipelines: [5] }
`)._unsafeUnwrap();
const SPEC = specWith('Contributor');

const vend = async (s: ResolvedSpec = SPEC) => {
  expect((await apply(clients, s, fast))._unsafeUnwrap().ok).toBe(true);
  const endpoint = fake.state.serviceEndpoints()[0]!;
  const app = fake.state.applicationByAppId(endpoint.parameters['serviceprincipalid']!)!;
  const sp = fake.state.servicePrincipalByAppId(app.appId)!;
  return { endpoint, app, sp, credentials: () => fake.state.federatedCredentials(app.id) };
};
const runSync = async (s: ResolvedSpec = SPEC, options: SyncOptions = {}): Promise<SyncReport> =>
  (await sync(clients, s, { ...fast, ...options }))._unsafeUnwrap();
const drifts = (r: SyncReport) => r.drifts.map((d) => `${d.resource} ${d.kind} → ${d.action}`);
const order = (...ops: string[]) => ops.map((op) => fake.requests.findIndex((r) => `${r.method} ${r.operation}` === op));

describe('sync', () => {
  it('finds nothing on a converged spec and sends no write', async () => {
    await vend();
    const before = fake.requests.length;
    const report = await runSync();
    expect(report.drifts).toEqual([]);
    expect(report.ok).toBe(true);
    expect(fake.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('repairs a renamed connection: found through its app, renamed back, its subject read again and the credential rebound', async () => {
    fake.setOptions({ issuerMode: 'legacy' });
    const { endpoint, credentials } = await vend();
    const original = fake.state.federation(endpoint.id)!.subject;
    expect(original).toBe('sc://contoso/platform/sc-one');
    // Renamed in the portal, and someone "fixed" the credential to the new legacy subject.
    fake.state.renameServiceEndpoint(endpoint.id, 'sc-one-renamed');
    credentials()[0]!.subject = 'sc://contoso/platform/sc-one-renamed';

    const report = await runSync();
    expect(endpoint.name).toBe('sc-one');
    expect(credentials().map((f) => f.subject)).toEqual([original]);
    expect(report.connections[0]!.trustChain).toMatchObject({ subject: original, issuerFormat: 'legacy' });
    expect(report.drifts).toEqual([
      {
        key: 'platform/sc-one',
        resource: 'serviceConnection',
        kind: 'renamed',
        name: 'sc-one',
        id: endpoint.id,
        action: 'updated',
        changes: [{ field: 'name', from: 'sc-one-renamed', to: 'sc-one' }],
      },
      expect.objectContaining({
        resource: 'federatedCredential',
        kind: 'altered',
        action: 'updated',
        changes: [{ field: 'subject', from: 'sc://contoso/platform/sc-one-renamed', to: original }],
      }),
    ]);
    const [rename, rebind] = order('PUT serviceEndpoints.update', 'PATCH federatedIdentityCredentials.update');
    expect(rename).toBeGreaterThanOrEqual(0);
    expect(rename).toBeLessThan(rebind!);
  });

  it('repairs an issuer switch, keeping both credentials until the new one verifies', async () => {
    fake.setOptions({ issuerMode: 'legacy' });
    const { endpoint, app, credentials } = await vend();
    const legacy = credentials()[0]!;
    // An edit in the portal moved the connection to the Entra issuer.
    fake.setOptions({ issuerMode: 'entra' });
    endpoint.federation = 'entra';
    const entra = fake.state.federation(endpoint.id)!;

    const seen: Record<string, string[]> = {};
    const snapshot = (when: string) =>
      (seen[when] = fake.state
        .federatedCredentials(app.id)
        .map((f) => f.issuer)
        .sort());
    server.use(
      http.get(`${DEVOPS}/:project/_apis/serviceendpoint/endpoints/:id`, () => void snapshot('verify')),
      http.delete(`${GRAPH}/applications/:app/federatedIdentityCredentials/:fic`, () => void snapshot('delete')),
    );
    const report = await runSync();

    expect(seen['verify']).toEqual([entra.issuer, legacy.issuer].sort());
    expect(seen['delete']).toEqual([entra.issuer, legacy.issuer].sort());
    expect(credentials().map((f) => [f.name, f.issuer, f.subject])).toEqual([[`ado-sc-${endpoint.id}-entra`, entra.issuer, entra.subject]]);
    expect(report.connections[0]!.trustChain).toMatchObject({ issuerFormat: 'entra', credential: { name: `ado-sc-${endpoint.id}-entra` } });
    expect(drifts(report)).toEqual(['federatedCredential issuerChanged → created', 'federatedCredential stale → deleted']);
    expect(report.drifts[0]!.changes).toContainEqual({ field: 'issuer', from: legacy.issuer, to: entra.issuer });
    const [bind, verify, remove] = order(
      'POST federatedIdentityCredentials.create',
      'GET serviceEndpoints.get',
      'DELETE federatedIdentityCredentials.delete',
    );
    expect(bind).toBeLessThan(verify!);
    expect(verify).toBeLessThan(remove!);
  });

  it('keeps the old credential when the new one cannot be verified', async () => {
    fake.setOptions({ issuerMode: 'legacy' });
    const { endpoint, credentials } = await vend();
    const legacy = credentials()[0]!;
    fake.setOptions({ issuerMode: 'entra' });
    endpoint.federation = 'entra';
    server.use(
      http.get(`${DEVOPS}/:project/_apis/serviceendpoint/endpoints/:id`, () =>
        HttpResponse.json(
          { $id: '1', message: 'Access denied.', typeKey: 'AccessCheckException', errorCode: 0, eventId: 3000 },
          { status: 403 },
        ),
      ),
    );
    const report = await runSync();
    expect(report.connections[0]).toMatchObject({ status: 'rolled-back', error: { kind: 'Forbidden' } });
    // The new credential was this run's and is rolled back; the old one was never touched.
    expect(credentials()).toEqual([legacy]);
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([expect.not.stringContaining(legacy.id)]);
  });

  it.each([
    ['missing', (f: { subject: string; audiences: string[] }[], remove: () => void) => remove(), 'federatedCredential missing → created'],
    [
      'with another subject',
      (f: { subject: string }[]) => void (f[0]!.subject = 'sc://contoso/platform/typo'),
      'federatedCredential altered → updated',
    ],
    [
      'with another audience',
      (f: { audiences: string[] }[]) => void (f[0]!.audiences = ['api://something-else']),
      'federatedCredential altered → updated',
    ],
  ])('repairs a credential %s', async (_, alter, expected) => {
    const { endpoint, app, credentials } = await vend();
    alter(credentials(), () => fake.state.deleteFederatedCredential(app.id, credentials()[0]!.id));
    const report = await runSync();
    expect(drifts(report)).toEqual([expected]);
    const fed = fake.state.federation(endpoint.id)!;
    expect(credentials().map((f) => [f.issuer, f.subject, f.audiences])).toEqual([
      [fed.issuer, fed.subject, ['api://AzureADTokenExchange']],
    ]);
    expect(report.connections[0]!.trustChain?.credential.id).toBe(credentials()[0]!.id);
  });

  it('restores a missing role assignment, reports one the spec does not name, and removes it only with prune', async () => {
    const { sp } = await vend();
    const granted = fake.state.roleAssignments()[0]!;
    fake.state.deleteRoleAssignment(granted.name);
    const extra = fake.state.addRoleAssignment({ scope: `/subscriptions/${SUB}`, roleDefinitionId: READER, principalId: sp.id });

    const reported = await runSync();
    expect(drifts(reported)).toEqual(['roleAssignment missing → created', 'roleAssignment extra → reported']);
    expect(reported.drifts[1]).toMatchObject({
      id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/${extra.name}`,
    });
    expect(fake.state.roleAssignment(granted.name)).toBeDefined();
    expect(fake.state.roleAssignment(extra.name)).toBeDefined();

    const pruned = await runSync(SPEC, { prune: true });
    expect(drifts(pruned)).toEqual(['roleAssignment extra → deleted']);
    expect(fake.state.roleAssignment(extra.name)).toBeUndefined();
    expect(fake.state.roleAssignments()).toHaveLength(1);
  });

  it('follows a changed role: apply adds the new one, plan shows the old one, sync with prune removes it', async () => {
    await vend();
    const changed = specWith('Reader');
    const applied = (await apply(clients, changed, fast))._unsafeUnwrap();
    expect(
      applied.connections[0]!.resources.filter((r) => r.kind === 'roleAssignment').map((r) => [r.name.split(' @ ')[0], r.outcome]),
    ).toEqual([['Reader', 'created']]);
    const roles = () =>
      fake.state
        .roleAssignments()
        .map((a) => a.roleDefinitionId)
        .sort();
    expect(roles()).toEqual([CONTRIBUTOR, READER].sort());
    const p = (await plan(clients, changed))._unsafeUnwrap();
    expect(p.connections[0]!.resources.filter((r) => r.kind === 'roleAssignment').map((r) => r.action)).toEqual(['unchanged', 'delete']);

    const report = await runSync(changed, { prune: true });
    expect(drifts(report)).toEqual(['roleAssignment extra → deleted']);
    expect(roles()).toEqual([READER]);
  });

  it('recreates a deleted connection with its credential and pipeline permissions', async () => {
    const first = await vend();
    fake.state.deleteServiceEndpoint(first.endpoint.id);
    const planned = (await plan(clients, SPEC))._unsafeUnwrap().connections[0]!.resources;
    expect(planned.filter((r) => r.kind === 'federatedCredential').map((r) => `${r.action} ${r.name}`)).toEqual([
      'create ado-sc-{connection id}',
      `delete ado-sc-${first.endpoint.id}`,
    ]);
    const report = await runSync();
    const endpoint = fake.state.serviceEndpoints()[0]!;
    expect(endpoint.id).not.toBe(first.endpoint.id);
    expect(drifts(report)).toEqual([
      'serviceConnection missing → created',
      'federatedCredential missing → created',
      'federatedCredential extra → reported',
      'pipelinePermission missing → created',
    ]);
    expect(fake.state.pipelinePermissions('platform', endpoint.id)!.pipelines.map((p) => p.id)).toEqual([5]);
    // The deleted connection's credential is reported, and removed with prune once the new one verifies.
    expect(
      first
        .credentials()
        .map((f) => f.name)
        .sort(),
    ).toEqual([`ado-sc-${endpoint.id}`, `ado-sc-${first.endpoint.id}`].sort());
    const pruned = await runSync(SPEC, { prune: true });
    expect(drifts(pruned)).toEqual(['federatedCredential extra → deleted']);
    expect(first.credentials().map((f) => f.name)).toEqual([`ado-sc-${endpoint.id}`]);
  });
});
