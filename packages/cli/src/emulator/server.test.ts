import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFake, makeTestToken } from '@wif/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakSubject } from './admin';
import { type Emulator, startEmulator } from './server';
import { restoreSnapshot, snapshotOf } from './snapshot';
import { seedDemo } from './seed';

const GRAPH = 'https://graph.microsoft.com/.default';
const bearer = (scope: string): Record<string, string> => ({ authorization: `Bearer ${makeTestToken(scope)}` });

describe('the emulator over HTTP', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = (await startEmulator({ port: 0 }))._unsafeUnwrap();
  });
  afterAll(async () => {
    await emu.close();
  });

  it('listens on 127.0.0.1 and says where each service is', async () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = (await (await fetch(`${emu.url}/_emulator/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: 'ok',
      organization: 'contoso',
      endpoints: { graph: `${emu.url}/graph/v1.0`, arm: `${emu.url}/arm`, devops: `${emu.url}/devops`, authority: `${emu.url}/entra` },
    });
    expect((health['projects'] as Array<{ name: string }>).map((p) => p.name)).toEqual(['platform', 'shared']);
  });

  it('serves the fake: a real JSON body for a good request, the service error for a bad token', async () => {
    const [app] = emu.fake.state.applications();
    const ok = await fetch(`${emu.url}/graph/v1.0/applications/${app!.id}`, { headers: bearer(GRAPH) });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { appId: string }).appId).toBe(app!.appId);
    const wrongAudience = await fetch(`${emu.url}/graph/v1.0/applications/${app!.id}`, {
      headers: bearer('https://management.azure.com/.default'),
    });
    expect(wrongAudience.status).toBe(401);
    expect(((await wrongAudience.json()) as { error: { code: string } }).error.code).toBeTruthy();
  });

  it('passes request bodies through and answers writes with the service status', async () => {
    const res = await fetch(`${emu.url}/graph/v1.0/applications`, {
      method: 'POST',
      headers: { ...bearer(GRAPH), 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'made-over-http' }),
    });
    expect(res.status).toBe(201);
    expect(emu.fake.state.applications().some((a) => a.displayName === 'made-over-http')).toBe(true);
  });

  it('reads a body sent in chunks (no Content-Length), and writes the exact bytes of a JSON answer with non-ASCII text', async () => {
    const name = 'made-in-chunks-Zürich-東京';
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${emu.url}/graph/v1.0/applications`,
        { method: 'POST', headers: { ...bearer(GRAPH), 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.write('{"displayName":');
      req.end(JSON.stringify(name) + '}');
    });
    expect(status).toBe(201);
    const app = emu.fake.state.applications().find((a) => a.displayName === name);
    expect(app).toBeDefined();
    const read = await fetch(`${emu.url}/graph/v1.0/applications/${app!.id}`, { headers: bearer(GRAPH) });
    const text = await read.text();
    expect(Number(read.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect((JSON.parse(text) as { displayName: string }).displayName).toBe(name);
  });

  it('serves Graph JSON batching: one POST /$batch, a response per request, and refuses more than 20 with 400', async () => {
    const [app] = emu.fake.state.applications();
    const batch = (requests: unknown[]): Promise<Response> =>
      fetch(`${emu.url}/graph/v1.0/$batch`, {
        method: 'POST',
        headers: { ...bearer(GRAPH), 'content-type': 'application/json' },
        body: JSON.stringify({ requests }),
      });
    const res = await batch([
      { id: '1', method: 'GET', url: `/applications/${app!.id}` },
      { id: '2', method: 'GET', url: `/applications(appId='00000000-0000-0000-0000-000000000009')` },
    ]);
    expect(res.status).toBe(200);
    const { responses } = (await res.json()) as { responses: { id: string; status: number; body: { appId?: string } }[] };
    const by = new Map(responses.map((r) => [r.id, r]));
    expect(by.get('1')).toMatchObject({ status: 200, body: { appId: app!.appId } });
    expect(by.get('2')?.status).toBe(404);
    const tooMany = await batch(Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/applications' })));
    expect(tooMany.status).toBe(400);
  });

  it('resets the connection for an injected network error', async () => {
    await fetch(`${emu.url}/_emulator/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resetRate: 1 }),
    });
    try {
      await expect(fetch(`${emu.url}/graph/v1.0/applications`, { headers: bearer(GRAPH) })).rejects.toThrow();
    } finally {
      await fetch(`${emu.url}/_emulator/options`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resetRate: 0 }),
      });
    }
  });

  it('refuses knobs that are fixed or unknown', async () => {
    const res = await fetch(`${emu.url}/_emulator/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'x' }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('tenantId');
  });

  it('records a pipeline run that used a connection: what its usage history then lists', async () => {
    const post = (body: unknown) =>
      fetch(`${emu.url}/_emulator/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const shared = emu.fake.state.serviceEndpoints().find((e) => e.name === 'sc-shared-deploy')!;
    const res = await post({ connection: 'SC-SHARED-DEPLOY', pipeline: 'shared-infra' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { connectionId: string; project: string; pipeline: string; run: string };
    expect(body).toMatchObject({ connectionId: shared.id, project: 'shared', pipeline: 'shared-infra' });
    // Read back as a client reads it: the connection's execution history in its project.
    const projectId = emu.fake.state.project('shared')!.id;
    const history = await fetch(
      `${emu.url}/devops/contoso/${projectId}/_apis/serviceendpoint/${shared.id}/executionhistory?api-version=7.1`,
      {
        headers: bearer('499b84ac-1321-427f-aa17-267ca6975798/.default'),
      },
    );
    expect(history.status).toBe(200);
    const records = ((await history.json()) as { value: { data: { definition: { name: string }; owner: { name: string } } }[] }).value;
    expect(records.map((r) => [r.data.definition.name, r.data.owner.name])).toEqual([['shared-infra', body.run]]);
    // A name it cannot be, a project the connection is not in, no such connection: refused.
    expect((await post({ connection: 'sc-shared-deploy', pipeline: '##vso[task.complete]' })).status).toBe(400);
    expect((await post({ connection: 'sc-shared-deploy', project: 'platform' })).status).toBe(404);
    expect((await post({ connection: 'nope' })).status).toBe(404);
    expect((await post({})).status).toBe(400);
    expect(emu.fake.state.serviceEndpointExecutions(shared.id)).toHaveLength(1);
  });

  it("breaks the subject of a federated connection's credential by letter case only", async () => {
    const legacy = emu.fake.state.serviceEndpoints().find((e) => e.name === 'sc-platform-legacy')!;
    const res = await fetch(`${emu.url}/_emulator/break-subject`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connection: 'sc-platform-legacy', project: 'platform' }),
    });
    const body = (await res.json()) as { before: string; after: string; appObjectId: string };
    expect(res.status).toBe(200);
    expect(body.before).toBe(emu.fake.state.federation(legacy.id)!.subject);
    expect(body.after).not.toBe(body.before);
    expect(body.after.toLowerCase()).toBe(body.before.toLowerCase());
    expect(emu.fake.state.federatedCredentials(body.appObjectId).map((f) => f.subject)).toContain(body.after);
    const missing = await fetch(`${emu.url}/_emulator/break-subject`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connection: 'nope' }),
    });
    expect(missing.status).toBe(404);
    const secret = await fetch(`${emu.url}/_emulator/break-subject`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connection: 'sc-shared-deploy' }),
    });
    expect(secret.status).toBe(400);
  });

  it("breaks the subject of a managed-identity connection's credential, on the identity", async () => {
    const { state } = emu.fake;
    const identity = state.governance.addManagedIdentity({
      subscriptionId: state.subscriptionId,
      resourceGroup: 'rg-id',
      name: 'id-break',
    });
    const endpoint = state.addServiceEndpoint({ name: 'sc-on-identity', projects: 'platform', servicePrincipalId: identity.clientId });
    const fed = state.federation(endpoint.id)!;
    state.governance.setManagedIdentityCredential(identity, { name: 'ado-sc-on-identity', issuer: fed.issuer, subject: fed.subject });
    const res = await fetch(`${emu.url}/_emulator/break-subject`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connection: 'sc-on-identity' }),
    });
    const body = (await res.json()) as { before: string; after: string; identity: { name: string }; credential: string };
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ identity: { name: 'id-break' }, credential: 'ado-sc-on-identity', before: fed.subject });
    expect(body.after.toLowerCase()).toBe(fed.subject.toLowerCase());
    expect(body.after).not.toBe(fed.subject);
    expect(identity.credentials.get('ado-sc-on-identity')?.subject).toBe(body.after);
  });

  it('reports a port in use as a start error', async () => {
    const second = await startEmulator({ port: emu.port });
    expect(second._unsafeUnwrapErr()).toMatchObject({ kind: 'EmulatorStart', code: 'EADDRINUSE' });
  });
});

describe('breakSubject', () => {
  it('flips the case of the last segment, or marks a segment without letters', () => {
    expect(breakSubject('sc://contoso/platform/sc-dev')).toBe('sc://contoso/platform/SC-DEV');
    expect(breakSubject('/eid1/c/pub/SC/ABC')).toBe('/eid1/c/pub/SC/abc');
    expect(breakSubject('/x/123')).toBe('/x/123-broken');
  });
});

describe('the state file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wif-emulator-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips every record through a snapshot', () => {
    const a = createFake();
    seedDemo(a);
    // What lies beyond app registrations too: an identity and its credential, a check, security
    // roles (one resource with its creator's role in place, inheritance off), a DevOps identity.
    const gov = a.state.governance;
    const sub = a.state.subscriptionId;
    const identity = gov.addManagedIdentity({
      subscriptionId: sub,
      resourceGroup: 'rg-id',
      name: 'id-platform',
      tags: { 'wif:managed': 'true' },
    });
    gov.setManagedIdentityCredential(identity, {
      name: 'ado-sc-x',
      issuer: 'https://login.microsoftonline.com/t/v2.0',
      subject: '/eid1/c/x',
    });
    // Its service principal, as ARM's create makes it: no application behind it.
    a.state.addManagedIdentityServicePrincipal({ appId: identity.clientId, id: identity.principalId, displayName: 'id-platform' });
    const project = a.state.projects()[0]!;
    gov.addCheck({
      projectId: project.id,
      type: { id: 'approval-type', name: 'Approval' },
      resource: { type: 'endpoint', id: 'e1' },
      settings: { approvers: [{ id: 'u1' }] },
    });
    gov.ensureRoleResource('distributedtask.serviceendpointrole', `${project.id}_e1`);
    gov.setRoleAssignment('distributedtask.serviceendpointrole', `${project.id}_e1`, 'ID-1', 'Administrator');
    gov.setInheritance('distributedtask.serviceendpointrole', `${project.id}_e1`, false);
    gov.addDevOpsIdentity({ providerDisplayName: '[platform]\\Release Approvers' });
    const b = createFake({ seed: 99 });
    restoreSnapshot(JSON.parse(JSON.stringify(snapshotOf(a.state))), b.state);
    const normalise = (s: ReturnType<typeof snapshotOf>) => JSON.parse(JSON.stringify(s).replace(/"(writtenAt|createdAt)":\d+/g, '"$1":0'));
    expect(normalise(snapshotOf(b.state))).toEqual(normalise(snapshotOf(a.state)));
    expect(b.state.roleAssignments().length).toBeGreaterThan(0);
    const restored = b.state.governance;
    expect(restored.managedIdentity(sub, 'rg-id', 'id-platform')?.credentials.get('ado-sc-x')?.subject).toBe('/eid1/c/x');
    expect(b.state.servicePrincipal(identity.principalId)).toMatchObject({
      appId: identity.clientId,
      servicePrincipalType: 'ManagedIdentity',
    });
    expect(restored.checks()).toHaveLength(1);
    expect(restored.roleAssignments('distributedtask.serviceendpointrole', `${project.id}_e1`)?.get('id-1')).toBe('Administrator');
    expect(restored.inheritance('distributedtask.serviceendpointrole', `${project.id}_e1`)).toBe(false);
    expect(restored.ensureRoleResource('distributedtask.serviceendpointrole', `${project.id}_e1`)).toBe(false);
    expect(restored.devopsIdentities().map((i) => i.providerDisplayName)).toEqual(['[platform]\\Release Approvers']);
    // A check made after the restore does not reuse a restored id.
    expect(restored.addCheck({ projectId: project.id, type: { id: 't' }, resource: { type: 'endpoint', id: 'e2' } }).id).toBe(2);
  });

  it('restores a file written before governance was saved, without it', () => {
    const a = createFake();
    seedDemo(a);
    a.state.governance.addCheck({ projectId: a.state.projects()[0]!.id, type: { id: 't' }, resource: { type: 'endpoint', id: 'e1' } });
    const { governance: _dropped, ...older } = JSON.parse(JSON.stringify(snapshotOf(a.state))) as ReturnType<typeof snapshotOf>;
    const b = createFake({ seed: 99 });
    restoreSnapshot(older, b.state);
    expect(b.state.applications().length).toBe(a.state.applications().length);
    expect(b.state.governance.checks()).toEqual([]);
  });

  it('saves every change and restores it on the next start instead of seeding again', async () => {
    const file = join(dir, 'state.json');
    const first = (await startEmulator({ port: 0, stateFile: file }))._unsafeUnwrap();
    expect(first.restored).toBe(false);
    await fetch(`${first.url}/graph/v1.0/applications`, {
      method: 'POST',
      headers: { ...bearer(GRAPH), 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'survives-a-restart' }),
    });
    await first.close();
    expect(await readFile(file, 'utf8')).toContain('survives-a-restart');

    const second = (await startEmulator({ port: 0, stateFile: file }))._unsafeUnwrap();
    try {
      expect(second.restored).toBe(true);
      expect(second.fake.state.applications().filter((a) => a.displayName === 'survives-a-restart')).toHaveLength(1);
      expect(second.fake.state.projects().map((p) => p.name)).toEqual(['platform', 'shared']);
      // New objects get ids that cannot collide with restored ones.
      const made = second.fake.state.addApplication({ displayName: 'after-restart' });
      expect(second.fake.state.applications().filter((a) => a.id === made.id)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('refuses a file that is not an emulator state', async () => {
    const file = join(dir, 'other.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, '{"hello":1}'));
    const started = await startEmulator({ port: 0, stateFile: file });
    expect(started._unsafeUnwrapErr().message).toMatch(/not a wif-emulator-state/);
  });
});
