/**
 * What official clients discover or need besides wif's calls: Azure DevOps resource locations and
 * areas, the Entra OpenID configuration, client secrets (Graph addPassword + the token endpoint),
 * and the api-version in the Accept header. Each is checked the way the real service checks it.
 */
import { describe, expect, it } from 'vitest';
import { useFreshFakes } from '../vitest/_freshFakes';
import { decodeTestToken } from '../credential';
import { call, DEVOPS, ENTRA, GRAPH, testClock } from './_testClient';
import { RESOURCE_AREAS, RESOURCE_LOCATIONS } from './devopsLocations';

const { start } = useFreshFakes();

function setup(clock = testClock()) {
  const fake = start({ clock: clock.read });
  return fake;
}

describe('Azure DevOps location discovery', () => {
  it('lists the locations of an area (any letter case) with their route templates and version ranges', async () => {
    setup();
    const core = await call('OPTIONS', `${DEVOPS}/_apis/core`);
    expect(core.status).toBe(200);
    expect(core.body).toEqual({
      count: 1,
      value: [
        {
          id: '603fe2ac-9723-48b9-88ad-09305aa6c6e1',
          area: 'core',
          resourceName: 'projects',
          routeTemplate: '_apis/{resource}/{*projectId}',
          resourceVersion: 4,
          minVersion: '1.0',
          maxVersion: '7.1',
          releasedVersion: '7.1',
        },
      ],
    });
    const location = await call('OPTIONS', `${DEVOPS}/_apis/Location`);
    expect(location.body.value.map((l: { resourceName: string }) => l.resourceName)).toEqual(['ResourceAreas', 'ConnectionData']);
    const all = await call('OPTIONS', `${DEVOPS}/_apis/`);
    expect(all.body.count).toBe(RESOURCE_LOCATIONS.length);
    expect((await call('OPTIONS', `${DEVOPS}/_apis/nosucharea`)).body).toEqual({ count: 0, value: [] });
  });

  it('needs a token with the Azure DevOps audience, like every other route', async () => {
    setup();
    expect((await call('OPTIONS', `${DEVOPS}/_apis/core`, { token: null })).status).toBe(401);
  });

  it('lists resource areas at the organization URL, at api-version 7.1-preview.1 only', async () => {
    setup();
    const areas = await call('GET', `${DEVOPS}/_apis/ResourceAreas?api-version=7.1-preview.1`);
    expect(areas.status).toBe(200);
    expect(areas.body.value).toEqual(RESOURCE_AREAS.map((a) => ({ ...a, locationUrl: `${DEVOPS}/` })));
    const wrong = await call('GET', `${DEVOPS}/_apis/ResourceAreas?api-version=7.1`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.typeKey).toBe('VssVersionOutOfRangeException');
  });

  it('takes the api-version from the Accept header (as azure-devops-node-api sends it), and refuses a wrong one there too', async () => {
    setup();
    const ok = await call('GET', `${DEVOPS}/_apis/projects`, { headers: { Accept: 'application/json;api-version=7.1' } });
    expect(ok.status).toBe(200);
    const wrong = await call('GET', `${DEVOPS}/_apis/projects`, { headers: { Accept: 'application/json;api-version=7.2-preview.4' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.typeKey).toBe('VssVersionOutOfRangeException');
    expect((await call('GET', `${DEVOPS}/_apis/projects`)).status).toBe(400);
  });
});

describe('Entra OpenID configuration', () => {
  it('names the token endpoint of the tenant under the fake', async () => {
    const fake = setup();
    const res = await call('GET', `${ENTRA}/${fake.state.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      token_endpoint: `${ENTRA}/${fake.state.tenantId}/oauth2/v2.0/token`,
      authorization_endpoint: `${ENTRA}/${fake.state.tenantId}/oauth2/v2.0/authorize`,
      issuer: `https://login.microsoftonline.com/${fake.state.tenantId}/v2.0`,
    });
    expect(res.body.jwks_uri).toBeDefined();
  });

  it('refuses an unknown tenant with AADSTS90002', async () => {
    setup();
    const res = await call('GET', `${ENTRA}/00000000-0000-0000-0000-000000000001/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
  });
});

describe('client secrets', () => {
  const token = (fake: ReturnType<typeof setup>, clientId: string, secret: string) =>
    call('POST', `${ENTRA}/${fake.state.tenantId}/oauth2/v2.0/token`, {
      form: {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
        scope: 'https://management.azure.com/.default',
      },
    });

  it('addPassword returns the secret once; Graph lists only its metadata; the token endpoint accepts it', async () => {
    const fake = setup();
    const app = fake.state.addApplication({ displayName: 'a' });
    const sp = fake.state.addServicePrincipal({ appId: app.appId });
    const added = await call('POST', `${GRAPH}/applications/${app.id}/addPassword`, {
      json: { passwordCredential: { displayName: 'ci' } },
    });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ displayName: 'ci', hint: added.body.secretText.slice(0, 3) });
    expect(added.body.secretText).toHaveLength(40);
    const listed = await call('GET', `${GRAPH}/applications/${app.id}?$select=passwordCredentials`);
    expect(listed.body.passwordCredentials).toEqual([expect.objectContaining({ keyId: added.body.keyId, secretText: null })]);
    expect(JSON.stringify(listed.body)).not.toContain(added.body.secretText);

    const ok = await token(fake, app.appId, added.body.secretText);
    expect(ok.status).toBe(200);
    expect(decodeTestToken(`Bearer ${ok.body.access_token}`)).toMatchObject({ oid: sp.id, appid: app.appId });
    // removePassword takes it off the list and off what the token endpoint accepts.
    const removed = await call('POST', `${GRAPH}/applications/${app.id}/removePassword`, { json: { keyId: added.body.keyId } });
    expect(removed.status).toBe(204);
    expect((await call('GET', `${GRAPH}/applications/${app.id}?$select=passwordCredentials`)).body.passwordCredentials).toEqual([]);
    expect((await token(fake, app.appId, added.body.secretText)).status).toBe(401);
  });

  it('refuses a wrong secret (AADSTS7000215), an expired one (7000222) and an unknown app (700016)', async () => {
    const clock = testClock();
    const fake = setup(clock);
    const app = fake.state.addApplication({ displayName: 'a' });
    fake.state.addServicePrincipal({ appId: app.appId });
    expect((await token(fake, app.appId, 'no-secret-yet')).body.error_codes).toEqual([7000215]);
    const end = new Date(clock.read() + 3600_000).toISOString();
    const added = await call('POST', `${GRAPH}/applications/${app.id}/addPassword`, { json: { passwordCredential: { endDateTime: end } } });
    const wrong = await token(fake, app.appId, `${added.body.secretText}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    clock.advance(3600_000);
    expect((await token(fake, app.appId, added.body.secretText)).body.error_codes).toEqual([7000222]);
    expect((await token(fake, '00000000-0000-0000-0000-0000000000aa', 'x')).body.error_codes).toEqual([700016]);
  });

  it('addPassword refuses an end date in the past and an unknown application', async () => {
    const clock = testClock();
    const fake = setup(clock);
    const app = fake.state.addApplication({ displayName: 'a' });
    const past = new Date(clock.read() - 1000).toISOString();
    expect(
      (await call('POST', `${GRAPH}/applications/${app.id}/addPassword`, { json: { passwordCredential: { endDateTime: past } } })).status,
    ).toBe(400);
    expect((await call('POST', `${GRAPH}/applications/00000000-0000-0000-0000-0000000000bb/addPassword`, { json: {} })).status).toBe(404);
  });
});
