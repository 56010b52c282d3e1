import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { WIF_MANAGED_TAG } from '../constants';
import { createClients } from '../workflows/clients';
import { defaultUniqueName, registerApp } from './registerApp';

const { fake, server, clients } = useFake({ clients: createClients });
const { graph } = clients;
const replication = { delayInMs: 1, maxDelayInMs: 5 };
const GRAPH = 'https://graph.microsoft.com/v1.0';

const writes = () => fake.requests.filter((r) => r.method !== 'GET');

describe('registerApp', () => {
  it('creates a single-tenant, tagged app and its service principal, returning the ids the directory holds', async () => {
    const r = await registerApp({ graph }, { displayName: 'ado-platform-prod', notes: 'serves sc-platform-prod' }, { replication });
    const { outcome, value } = r._unsafeUnwrap();
    expect(outcome).toBe('created');
    const app = fake.state.applicationByUniqueName('wif-ado-platform-prod');
    expect(app).toMatchObject({ displayName: 'ado-platform-prod', signInAudience: 'AzureADMyOrg', tags: [WIF_MANAGED_TAG] });
    expect(app?.properties['notes']).toBe('serves sc-platform-prod');
    const sp = fake.state.servicePrincipalByAppId(app!.appId);
    expect(value).toEqual({
      appId: app!.appId,
      applicationObjectId: app!.id,
      servicePrincipalObjectId: sp!.id,
      displayName: 'ado-platform-prod',
      uniqueName: 'wif-ado-platform-prod',
    });
    expect(sp?.tags).toEqual([WIF_MANAGED_TAG]);
  });

  it('is unchanged on a second run and sends no write', async () => {
    const first = (await registerApp({ graph }, { displayName: 'ado-one' }, { replication }))._unsafeUnwrap();
    const before = fake.requests.length;
    const second = await registerApp({ graph }, { displayName: 'ado-one' }, { replication });
    expect(second._unsafeUnwrap()).toEqual({ outcome: 'unchanged', value: first.value });
    expect(fake.requests.slice(before).every((r) => r.method === 'GET')).toBe(true);
    expect(fake.state.applications()).toHaveLength(1);
    expect(fake.state.servicePrincipals()).toHaveLength(1);
  });

  it('repairs drift (display name, multi-tenant audience, missing tag) with one PATCH and keeps the app', async () => {
    const first = (await registerApp({ graph }, { displayName: 'ado-one', uniqueName: 'wif-one' }, { replication }))._unsafeUnwrap();
    const app = fake.state.application(first.value.applicationObjectId)!;
    app.displayName = 'renamed in the portal';
    app.signInAudience = 'AzureADMultipleOrgs';
    app.tags = ['team:platform'];
    const before = fake.requests.length;

    const r = await registerApp({ graph }, { displayName: 'ado-one', uniqueName: 'wif-one' }, { replication });
    expect(r._unsafeUnwrap()).toEqual({ outcome: 'updated', value: first.value });
    expect(app).toMatchObject({ displayName: 'ado-one', signInAudience: 'AzureADMyOrg', tags: ['team:platform', WIF_MANAGED_TAG] });
    expect(writes().slice(-1)).toEqual([
      expect.objectContaining({ operation: 'applications.update', method: 'PATCH', path: `/applications/${app.id}`, status: 204 }),
    ]);
    expect(fake.requests.slice(before).filter((q) => q.method !== 'GET')).toHaveLength(1);
    expect(fake.state.applications()).toHaveLength(1);
  });

  it('creates the missing service principal of an existing app: updated', async () => {
    const app = fake.state.addApplication({ displayName: 'ado-one', uniqueName: 'wif-ado-one', tags: [WIF_MANAGED_TAG] });
    const r = await registerApp({ graph }, { displayName: 'ado-one' }, { replication });
    const { outcome, value } = r._unsafeUnwrap();
    expect(outcome).toBe('updated');
    const sp = fake.state.servicePrincipalByAppId(app.appId);
    expect(value).toMatchObject({ appId: app.appId, applicationObjectId: app.id, servicePrincipalObjectId: sp!.id });
    expect(writes().map((w) => w.operation)).toEqual(['servicePrincipals.create']);
  });

  it('waits through replication lag until a service principal created elsewhere is visible', async () => {
    fake.setOptions({ replicationLagInMs: 600_000 });
    const app = fake.state.addApplication({ displayName: 'ado-one', uniqueName: 'wif-ado-one', tags: [WIF_MANAGED_TAG] });
    const sp = fake.state.addServicePrincipal({ appId: app.appId });
    // Replication completes just before the third read.
    let reads = 0;
    server.use(
      http.get(`${GRAPH}/servicePrincipals*`, () => {
        if (++reads === 3) sp.createdAt = 0;
      }),
    );

    const r = await registerApp({ graph }, { displayName: 'ado-one' }, { replication });
    expect(r._unsafeUnwrap()).toMatchObject({ outcome: 'unchanged', value: { servicePrincipalObjectId: sp.id } });
    expect(fake.requests.filter((q) => q.operation.startsWith('servicePrincipals')).map((q) => `${q.operation} ${q.status}`)).toEqual([
      'servicePrincipals.get 404',
      'servicePrincipals.create 409',
      'servicePrincipals.get 404',
      'servicePrincipals.get 200',
    ]);
    expect(fake.state.servicePrincipals()).toHaveLength(1);
  });

  it.each([0, 40])('leaves one app and one service principal when two runs race (replication lag %i ms)', async (lag) => {
    fake.setOptions({ replicationLagInMs: lag });
    const options = { replication: { delayInMs: 10, maxDelayInMs: 20, maxAttempts: 20 } };
    const [a, b] = await Promise.all([
      registerApp({ graph }, { displayName: 'ado-race' }, options),
      registerApp({ graph }, { displayName: 'ado-race' }, options),
    ]);
    const va = a._unsafeUnwrap();
    const vb = b._unsafeUnwrap();
    expect(fake.state.applications()).toHaveLength(1);
    expect(fake.state.servicePrincipals()).toHaveLength(1);
    expect(va.value).toEqual(vb.value);
    expect(va.value.servicePrincipalObjectId).toBe(fake.state.servicePrincipals()[0]!.id);
    expect([va.outcome, vb.outcome]).toContain('created');
  });

  it('adopts a service principal that Graph reports as a duplicate with 400 instead of 409', async () => {
    // docs/reference/graph.md §4: a second create for one appId fails with 400 or 409 (unconfirmed); the code is what to branch on.
    fake.setOptions({ replicationLagInMs: 600_000 });
    const app = fake.state.addApplication({ displayName: 'ado-one', uniqueName: 'wif-ado-one', tags: [WIF_MANAGED_TAG] });
    const sp = fake.state.addServicePrincipal({ appId: app.appId });
    server.use(
      http.post(`${GRAPH}/servicePrincipals`, () => {
        sp.createdAt = 0;
        return HttpResponse.json(
          {
            error: {
              code: 'Request_MultipleObjectsWithSameKeyValue',
              message: 'Another object with the same value for property servicePrincipalNames already exists.',
            },
          },
          { status: 400 },
        );
      }),
    );
    const r = await registerApp({ graph }, { displayName: 'ado-one' }, { replication });
    expect(r._unsafeUnwrap()).toMatchObject({ outcome: 'unchanged', value: { servicePrincipalObjectId: sp.id } });
  });

  it('refuses invalid input with every problem and its path, sending nothing', async () => {
    const r = await registerApp({ graph }, { displayName: ' ado-one', uniqueName: 'no spaces allowed' });
    const e = r._unsafeUnwrapErr();
    expect(e.kind).toBe('Validation');
    expect(e.kind === 'Validation' && e.problems.map((p) => p.path).sort()).toEqual(['displayName', 'uniqueName']);
    expect(fake.requests).toHaveLength(0);
  });

  it('returns a Graph refusal as data, with its code', async () => {
    server.use(
      http.get(`${GRAPH}/applications*`, () =>
        HttpResponse.json(
          { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } },
          { status: 403 },
        ),
      ),
    );
    const e = (await registerApp({ graph }, { displayName: 'ado-one' }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'Forbidden', service: 'graph', code: 'Authorization_RequestDenied' });
    expect(writes()).toHaveLength(0);
  });
});

describe('defaultUniqueName', () => {
  it('slugs an ASCII display name', () => {
    expect(defaultUniqueName('ado-Platform Prod')).toBe('wif-ado-platform-prod');
  });

  it('gives display names the slug cannot tell apart different keys', () => {
    const names = ['Продакшн', 'Тест', 'ado-生产', 'ado-测试', `${'x'.repeat(110)}-a`, `${'x'.repeat(110)}-b`];
    const keys = names.map(defaultUniqueName);
    expect(new Set(keys).size).toBe(names.length);
    for (const k of keys) expect(k).toMatch(/^[a-z0-9][a-z0-9._-]{0,119}$/);
    expect(defaultUniqueName('Продакшн')).toBe(keys[0]);
  });
});
