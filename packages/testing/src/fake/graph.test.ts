import { describe, expect, it } from 'vitest';
import { useFreshFakes } from '../vitest/_freshFakes';
import { call, GRAPH, testClock } from './_testClient';

const { start } = useFreshFakes();

const upsert = (uniqueName: string, body: unknown, prefer = true) =>
  call('PATCH', `${GRAPH}/applications(uniqueName='${uniqueName}')`, {
    json: body,
    headers: prefer ? { Prefer: 'create-if-missing' } : {},
  });

const fic = (name: string, subject = `sub-${name}`) => ({
  name,
  issuer: 'https://issuer.example',
  subject,
  audiences: ['api://AzureADTokenExchange'],
});

describe('applications', () => {
  it('upserts by uniqueName: 201 with a body when created, 204 when it existed, 404 without Prefer', async () => {
    const fake = start();
    expect((await upsert('wif-app', { displayName: 'A' }, false)).status).toBe(404);
    const created = await upsert('wif-app', { displayName: 'A', signInAudience: 'AzureADMyOrg' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ uniqueName: 'wif-app', displayName: 'A', signInAudience: 'AzureADMyOrg' });
    const again = await upsert('wif-app', { displayName: 'B' });
    expect(again.status).toBe(204);
    expect(again.body).toBeUndefined();
    expect(fake.state.applications().map((a) => a.displayName)).toEqual(['B']);
  });

  it('gets an application by id, appId and uniqueName, with $select', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'Sel', uniqueName: 'sel' });
    for (const path of [`/applications/${app.id}`, `/applications(appId='${app.appId}')`, `/applications(uniqueName='sel')`]) {
      const r = await call('GET', `${GRAPH}${path}?$select=id,appId`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ '@odata.context': `${GRAPH}/$metadata#applications(id,appId)/$entity`, id: app.id, appId: app.appId });
    }
    expect((await call('GET', `${GRAPH}/applications/${app.id}?$select=nope`)).status).toBe(400);
    // uniqueName is a property of every v1.0 application: null on one made without it (in the portal), not a 400.
    const portal = fake.state.addApplication({ displayName: 'made in the portal' });
    const keyless = await call('GET', `${GRAPH}/applications/${portal.id}?$select=uniqueName,tags`);
    expect(keyless.status).toBe(200);
    expect(keyless.body).toMatchObject({ uniqueName: null, tags: [] });
    const missing = await call('GET', `${GRAPH}/applications(appId='00000000-0000-0000-0000-000000000000')`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('Request_ResourceNotFound');
  });

  it('removes a client secret by keyId (removePassword), and refuses a bad or unknown keyId', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'with secret' });
    const keyId = '5e0c8a3d-1b2f-4c6d-9e8a-00000000000b';
    app.properties = { ...app.properties, passwordCredentials: [{ keyId, displayName: 'x', secretText: null }] };
    const path = `${GRAPH}/applications/${app.id}/removePassword`;
    expect((await call('POST', path, { json: { keyId: 'not-a-guid' } })).status).toBe(400);
    expect((await call('POST', path, { json: {} })).status).toBe(400);
    expect((await call('POST', path, { json: { keyId: '5e0c8a3d-1b2f-4c6d-9e8a-00000000000c' } })).status).toBe(400);
    expect(
      (await call('POST', `${GRAPH}/applications/00000000-0000-0000-0000-000000000000/removePassword`, { json: { keyId } })).status,
    ).toBe(404);
    expect(fake.state.application(app.id)?.properties['passwordCredentials']).toHaveLength(1);
    const removed = await call('POST', path, { json: { keyId: keyId.toUpperCase() } });
    expect(removed.status).toBe(204);
    expect(fake.state.application(app.id)?.properties['passwordCredentials']).toEqual([]);
  });

  it('filters by displayName, appId and tag, and pages with $top and @odata.nextLink', async () => {
    const fake = start();
    for (let i = 0; i < 5; i++) fake.state.addApplication({ displayName: 'same', tags: i % 2 ? ['odd'] : [] });
    const other = fake.state.addApplication({ displayName: "o'brien" });
    const byName = await call('GET', `${GRAPH}/applications?$filter=${encodeURIComponent("displayName eq 'SAME'")}&$top=2`);
    expect(byName.body.value).toHaveLength(2);
    const seen = [...byName.body.value];
    let next: string | undefined = byName.body['@odata.nextLink'];
    while (next) {
      const page = await call('GET', next);
      seen.push(...page.body.value);
      next = page.body['@odata.nextLink'];
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((a) => a.id)).size).toBe(5);
    const quoted = await call('GET', `${GRAPH}/applications?$filter=${encodeURIComponent("displayName eq 'o''brien'")}`);
    expect(quoted.body.value.map((a: { id: string }) => a.id)).toEqual([other.id]);
    const byAppId = await call('GET', `${GRAPH}/applications?$filter=${encodeURIComponent(`appId eq '${other.appId}'`)}`);
    expect(byAppId.body.value).toHaveLength(1);
    const byTag = await call('GET', `${GRAPH}/applications?$filter=${encodeURIComponent("tags/any(t:t eq 'odd')")}`);
    expect(byTag.body.value).toHaveLength(2);
    expect((await call('GET', `${GRAPH}/applications?$filter=${encodeURIComponent("notes ne 'x'")}`)).body.error.code).toBe(
      'Request_UnsupportedQuery',
    );
  });

  it('rejects unknown and read-only properties, and a change of uniqueName', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'X', uniqueName: 'x' });
    expect((await call('PATCH', `${GRAPH}/applications/${app.id}`, { json: { signinAudience: 'AzureADMyOrg' } })).status).toBe(400);
    expect((await call('PATCH', `${GRAPH}/applications/${app.id}`, { json: { appId: 'x' } })).status).toBe(400);
    expect((await call('PATCH', `${GRAPH}/applications/${app.id}`, { json: { uniqueName: 'y' } })).status).toBe(400);
    const ok = await call('PATCH', `${GRAPH}/applications/${app.id}`, { json: { notes: 'n', tags: ['t'] } });
    expect(ok.status).toBe(204);
    expect((await call('GET', `${GRAPH}/applications/${app.id}`)).body).toMatchObject({ notes: 'n', tags: ['t'] });
  });

  it('deletes an application together with its service principal and its FICs', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'D' });
    fake.state.addServicePrincipal({ appId: app.appId });
    fake.state.addFederatedCredential(app.id, fic('one'));
    expect((await call('DELETE', `${GRAPH}/applications/${app.id}`)).status).toBe(204);
    expect(fake.state.applications()).toHaveLength(0);
    expect(fake.state.servicePrincipals()).toHaveLength(0);
    expect(fake.state.federatedCredentials(app.id)).toHaveLength(0);
    expect((await call('DELETE', `${GRAPH}/applications/${app.id}`)).status).toBe(404);
  });
});

describe('service principals', () => {
  it('creates one per app; a second one is a 409 duplicate; an unknown appId is a 400', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'S' });
    const first = await call('POST', `${GRAPH}/servicePrincipals`, { json: { appId: app.appId } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ appId: app.appId, servicePrincipalType: 'Application', servicePrincipalNames: [app.appId] });
    const second = await call('POST', `${GRAPH}/servicePrincipals`, { json: { appId: app.appId } });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('Request_MultipleObjectsWithSameKeyValue');
    expect((await call('POST', `${GRAPH}/servicePrincipals`, { json: { appId: '11111111-1111-1111-1111-111111111111' } })).status).toBe(
      400,
    );
  });

  it('hides a new service principal from reads during the replication lag', async () => {
    const clock = testClock();
    const fake = start({ replicationLagInMs: 5_000, clock: clock.read });
    const app = fake.state.addApplication({ displayName: 'Lag' });
    const created = await call('POST', `${GRAPH}/servicePrincipals`, { json: { appId: app.appId } });
    const id: string = created.body.id;
    const filter = `${GRAPH}/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${app.appId}'`)}`;
    expect((await call('GET', `${GRAPH}/servicePrincipals/${id}`)).status).toBe(404);
    expect((await call('GET', `${GRAPH}/servicePrincipals(appId='${app.appId}')`)).status).toBe(404);
    expect((await call('GET', filter)).body.value).toHaveLength(0);
    clock.advance(5_000);
    expect((await call('GET', `${GRAPH}/servicePrincipals/${id}`)).status).toBe(200);
    expect((await call('GET', `${GRAPH}/servicePrincipals(appId='${app.appId}')`)).body.id).toBe(id);
    expect((await call('GET', filter)).body.value).toHaveLength(1);
    expect((await call('DELETE', `${GRAPH}/servicePrincipals/${id}`)).status).toBe(204);
    expect(fake.state.servicePrincipals()).toHaveLength(0);
  });
});

describe('federated identity credentials', () => {
  const path = (appId: string, rest = '') => `${GRAPH}/applications/${appId}/federatedIdentityCredentials${rest}`;

  it('creates, lists, filters, gets, updates (204) and deletes', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'F' });
    const created = await call('POST', path(app.id), { json: fic('first') });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'first',
      subject: 'sub-first',
      audiences: ['api://AzureADTokenExchange'],
      description: null,
    });
    await call('POST', path(app.id), { json: fic('second') });
    const filtered = await call('GET', `${path(app.id)}?$filter=${encodeURIComponent("subject eq 'sub-second'")}`);
    expect(filtered.body.value.map((f: { name: string }) => f.name)).toEqual(['second']);
    expect((await call('GET', path(app.id, '/first'))).body.id).toBe(created.body.id);
    expect((await call('GET', path(app.id, `/${created.body.id as string}`))).body.name).toBe('first');
    const updated = await call('PATCH', path(app.id, '/first'), { json: { subject: 'changed' } });
    expect(updated.status).toBe(204);
    expect(fake.state.federatedCredentials(app.id)[0]?.subject).toBe('changed');
    expect((await call('DELETE', path(app.id, '/first'))).status).toBe(204);
    expect((await call('GET', path(app.id, '/first'))).status).toBe(404);
  });

  it('upserts by name with Prefer: create-if-missing', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'U', uniqueName: 'u' });
    const url = `${GRAPH}/applications(uniqueName='u')/federatedIdentityCredentials(name='by-name')`;
    const body = { issuer: 'https://i', subject: 's', audiences: ['api://AzureADTokenExchange'] };
    expect((await call('PATCH', url, { json: body })).status).toBe(404);
    expect((await call('PATCH', url, { json: body, headers: { Prefer: 'create-if-missing' } })).status).toBe(201);
    expect((await call('PATCH', url, { json: { ...body, subject: 's2' }, headers: { Prefer: 'create-if-missing' } })).status).toBe(204);
    expect(fake.state.federatedCredentials(app.id).map((f) => [f.name, f.subject])).toEqual([['by-name', 's2']]);
  });

  it('enforces name rules, exactly one audience, immutable names and unique issuer+subject', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'R' });
    for (const name of ['ab', '-leading', 'has space', 'a'.repeat(121)]) {
      const r = await call('POST', path(app.id), { json: fic(name) });
      expect(r.status, name).toBe(400);
    }
    expect((await call('POST', path(app.id), { json: fic('a'.repeat(120)) })).status).toBe(201);
    expect((await call('POST', path(app.id), { json: { ...fic('two-aud'), audiences: ['a', 'b'] } })).body.error.message).toBe(
      'Federated identity credentials must have exactly one audience.',
    );
    expect((await call('POST', path(app.id), { json: { ...fic('no-aud'), audiences: [] } })).status).toBe(400);
    await call('POST', path(app.id), { json: fic('keep') });
    expect((await call('PATCH', path(app.id, '/keep'), { json: { name: 'renamed' } })).status).toBe(400);
    const dupName = await call('POST', path(app.id), { json: fic('keep', 'other-subject') });
    expect(dupName.status).toBe(409);
    expect(dupName.body.error.code).toBe('Request_MultipleObjectsWithSameKeyValue');
    const dupPair = await call('POST', path(app.id), { json: fic('another', 'sub-keep') });
    expect(dupPair.status).toBe(400);
    expect(dupPair.body.error.code).toBe('InvalidFederatedIdentityCredentialValue');
    expect(dupPair.body.error.message).toMatch(/combination of issuer and subject must be unique/);
  });

  it('allows at most 20 per application', async () => {
    const fake = start();
    const app = fake.state.addApplication({ displayName: 'Max' });
    for (let i = 0; i < 20; i++) expect((await call('POST', path(app.id), { json: fic(`fic${i}`) })).status).toBe(201);
    const over = await call('POST', path(app.id), { json: fic('fic20') });
    expect(over.status).toBe(400);
    expect(fake.state.federatedCredentials(app.id)).toHaveLength(20);
  });

  it('answers 409 to a FIC write on an app while another one is in flight, not on another app', async () => {
    const fake = start({ latencyInMs: 30 });
    const a = fake.state.addApplication({ displayName: 'A' });
    const b = fake.state.addApplication({ displayName: 'B' });
    const [first, second, other] = await Promise.all([
      call('POST', path(a.id), { json: fic('one') }),
      call('POST', path(a.id), { json: fic('two') }),
      call('POST', path(b.id), { json: fic('three') }),
    ]);
    expect([first.status, second.status, other.status]).toEqual([201, 409, 201]);
    expect(fake.state.federatedCredentials(a.id).map((f) => f.name)).toEqual(['one']);
    // Sequential writes are fine.
    expect((await call('POST', path(a.id), { json: fic('two') })).status).toBe(201);
  });
});
