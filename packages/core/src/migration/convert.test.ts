import { createTestCredential, entraSubject, legacyIssuer } from '@wif/testing';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { convertConnectionScheme } from './convertConnectionScheme';
import { convertInPlace, planConversion } from './convertInPlace';
import { convertIssuer, entraCredentialName, predictEntraFederation } from './convertIssuer';
import { memoryJournal } from './journal';

const { fake, server } = useFake();
const DEVOPS = 'https://dev.azure.com/contoso';

const clients = () =>
  createClients({ credential: createTestCredential(), organization: 'contoso', retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } });
const replication = { delayInMs: 1, maxDelayInMs: 5 };

/** Captures the bodies and URLs of the requests that match, answering them with the fake. */
function spy(method: 'put' | 'post', url: RegExp): { url: string; body: unknown }[] {
  const seen: { url: string; body: unknown }[] = [];
  server.use(
    http[method](url, async ({ request }) => {
      seen.push({ url: request.url, body: await request.clone().json() });
      return fake.handle(request);
    }),
  );
  return seen;
}

describe('convertConnectionScheme', () => {
  function automatic(projects: string | string[] = 'platform', creationMode: 'Automatic' | 'Manual' = 'Automatic') {
    for (const p of typeof projects === 'string' ? [projects] : projects) if (!fake.state.project(p)) fake.state.addProject(p);
    const app = fake.state.addApplication({ displayName: 'contoso-platform-1234' });
    fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
    const e = fake.state.addServiceEndpoint({
      name: 'sc-auto',
      projects,
      scheme: 'ServicePrincipal',
      servicePrincipalId: app.appId,
      creationMode,
      data: { revertSchemeDeadline: '2026-01-01T00:00:00Z' },
    });
    return { e, app };
  }

  it('converts an automatic connection of one project the way the official script does, then verifies it', async () => {
    const { e, app } = automatic();
    const puts = spy('put', /\/serviceendpoint\/endpoints\/[^/?]+/);
    const r = (await convertConnectionScheme(clients(), { project: 'platform', connectionId: e.id }, { replication }))._unsafeUnwrap();
    expect(r.outcome).toBe('updated');
    expect(r.value).toMatchObject({ connectionId: e.id, appId: app.appId, issuerFormat: 'entra' });
    expect(puts).toHaveLength(1);
    const url = new URL(puts[0]!.url);
    expect(url.pathname).toBe(`/contoso/platform/_apis/serviceendpoint/endpoints/${e.id}`);
    expect(url.searchParams.get('operation')).toBe('ConvertAuthenticationScheme');
    const body = puts[0]!.body as { authorization: { scheme: string }; data: Record<string, string> };
    expect(body.authorization.scheme).toBe('WorkloadIdentityFederation');
    expect(body.data).not.toHaveProperty('revertSchemeDeadline');
    expect(body.data['creationMode']).toBe('Automatic');
    expect(fake.state.serviceEndpoint(e.id)!.scheme).toBe('WorkloadIdentityFederation');
    // Again: already converted, verified, nothing written.
    const again = (await convertConnectionScheme(clients(), { project: 'platform', connectionId: e.id }, { replication }))._unsafeUnwrap();
    expect(again.outcome).toBe('unchanged');
    expect(puts).toHaveLength(1);
  });

  it('warns that the app still holds its client secret after the conversion, by key id and never by value; not once it expired', async () => {
    const { e, app } = automatic();
    const secret = {
      keyId: '9a9a9a9a-0000-4000-8000-000000000001',
      displayName: 'ado',
      endDateTime: '2099-01-01T00:00:00Z',
      hint: 'zQ1',
      secretText: null,
    };
    app.properties = { ...app.properties, passwordCredentials: [secret] };
    const r = (await convertConnectionScheme(clients(), { project: 'platform', connectionId: e.id }, { replication }))._unsafeUnwrap();
    const warning = r.value.warnings.find((w) => w.includes('still holds'));
    expect(warning).toBe(
      `App ${app.appId} still holds a client secret or certificate (key id ${secret.keyId}), which workload identity federation does not need: whoever has one signs in as this identity outside any pipeline. Remove it (az ad app credential delete --id ${app.appId} --key-id ${secret.keyId}; --cert for a certificate); after a conversion in place, once its 7-day revert window is over.`,
    );
    expect(JSON.stringify(r)).not.toContain('zQ1');
    app.properties = { ...app.properties, passwordCredentials: [{ ...secret, endDateTime: '2020-01-01T00:00:00Z' }] };
    const expired = (
      await convertConnectionScheme(clients(), { project: 'platform', connectionId: e.id }, { replication })
    )._unsafeUnwrap();
    expect(expired.value.warnings.some((w) => w.includes('still holds'))).toBe(false);
  });

  it.each([
    ['a manual connection', () => automatic('platform', 'Manual'), 'NotAutomatic'],
    ['a connection shared with another project', () => automatic(['platform', 'web']), 'SharedAcrossProjects'],
  ] as const)('refuses %s without writing', async (_, make, reason) => {
    const { e } = make();
    const r = await convertConnectionScheme(clients(), { project: 'platform', connectionId: e.id }, { replication });
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'NotMigratable', reason });
    expect(fake.requests.some((x) => x.method === 'PUT')).toBe(false);
    expect(fake.state.serviceEndpoint(e.id)!.scheme).toBe('ServicePrincipal');
  });
});

describe('convertIssuer', () => {
  function legacy() {
    fake.state.addProject('platform');
    const app = fake.state.addApplication({ displayName: 'app-legacy' });
    fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
    const e = fake.state.addServiceEndpoint({
      name: 'sc-legacy',
      projects: 'platform',
      servicePrincipalId: app.appId,
      federation: 'legacy',
    });
    const old = fake.state.federation(e.id)!;
    fake.state.addFederatedCredential(app.id, { name: `ado-sc-${e.id}`, issuer: old.issuer, subject: old.subject });
    return { e, app, old };
  }

  it('adds the Entra credential, switches, re-reads, verifies, then removes the legacy credential', async () => {
    const { e, app, old } = legacy();
    const r = (await convertIssuer(clients(), { project: 'platform', connectionId: e.id }, { replication }))._unsafeUnwrap();
    expect(r).toMatchObject({ outcome: 'updated', value: { issuerFormat: 'entra' } });
    const now = fake.state.federation(e.id)!;
    expect(now.issuer).toBe(`https://login.microsoftonline.com/${fake.state.tenantId}/v2.0`);
    expect(fake.state.federatedCredentials(app.id).map((f) => [f.name, f.issuer, f.subject])).toEqual([
      [entraCredentialName(e.id), now.issuer, now.subject],
    ]);
    // The order that never leaves the connection without a matching credential.
    const writes = fake.requests.filter((x) => x.method !== 'GET').map((x) => x.operation);
    expect(writes).toEqual(['federatedIdentityCredentials.create', 'serviceEndpoints.update', 'federatedIdentityCredentials.delete']);
    expect(old.issuer).toBe(legacyIssuer(fake.state.organizationId));
    // Again: nothing to do.
    expect((await convertIssuer(clients(), { project: 'platform', connectionId: e.id }, { replication }))._unsafeUnwrap().outcome).toBe(
      'unchanged',
    );
  });

  it('binds what the connection reports when the expected subject was wrong', async () => {
    const { e, app } = legacy();
    server.use(
      http.get(`${DEVOPS}/_apis/connectionData`, async ({ request }) => {
        const real = (await (await fake.handle(request)).json()) as Record<string, unknown>;
        return Response.json({ ...real, instanceId: '00000000-0000-0000-0000-000000000000' });
      }),
    );
    (await convertIssuer(clients(), { project: 'platform', connectionId: e.id }, { replication }))._unsafeUnwrap();
    const now = fake.state.federation(e.id)!;
    expect(fake.state.federatedCredentials(app.id).map((f) => f.subject)).toEqual([now.subject]);
    expect(fake.requests.filter((x) => x.operation === 'federatedIdentityCredentials.update')).toHaveLength(1);
  });

  it('stops, with both credentials in place, when saving does not switch the issuer', async () => {
    const { e, app, old } = legacy();
    fake.setOptions({ issuerMode: 'legacy' });
    const r = await convertIssuer(clients(), { project: 'platform', connectionId: e.id }, { replication });
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'IssuerNotSwitched', connectionId: e.id, issuer: old.issuer });
    // It says what it left: both credentials, and how to finish.
    expect(r._unsafeUnwrapErr().message).toContain('the one for the Entra issuer');
    expect(r._unsafeUnwrapErr().message).toContain('wif migrate convert --issuer');
    expect(fake.state.federatedCredentials(app.id).map((f) => f.issuer)).toEqual([
      old.issuer,
      `https://login.microsoftonline.com/${fake.state.tenantId}/v2.0`,
    ]);
  });

  it('refuses a connection that is not on workload identity federation', async () => {
    fake.state.addProject('platform');
    const e = fake.state.addServiceEndpoint({
      name: 'sc-secret',
      projects: 'platform',
      scheme: 'ServicePrincipal',
      servicePrincipalId: '0b6c2c1e-9a41-4d7e-8f2b-5c3d4e5f6a7b',
    });
    expect((await convertIssuer(clients(), { project: 'platform', connectionId: e.id }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'NotMigratable',
      reason: 'OtherScheme',
    });
  });

  it('predicts the observed Entra subject format', () => {
    const tenant = 'ff882432-09b0-437b-bd22-ca13c0037ded';
    const org = '0d4e1a3c-7c1b-4a28-9f3b-4f1e2a6b9c01';
    const sc = '5b1f6a9e-2c4d-4e8f-9a0b-1c2d3e4f5a6b';
    expect(predictEntraFederation(tenant, org, sc)).toEqual({
      issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
      subject: `/eid1/c/pub/t/MiSI_7AJe0O9IsoTwAN97Q/a/rISbSSETf0KqFyZ8ppdXmA/sc/${org}/${sc}`,
    });
    expect(predictEntraFederation(tenant, org, sc).subject).toBe(entraSubject(tenant, org, sc));
  });
});

describe('convertInPlace and planConversion (wif migrate convert)', () => {
  it('plans, converts by name and records the conversion in the journal beside the migrations', async () => {
    fake.state.addProject('app');
    const app = fake.state.addApplication({ displayName: 'contoso-app-1234' });
    fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
    const e = fake.state.addServiceEndpoint({
      name: 'sc-auto',
      projects: 'app',
      scheme: 'ServicePrincipal',
      servicePrincipalId: app.appId,
      creationMode: 'Automatic',
    });
    const journal = memoryJournal(JSON.stringify({ schemaVersion: 1, migrations: [] }));
    const input = { kind: 'scheme' as const, project: 'app', connectionName: 'SC-AUTO' };
    const plan = (await planConversion(clients(), input))._unsafeUnwrap();
    expect(plan).toMatchObject({
      connection: { id: e.id, name: 'sc-auto' },
      scheme: 'ServicePrincipal',
      creationMode: 'Automatic',
      changes: true,
    });
    expect(JSON.stringify(fake.state.serviceEndpoint(e.id))).toContain('ServicePrincipal');

    const done = (await convertInPlace(clients(), input, { journal, replication }))._unsafeUnwrap();
    expect(done.result.outcome).toBe('updated');
    const doc = JSON.parse(journal.text ?? '') as { migrations: unknown[]; conversions: Array<Record<string, unknown>> };
    expect(doc.migrations).toEqual([]);
    expect(doc.conversions).toEqual([
      expect.objectContaining({
        id: `scheme:${e.id}`,
        kind: 'scheme',
        outcome: 'updated',
        before: { scheme: 'ServicePrincipal', issuer: null },
      }),
    ]);

    // Again: already converted, so only verified; the same record is updated, not duplicated.
    expect((await planConversion(clients(), input))._unsafeUnwrap().changes).toBe(false);
    const first = doc.conversions[0]!;
    expect((await convertInPlace(clients(), input, { journal, replication }))._unsafeUnwrap().result.outcome).toBe('unchanged');
    const again = (JSON.parse(journal.text ?? '') as { conversions: Array<Record<string, unknown>> }).conversions;
    expect(again).toHaveLength(1);
    // The record still says what the conversion did: from the secret, when it started, updated.
    expect(again[0]).toMatchObject({
      before: { scheme: 'ServicePrincipal', issuer: null },
      startedAt: first['startedAt'],
      outcome: 'updated',
      lastError: null,
    });
  });

  it('records a refused conversion with its error, and names an unknown connection', async () => {
    fake.state.addProject('app');
    const app = fake.state.addApplication({ displayName: 'contoso-manual' });
    fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
    fake.state.addServiceEndpoint({
      name: 'sc-manual',
      projects: 'app',
      scheme: 'ServicePrincipal',
      servicePrincipalId: app.appId,
      creationMode: 'Manual',
    });
    const journal = memoryJournal();
    const refused = (
      await convertInPlace(clients(), { kind: 'scheme', project: 'app', connectionName: 'sc-manual' }, { journal })
    )._unsafeUnwrapErr();
    expect(refused.kind).toBe('NotMigratable');
    const doc = JSON.parse(journal.text ?? '') as { conversions: Array<{ lastError: { kind: string } | null; outcome: unknown }> };
    expect(doc.conversions[0]).toMatchObject({ outcome: null, lastError: { kind: 'NotMigratable' } });

    const missing = (await planConversion(clients(), { kind: 'issuer', project: 'app', connectionName: 'nope' }))._unsafeUnwrapErr();
    expect(missing.kind).toBe('NotFound');
    expect(missing.message).toContain('No service connection named "nope" in app');
  });
});
