import { TEST_TENANT_ID } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { loadSpec, type ResolvedSpec } from '../spec/load';
import { apply } from './apply';
import { createClients } from './clients';
import { type ConnectionPlan, plan, type Plan } from './plan';

const SUB = '11111111-2222-3333-4444-555555555555';
const RG = `/subscriptions/${SUB}/resourceGroups`;
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

const { fake, clients, server } = useFake({ projects: ['platform', 'web'], clients: createClients });
// The fake's log has no query strings: the URLs as sent tell a list by name from the list of a type.
const urls: string[] = [];
server.events.on('request:start', ({ request }) => {
  urls.push(request.url);
});

const SPEC: ResolvedSpec = loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - project: platform
    name: sc-one
    app: ado-one
    scope: ${RG}/rg-one
    roles: [Contributor, { role: Reader, scope: ${RG}/rg-tfstate }]
    shareWith: [web]
    pipelines: [12]
  - { project: platform, name: sc-two, app: ado-two, scope: ${RG}/rg-two, roles: [Reader] }
`)._unsafeUnwrap();

/** Plans, and proves that planning sent nothing but GETs. */
async function planReadOnly(spec: ResolvedSpec): Promise<Plan> {
  const before = fake.requests.length;
  const p = (await plan(clients, spec))._unsafeUnwrap();
  const sent = fake.requests.slice(before);
  expect(sent.length).toBeGreaterThan(0);
  // Only reads: the preflight's permission evaluation is a POST that writes nothing.
  expect(sent.filter((r) => r.method !== 'GET' && r.operation !== 'permissions.evaluateBatch')).toEqual([]);
  return p;
}
const actions = (c: ConnectionPlan | undefined): string[] => (c?.resources ?? []).map((r) => `${r.kind} ${r.action}`);
const named = (p: Plan, name: string): ConnectionPlan => p.connections.find((c) => c.name === name)!;

describe('plan', () => {
  it('plans a fresh spec as creates, sending no write', async () => {
    const p = await planReadOnly(SPEC);
    expect(actions(named(p, 'sc-one'))).toEqual([
      'application create',
      'servicePrincipal create',
      'roleAssignment create',
      'roleAssignment create',
      'serviceConnection create',
      'federatedCredential create',
      'projectShare create',
      'pipelinePermission create',
    ]);
    expect(p.summary).toEqual({ create: 13, update: 0, unchanged: 0, delete: 0, errors: 0, refused: 0, orphans: 0 });
    expect(p.spec).toBe(SPEC);
  });

  it('plans a converged spec as unchanged', async () => {
    await apply(clients, SPEC, { replication: { delayInMs: 1 } });
    const p = await planReadOnly(SPEC);
    expect(p.summary).toEqual({ create: 0, update: 0, unchanged: 13, delete: 0, errors: 0, refused: 0, orphans: 0 });
    expect(named(p, 'sc-one').resources.every((r) => r.id !== undefined)).toBe(true);
  });

  it('shows each drift with the differing fields, sending no write', async () => {
    await apply(clients, SPEC, { replication: { delayInMs: 1 } });
    const one = fake.state.serviceEndpoints().find((e) => e.name === 'sc-one')!;
    const two = fake.state.serviceEndpoints().find((e) => e.name === 'sc-two')!;
    const appTwo = fake.state.applicationByUniqueName('wif-ado-two')!;
    fake.state.renameServiceEndpoint(one.id, 'sc-one-renamed');
    fake.state.pipelinePermissions('platform', one.id)!.allPipelines = { authorized: true };
    fake.state.federatedCredentials(appTwo.id)[0]!.subject = 'sc://contoso/platform/typo';
    const spTwo = fake.state.servicePrincipalByAppId(appTwo.appId)!;
    fake.state.addRoleAssignment({ scope: `/subscriptions/${SUB}`, roleDefinitionId: READER, principalId: spTwo.id });
    fake.state.application(appTwo.id)!.displayName = 'renamed by hand';

    const p = await planReadOnly(SPEC);
    const c1 = named(p, 'sc-one').resources;
    expect(c1.find((r) => r.kind === 'serviceConnection')).toMatchObject({
      action: 'update',
      id: one.id,
      changes: [{ field: 'name', from: 'sc-one-renamed', to: 'sc-one' }],
    });
    expect(c1.find((r) => r.kind === 'pipelinePermission')).toMatchObject({
      action: 'update',
      changes: [{ field: 'allPipelines', from: 'true', to: 'false' }],
    });
    const c2 = named(p, 'sc-two').resources;
    expect(c2.find((r) => r.kind === 'application')).toMatchObject({
      action: 'update',
      changes: [{ field: 'displayName', from: 'renamed by hand', to: 'ado-two' }],
    });
    expect(c2.find((r) => r.kind === 'federatedCredential')).toMatchObject({
      action: 'update',
      changes: [{ field: 'subject', from: 'sc://contoso/platform/typo', to: fake.state.federation(two.id)!.subject }],
    });
    // A built-in role is named, not shown as its GUID.
    expect(c2.find((r) => r.kind === 'roleAssignment' && r.action === 'delete')).toMatchObject({
      name: `Reader @ /subscriptions/${SUB}`,
      note: expect.stringMatching(/prune/),
    });
    expect(fake.state.serviceEndpoint(one.id)!.name).toBe('sc-one-renamed');
  });

  it('plans an issuer change as a new credential, and the old one deleted after verification', async () => {
    fake.setOptions({ issuerMode: 'legacy' });
    await apply(clients, SPEC, { replication: { delayInMs: 1 } });
    const two = fake.state.serviceEndpoints().find((e) => e.name === 'sc-two')!;
    two.federation = 'entra';
    const creds = named(await planReadOnly(SPEC), 'sc-two').resources.filter((r) => r.kind === 'federatedCredential');
    expect(creds.map((r) => [r.action, r.name])).toEqual([
      ['create', `ado-sc-${two.id}-entra`],
      ['delete', `ado-sc-${two.id}`],
    ]);
    expect(creds[0]!.changes[0]).toMatchObject({
      field: 'issuer',
      from: expect.stringContaining('vstoken'),
      to: expect.stringContaining('login.microsoftonline.com'),
    });
  });

  it('plans a connection renamed on the Entra issuer with its credential unchanged, which is what apply then does', async () => {
    await apply(clients, SPEC, { replication: { delayInMs: 1 } });
    const one = fake.state.serviceEndpoints().find((e) => e.name === 'sc-one')!;
    fake.state.renameServiceEndpoint(one.id, 'sc-one-renamed');
    const planned = named(await planReadOnly(SPEC), 'sc-one').resources;
    expect(planned.filter((r) => r.action !== 'unchanged').map((r) => `${r.kind} ${r.action}`)).toEqual(['serviceConnection update']);
    expect(planned.find((r) => r.kind === 'federatedCredential')).toMatchObject({ action: 'unchanged', name: `ado-sc-${one.id}` });

    const report = (await apply(clients, SPEC, { replication: { delayInMs: 1 } }))._unsafeUnwrap();
    const done = report.connections.find((c) => c.key === 'platform/sc-one')!.resources;
    expect(done.filter((r) => r.outcome !== 'unchanged').map((r) => `${r.kind} ${r.outcome}`)).toEqual(['serviceConnection updated']);
  });

  it('plans the credential of a renamed legacy-issuer connection as following what the saved connection reports', async () => {
    fake.setOptions({ issuerMode: 'legacy' });
    await apply(clients, SPEC, { replication: { delayInMs: 1 } });
    const one = fake.state.serviceEndpoints().find((e) => e.name === 'sc-one')!;
    fake.state.renameServiceEndpoint(one.id, 'sc-one-renamed');
    // The legacy subject holds the name: the save that renames it back changes what it presents.
    expect(named(await planReadOnly(SPEC), 'sc-one').resources.find((r) => r.kind === 'federatedCredential')).toMatchObject({
      action: 'update',
      note: expect.stringMatching(/follows the issuer and subject it then reports/),
    });
  });

  it('a project that does not exist names the closest one the caller can see', async () => {
    const typo = loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - { project: plattform, name: sc-x, app: ado-x, scope: ${RG}/rg-x, roles: [Reader] }
  - { project: nothing-like-it, name: sc-y, app: ado-y, scope: ${RG}/rg-y, roles: [Reader] }
`)._unsafeUnwrap();
    const p = (await plan(clients, typo, { orphans: false, preflight: false }))._unsafeUnwrap();
    expect(named(p, 'sc-x').error).toMatchObject({ kind: 'NotFound' });
    expect(named(p, 'sc-x').error!.message).toMatch(/Did you mean "platform"\?$/);
    expect(named(p, 'sc-y').error!.message).not.toContain('Did you mean');
  });

  it('records a connection apply would refuse, and plans the others', async () => {
    fake.state.addServiceEndpoint({ name: 'sc-two', projects: 'platform', scheme: 'ServicePrincipal', servicePrincipalId: SUB });
    const p = await planReadOnly(SPEC);
    expect(named(p, 'sc-two').error).toMatchObject({ kind: 'ConnectionConflict', reason: 'UsesSecret' });
    expect(actions(named(p, 'sc-one'))).toContain('serviceConnection create');
    expect(p.summary.errors).toBe(1);
  });
});

describe('reads one plan run shares', () => {
  const conn = (project: string, name: string, app: string): string =>
    `  - { project: ${project}, name: ${name}, app: ${app}, scope: ${RG}/rg-${app}, roles: [Reader] }`;
  const specOf = (...lines: string[]): ResolvedSpec =>
    loadSpec(`organization: contoso\ntenantId: ${TEST_TENANT_ID}\nconnections:\n${lines.join('\n')}\n`)._unsafeUnwrap();

  it('reads each project and its list of connections once, for every connection and the orphan listing', async () => {
    const applied = specOf(conn('platform', 'sc-a', 'ado-a'), conn('platform', 'sc-b', 'ado-b'), conn('web', 'sc-d', 'ado-d'));
    expect((await apply(clients, applied, { replication: { delayInMs: 1 } }))._unsafeUnwrap().ok).toBe(true);
    // sc-a is now named sc-a2 (found through its app in the list of the project's connections), sc-b
    // is as it was, sc-e is new; orphans are looked for in both projects.
    const s = specOf(
      conn('platform', 'sc-a2', 'ado-a'),
      conn('platform', 'sc-b', 'ado-b'),
      conn('platform', 'sc-e', 'ado-e'),
      conn('web', 'sc-d', 'ado-d'),
    );
    const from = fake.requests.length;
    const fromUrl = urls.length;
    const p = (await plan(clients, s))._unsafeUnwrap();
    const renamed = named(p, 'sc-a2').resources.find((r) => r.kind === 'serviceConnection');
    expect(renamed?.changes.map((c) => c.field)).toContain('name');
    // Renamed in the spec or in the portal alike: the note says where it was found and what happens.
    expect(renamed?.note).toBe("found through its app under another name: renamed to the spec's name");
    expect(p.orphans).toEqual([]);
    const ops = fake.requests.slice(from).map((r) => r.operation);
    expect(ops.filter((o) => o === 'projects.get')).toHaveLength(2); // platform, web: not once per connection and again for orphans
    const lists = urls.slice(fromUrl).filter((u) => u.includes('/_apis/serviceendpoint/endpoints?'));
    // The list of each project's Azure Resource Manager connections: once, for sc-a2 and the orphans.
    expect(lists.filter((u) => u.includes('type=azurerm') && !u.includes('endpointNames'))).toHaveLength(2);
    expect(lists.filter((u) => u.includes('endpointNames'))).toHaveLength(4); // each connection by its name
  });

  it('reads a project again when its first read failed (a failure is not kept)', async () => {
    fake.failRequests({ service: 'devops', method: 'GET', path: /\/_apis\/projects\/platform$/, status: 403, times: 1 });
    const s = specOf(conn('platform', 'sc-a', 'ado-a'), conn('platform', 'sc-b', 'ado-b'));
    const from = fake.requests.length;
    // One connection at a time: the first connection's read fails, the second one reads again.
    const p = (await plan(clients, s, { concurrency: 1, orphans: false, preflight: false }))._unsafeUnwrap();
    expect(named(p, 'sc-a').error?.kind).toBe('Forbidden');
    expect(named(p, 'sc-b').error).toBeUndefined();
    expect(
      fake.requests
        .slice(from)
        .filter((r) => r.operation === 'projects.get')
        .map((r) => r.status),
    ).toEqual([403, 200]);
  });
});
