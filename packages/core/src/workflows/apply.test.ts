import { TEST_TENANT_ID } from '@wif/testing';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { loadSpec, type ResolvedSpec } from '../spec/load';
import { apply, type ApplyReport, type ConnectionReport } from './apply';
import { createClients } from './clients';
import { plan } from './plan';

const SUB = '11111111-2222-3333-4444-555555555555';
const RG = `/subscriptions/${SUB}/resourceGroups`;
const GRAPH = 'https://graph.microsoft.com/v1.0';
const DEVOPS = 'https://dev.azure.com/contoso';

const { fake, server, clients, clientOptions } = useFake({ projects: ['platform', 'web'], clients: createClients });
const fast = { replication: { delayInMs: 1, maxDelayInMs: 5 } } as const;

const ENV_SET = `
organization: contoso
tenantId: ${TEST_TENANT_ID}
environments:
  - project: platform
    name: sc-platform
    subscriptionId: ${SUB}
    subscriptionName: Platform
    dev: { resourceGroup: rg-dev }
    prod: { resourceGroup: rg-prod, pipelines: [12] }
    extraRoles:
      - { role: Reader, scope: ${RG}/rg-tfstate }
`;
const spec = (text: string): ResolvedSpec => loadSpec(text)._unsafeUnwrap();
const one = (extra = ''): ResolvedSpec =>
  spec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - project: platform
    name: sc-one
    app: ado-one
    scope: ${RG}/rg-one
    roles: [Contributor]
${extra}`);
const run = async (s: ResolvedSpec, options = {}): Promise<ApplyReport> =>
  (await apply(clients, s, { ...fast, ...options }))._unsafeUnwrap();
const byName = (r: ApplyReport, name: string): ConnectionReport => r.connections.find((c) => c.name === name)!;
const since = (n: number): string[] => fake.requests.slice(n).map((r) => `${r.method} ${r.operation}`);
const appNamed = (displayName: string) => fake.state.applications().find((a) => a.displayName === displayName);
const endpointNamed = (name: string) => fake.state.serviceEndpoints().find((e) => e.name === name);

describe('apply', () => {
  it('vends a fresh environment set: three connections, three apps, three verified credentials', async () => {
    const report = await run(spec(ENV_SET));
    expect(report.ok).toBe(true);
    expect(report.summary).toMatchObject({ converged: 3, created: 3, failed: 0 });
    expect(fake.state.applications()).toHaveLength(3);
    expect(
      fake.state
        .serviceEndpoints()
        .map((e) => e.name)
        .sort(),
    ).toEqual(['sc-platform-dev', 'sc-platform-prod', 'sc-platform-prod-readonly']);
    for (const c of report.connections) {
      const endpoint = endpointNamed(c.name)!;
      const app = fake.state.applicationByAppId(endpoint.parameters['serviceprincipalid']!)!;
      const [fic, ...more] = fake.state.federatedCredentials(app.id);
      expect(more).toHaveLength(0);
      expect({ issuer: fic!.issuer, subject: fic!.subject }).toEqual({
        issuer: fake.state.federation(endpoint.id)!.issuer,
        subject: fake.state.federation(endpoint.id)!.subject,
      });
      expect(c.trustChain).toMatchObject({
        connectionId: endpoint.id,
        appObjectId: app.id,
        credential: { id: fic!.id },
        issuerFormat: 'entra',
      });
      // Every resource has an id and an outcome, and every step a timing.
      expect(c.resources.map((r) => r.kind)).toEqual([
        'application',
        'servicePrincipal',
        'roleAssignment',
        'roleAssignment',
        'serviceConnection',
        'federatedCredential',
        ...(c.name === 'sc-platform-prod' ? ['pipelinePermission'] : []),
      ]);
      expect(c.resources.every((r) => r.id !== '' && r.outcome === 'created')).toBe(true);
      expect(c.timings.map((t) => t.step)).toEqual(
        expect.arrayContaining(['registerApp', 'createManualConnection', 'bindFederatedCredential', 'verifySubject']),
      );
    }
    const roles = fake.state
      .roleAssignments()
      .map((a) => `${fake.state.roleDefinition(a.roleDefinitionId)!.roleName} ${a.scope.split('/').pop()}`);
    expect(roles.sort()).toEqual([
      'Contributor rg-dev',
      'Contributor rg-prod',
      'Reader rg-prod',
      'Reader rg-tfstate',
      'Reader rg-tfstate',
      'Reader rg-tfstate',
    ]);
  });

  it('changes nothing and sends no write on a second run', async () => {
    const s = spec(ENV_SET);
    await run(s);
    const before = fake.requests.length;
    const report = await run(s);
    expect(report.summary).toMatchObject({ converged: 3, unchanged: 3, created: 0, updated: 0 });
    expect(report.connections.flatMap((c) => c.resources.map((r) => r.outcome)).every((o) => o === 'unchanged')).toBe(true);
    expect(report.connections.every((c) => c.trustChain !== undefined)).toBe(true);
    expect(since(before).filter((r) => !r.startsWith('GET '))).toEqual([]);
    expect(fake.state.applications()).toHaveLength(3);
    expect(fake.state.roleAssignments()).toHaveLength(6);
  });

  it('sends no unneeded request for one fresh connection', async () => {
    // New clients, as a run of the CLI has: who the caller is was never read through them.
    (await apply(createClients(clientOptions()), one('    pipelines: [7]'), fast))._unsafeUnwrap();
    // A new app has no service principal, no role assignment and no credential; a new connection
    // has no pipeline permissions: none of them is read before it is written.
    expect(since(0).sort()).toEqual(
      [
        // The plan: the app by uniqueName (404: nothing else of it is read), the connection by name.
        'GET applications.get',
        'GET projects.get',
        'GET serviceEndpoints.list',
        // The preflight of its writes: the Graph token's claims (no request) and the tenant policy
        // (the test token has no wids), the ARM permissions at the role's scope and the caller's own
        // assignments (delegation conditions), who the caller is in Azure DevOps and one evaluation
        // for the project (its id comes from the plan).
        'GET authorizationPolicy.get',
        'GET permissions.list',
        'GET roleAssignments.list',
        'GET connectionData.get',
        'POST permissions.evaluateBatch',
        // Its execution.
        'GET applications.get', // by uniqueName: 404
        'PATCH applications.update', // upsert with Prefer: create-if-missing
        'POST servicePrincipals.create',
        'PUT roleAssignments.create',
        'GET projects.get', // the connection's project reference needs the project id
        'GET serviceEndpoints.list', // by name: is it taken?
        'POST serviceEndpoints.create',
        'POST federatedIdentityCredentials.create',
        'PATCH pipelinePermissions.update',
        'GET serviceEndpoints.get', // verifySubject: the connection as Azure DevOps reports it,
        'GET applications.get', // the app,
        'GET federatedIdentityCredentials.list', // and its credentials
      ].sort(),
    );
  });

  it('executes a plan handed in from what its re-check read: the app and the connection are not read a third time', async () => {
    const s = one('    pipelines: [7]');
    const p = (await plan(clients, s, { orphans: false, preflight: false }))._unsafeUnwrap();
    const from = fake.requests.length;
    const report = (await apply(clients, p, fast))._unsafeUnwrap();
    expect(report.ok).toBe(true);
    expect(report.connections[0]!.outcome).toBe('created');
    expect(since(from).sort()).toEqual(
      [
        // The re-check: the connection planned again, and compared with the plan.
        'GET applications.get', // by uniqueName: 404
        'GET projects.get',
        'GET serviceEndpoints.list', // by name
        // The converge starts from those facts: no read before its first write.
        'PATCH applications.update',
        'POST servicePrincipals.create',
        'PUT roleAssignments.create',
        'POST serviceEndpoints.create',
        'POST federatedIdentityCredentials.create',
        'PATCH pipelinePermissions.update',
        'GET serviceEndpoints.get', // verifySubject
        'GET applications.get',
        'GET federatedIdentityCredentials.list',
      ].sort(),
    );
  });

  it('converges an existing connection from its re-check too: no write, the project and the connection read once', async () => {
    await run(one());
    const p = (await plan(clients, one(), { orphans: false, preflight: false }))._unsafeUnwrap();
    const from = fake.requests.length;
    const report = (await apply(clients, p, fast))._unsafeUnwrap();
    expect(report.connections[0]).toMatchObject({ status: 'converged', outcome: 'unchanged' });
    const ops = since(from);
    expect(ops.filter((o) => !o.startsWith('GET '))).toEqual([]);
    expect(ops.filter((o) => o === 'GET applications.get')).toHaveLength(2); // the re-check, and verifySubject
    expect(ops.filter((o) => o === 'GET projects.get')).toHaveLength(1);
    expect(ops.filter((o) => o === 'GET serviceEndpoints.list')).toHaveLength(1);
  });

  it('runs the role branch and the connection branch at once', async () => {
    fake.setOptions({ latencyInMs: 15 });
    const [c] = (await run(one())).connections;
    const step = (name: string) => c!.timings.find((t) => t.step === name)!;
    const sp = step('ensureServicePrincipal');
    expect(step('createManualConnection').startedAtInMs).toBeLessThan(sp.startedAtInMs + sp.durationInMs);
    expect(c!.durationInMs).toBeLessThan(c!.timings.reduce((sum, t) => sum + t.durationInMs, 0));
  });

  it('authorizes only the named pipelines, and all pipelines only when the spec says so', async () => {
    const s = spec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - { project: platform, name: sc-named, app: ado-named, scope: ${RG}/rg-a, roles: [Reader], pipelines: [12, 13] }
  - { project: platform, name: sc-all, app: ado-all, scope: ${RG}/rg-b, roles: [Reader], pipelines: { all: true } }
  - { project: platform, name: sc-none, app: ado-none, scope: ${RG}/rg-c, roles: [Reader] }
`);
    await run(s);
    const perms = (name: string) => fake.state.pipelinePermissions('platform', endpointNamed(name)!.id)!;
    expect(perms('sc-named').pipelines.map((p) => [p.id, p.authorized])).toEqual([
      [12, true],
      [13, true],
    ]);
    expect(perms('sc-named').allPipelines?.authorized).not.toBe(true);
    expect(perms('sc-all').allPipelines?.authorized).toBe(true);
    expect(perms('sc-none')).toEqual({ pipelines: [] });
    expect(
      fake.requests.filter((r) => r.operation.startsWith('pipelinePermissions') && r.path.includes(endpointNamed('sc-none')!.id)),
    ).toEqual([]);

    // Someone opened sc-named to every pipeline: apply closes it again.
    perms('sc-named').allPipelines = { authorized: true };
    const report = await run(s);
    expect(perms('sc-named').allPipelines?.authorized).toBe(false);
    expect(byName(report, 'sc-named').resources.find((r) => r.kind === 'pipelinePermission')).toMatchObject({
      outcome: 'updated',
      changes: [{ field: 'allPipelines', from: 'true', to: 'false' }],
    });
  });

  it('shares a connection with other projects', async () => {
    const s = one('    shareWith: [web]');
    const first = await run(s);
    const endpoint = endpointNamed('sc-one')!;
    expect(endpoint.projectReferences.map((r) => fake.state.project(r.projectId)!.name)).toEqual(['platform', 'web']);
    expect(first.connections[0]!.resources.find((r) => r.kind === 'projectShare')?.outcome).toBe('created');
    const again = await run(s);
    expect(again.connections[0]!.resources.find((r) => r.kind === 'projectShare')?.outcome).toBe('unchanged');
  });

  it('applies a plan', async () => {
    const p = (await plan(clients, spec(ENV_SET)))._unsafeUnwrap();
    const report = (await apply(clients, p, fast))._unsafeUnwrap();
    expect(report.summary.created).toBe(3);
    expect(fake.state.serviceEndpoints()).toHaveLength(3);
  });

  it('sends nothing for an invalid spec and lists every problem with its path', async () => {
    const good = one();
    const bad: ResolvedSpec = {
      ...good,
      connections: [
        {
          ...good.connections[0]!,
          app: { displayName: 'ado-zero', uniqueName: 'wif-ado-zero' },
          roles: [{ role: 'Reader', scope: '/subscriptions/nope' }],
        },
        good.connections[0]!,
        { ...good.connections[0]!, key: 'platform/sc-two', name: 'sc-two' },
      ],
    };
    const e = (await apply(clients, bad, fast))._unsafeUnwrapErr();
    expect(e.kind).toBe('Validation');
    expect(e.problems.map((p) => p.path)).toEqual(['connections[0].roles[0].scope', 'connections[2].app']);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('apply with failures', () => {
  const ABC = `
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - { project: platform, name: sc-a, app: ado-a, scope: ${RG}/rg-a, roles: [Contributor] }
  - { project: platform, name: sc-b, app: ado-b, scope: ${RG}/rg-b, roles: [Contributor, { role: Reader, scope: ${RG}/rg-state }] }
  - { project: platform, name: sc-c, app: ado-c, scope: ${RG}/rg-c, roles: [Contributor] }
`;
  /** Fails the credential step of connection sc-b's app with 403. */
  const failCredentialOfB = http.post(`${GRAPH}/applications/:id/federatedIdentityCredentials`, ({ params }) =>
    fake.state.application(String(params['id']))?.displayName === 'ado-b'
      ? HttpResponse.json(
          { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } },
          { status: 403 },
        )
      : undefined,
  );
  const converged = (r: ApplyReport) => r.connections.filter((c) => c.status === 'converged').map((c) => c.name);

  it('rolls back what it created for a connection that failed half-way, and converges the others', async () => {
    server.use(failCredentialOfB);
    const report = await run(spec(ABC));
    expect(report.ok).toBe(false);
    expect(converged(report)).toEqual(['sc-a', 'sc-c']);
    const b = byName(report, 'sc-b');
    expect(b).toMatchObject({ status: 'rolled-back', error: { kind: 'Forbidden', service: 'graph' }, leftovers: [] });
    expect(b.resources.filter((r) => r.outcome !== 'deleted')).toEqual([]);
    expect(appNamed('ado-b')).toBeUndefined();
    expect(endpointNamed('sc-b')).toBeUndefined();
    expect(fake.state.roleAssignments()).toHaveLength(2);
    expect(fake.state.servicePrincipals()).toHaveLength(2);
    // Reverse order of creation: the connection, its role assignments (at once), the principal, the app.
    expect(since(0).filter((r) => r.startsWith('DELETE'))).toEqual([
      'DELETE serviceEndpoints.delete',
      'DELETE roleAssignments.delete',
      'DELETE roleAssignments.delete',
      'DELETE servicePrincipals.delete',
      'DELETE applications.delete',
    ]);
  });

  it('removes the credential first when the connection fails after binding', async () => {
    // Verification of sc-b cannot read the connection.
    server.use(
      http.get(`${DEVOPS}/:project/_apis/serviceendpoint/endpoints/:id`, ({ params }) =>
        fake.state.serviceEndpoint(String(params['id']))?.name === 'sc-b'
          ? HttpResponse.json(
              { $id: '1', message: 'Access denied.', typeKey: 'AccessCheckException', errorCode: 0, eventId: 3000 },
              { status: 403 },
            )
          : undefined,
      ),
    );
    const report = await run(spec(ABC));
    expect(byName(report, 'sc-b')).toMatchObject({ status: 'rolled-back', error: { kind: 'Forbidden', service: 'devops' } });
    expect(since(0).filter((r) => r.startsWith('DELETE'))).toEqual([
      'DELETE federatedIdentityCredentials.delete',
      'DELETE serviceEndpoints.delete',
      'DELETE roleAssignments.delete',
      'DELETE roleAssignments.delete',
      'DELETE servicePrincipals.delete',
      'DELETE applications.delete',
    ]);
    expect(converged(report)).toEqual(['sc-a', 'sc-c']);
  });

  it('lists what rollback could not remove, with ids', async () => {
    server.use(
      failCredentialOfB,
      http.delete(`${DEVOPS}/_apis/serviceendpoint/endpoints/:id`, () =>
        HttpResponse.json(
          { $id: '1', message: 'Access denied.', typeKey: 'AccessCheckException', errorCode: 0, eventId: 3000 },
          { status: 403 },
        ),
      ),
    );
    const b = byName(await run(spec(ABC)), 'sc-b');
    const endpoint = endpointNamed('sc-b')!;
    expect(b.status).toBe('rollback-incomplete');
    expect(b.leftovers).toEqual([
      {
        kind: 'serviceConnection',
        id: endpoint.id,
        name: 'sc-b',
        error: expect.objectContaining({ kind: 'Forbidden' }),
        command: expect.stringContaining(`az devops service-endpoint delete --id ${endpoint.id}`),
      },
    ]);
    expect(b.resources.find((r) => r.kind === 'serviceConnection')?.outcome).toBe('created');
    expect(appNamed('ado-b')).toBeUndefined();
  });

  it('keeps what a failed connection created when asked to', async () => {
    server.use(failCredentialOfB);
    const b = byName(await run(spec(ABC), { keepOnFailure: true }), 'sc-b');
    expect(b.status).toBe('failed');
    expect(appNamed('ado-b')).toBeDefined();
    expect(endpointNamed('sc-b')).toBeDefined();
    expect(fake.requests.some((r) => r.method === 'DELETE')).toBe(false);
  });

  /** Holds each request until a second one with the same key arrives, then lets both through: a guaranteed collision. */
  const collide = () => {
    const waiting = new Map<string, () => void>();
    return async (key: string): Promise<undefined> => {
      const first = waiting.get(key);
      if (first) {
        waiting.delete(key);
        first();
      } else await new Promise<void>((release) => waiting.set(key, release));
      return undefined; // fall through to the fake
    };
  };

  it.each([
    ['a fresh spec', false],
    ['apps that exist, so that both runs create the principal and the connection at once', true],
  ])('leaves exactly one of each resource when two runs race on %s', async (_, collideOnCreate) => {
    fake.setOptions({ latencyInMs: 3 });
    const s = spec(ENV_SET);
    if (collideOnCreate) {
      for (const c of s.connections) fake.state.addApplication({ displayName: c.app.displayName, uniqueName: c.app.uniqueName });
      const sp = collide();
      const sc = collide();
      server.use(
        http.post(`${GRAPH}/servicePrincipals`, async ({ request }) => sp(((await request.clone().json()) as { appId: string }).appId)),
        http.post(`${DEVOPS}/_apis/serviceendpoint/endpoints`, async ({ request }) =>
          sc(((await request.clone().json()) as { name: string }).name),
        ),
      );
    }
    const [first, second] = await Promise.all([run(s), run(s)]);
    expect(first.ok && second.ok).toBe(true);
    expect(fake.state.applications()).toHaveLength(3);
    expect(fake.state.servicePrincipals()).toHaveLength(3);
    expect(fake.state.serviceEndpoints()).toHaveLength(3);
    expect(fake.state.roleAssignments()).toHaveLength(6);
    for (const app of fake.state.applications()) expect(fake.state.federatedCredentials(app.id)).toHaveLength(1);
    expect(fake.state.pipelinePermissions('platform', endpointNamed('sc-platform-prod')!.id)!.pipelines.map((p) => p.id)).toEqual([12]);
    if (collideOnCreate) {
      // The losers were answered "already exists", and adopted the winners'.
      expect(fake.requests.filter((r) => r.operation === 'servicePrincipals.create' && r.status === 409)).toHaveLength(3);
      expect(fake.requests.filter((r) => r.operation === 'serviceEndpoints.create' && r.status === 500)).toHaveLength(3);
    }
  });

  it('leaves exactly one of each resource when two applies of one plan race (each converges from its own re-check)', async () => {
    fake.setOptions({ latencyInMs: 3 });
    const s = spec(ENV_SET);
    const p = (await plan(clients, s, { orphans: false, preflight: false }))._unsafeUnwrap();
    const [first, second] = await Promise.all([apply(clients, p, fast), apply(clients, p, fast)]);
    expect(first._unsafeUnwrap().ok && second._unsafeUnwrap().ok).toBe(true);
    expect(fake.state.applications()).toHaveLength(3);
    expect(fake.state.servicePrincipals()).toHaveLength(3);
    expect(fake.state.serviceEndpoints()).toHaveLength(3);
    expect(fake.state.roleAssignments()).toHaveLength(6);
    for (const app of fake.state.applications()) expect(fake.state.federatedCredentials(app.id)).toHaveLength(1);
  });

  it('completes a throttled run with everything converged and nothing duplicated', async () => {
    fake.setOptions({ throttleRate: 0.15, retryAfterSeconds: 0 });
    const s = spec(`${ENV_SET}
connections:
  - { project: platform, name: sc-shared, app: ado-shared, scope: ${RG}/rg-shared, roles: [Contributor], shareWith: [web], pipelines: [3] }
`);
    const report = await run(s);
    expect(report.ok).toBe(true);
    expect(fake.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(fake.state.applications()).toHaveLength(4);
    expect(fake.state.serviceEndpoints()).toHaveLength(4);
    expect(fake.state.roleAssignments()).toHaveLength(7);
    for (const app of fake.state.applications()) expect(fake.state.federatedCredentials(app.id)).toHaveLength(1);
    const again = await run(s);
    expect(again.summary.unchanged).toBe(4);
  });
});
