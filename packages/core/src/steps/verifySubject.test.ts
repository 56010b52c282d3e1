import { legacyIssuer, type FederatedCredentialInit } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { FEDERATION_AUDIENCE, LEGACY_ISSUER_RETIREMENT_DATE } from '../constants';
import { createClients } from '../workflows/clients';
import { verifySubject } from './verifySubject';

const { fake, clients } = useFake({ clients: createClients });

/**
 * An app and a connection bound to it, in the given issuer format; `credential` turns the
 * connection's real issuer and subject into the credential to put on the app (none when undefined).
 */
function chain(
  federation: 'entra' | 'legacy',
  credential?: (f: { issuer: string; subject: string }) => Omit<FederatedCredentialInit, 'name'>,
  signInAudience = 'AzureADMyOrg',
) {
  const project = fake.state.addProject('platform');
  const app = fake.state.addApplication({ displayName: 'ado-one', signInAudience });
  const endpoint = fake.state.addServiceEndpoint({ name: 'sc-one', projects: 'platform', servicePrincipalId: app.appId, federation });
  const f = fake.state.federation(endpoint.id)!;
  const fic = credential ? fake.state.addFederatedCredential(app.id, { name: 'sc-one-fic', ...credential(f) }) : undefined;
  return { project, app, endpoint, issuer: f.issuer, subject: f.subject, fic };
}

const same = (f: { issuer: string; subject: string }) => ({ issuer: f.issuer, subject: f.subject });

describe('verifySubject', () => {
  it('returns the trust-chain report for an exact match, reading the app through the connection', async () => {
    const c = chain('entra', same);
    const r = await verifySubject(clients, { project: 'platform', connectionId: c.endpoint.id });
    expect(r._unsafeUnwrap()).toEqual({
      connectionId: c.endpoint.id,
      connectionName: 'sc-one',
      appId: c.app.appId,
      appObjectId: c.app.id,
      issuer: c.issuer,
      subject: c.subject,
      issuerFormat: 'entra',
      credential: { id: c.fic!.id, name: 'sc-one-fic' },
      signInAudience: 'AzureADMyOrg',
      warnings: [],
    });
    expect(fake.requests.every((q) => q.method === 'GET')).toBe(true);
  });

  it('warns that the legacy issuer retires, and accepts the project id and the app object id', async () => {
    const c = chain('legacy', same);
    const r = await verifySubject(clients, { project: c.project.id, connectionId: c.endpoint.id, appObjectId: c.app.id });
    const report = r._unsafeUnwrap();
    expect(report).toMatchObject({
      issuerFormat: 'legacy',
      issuer: legacyIssuer(fake.state.organizationId),
      subject: 'sc://contoso/platform/sc-one',
    });
    expect(report.warnings).toEqual([expect.stringContaining(LEGACY_ISSUER_RETIREMENT_DATE)]);
  });

  it('names a subject that differs only in letter case, and where', async () => {
    const c = chain('legacy', (f) => ({ issuer: f.issuer, subject: f.subject.replace('platform', 'Platform') }));
    const e = (await verifySubject(clients, { project: 'platform', connectionId: c.endpoint.id }))._unsafeUnwrapErr();
    expect(e).toMatchObject({
      kind: 'SubjectMismatch',
      field: 'subject',
      expected: 'sc://contoso/platform/sc-one',
      actual: 'sc://contoso/Platform/sc-one',
      firstDifferenceAt: 'sc://contoso/'.length,
      hint: 'differs only in letter case',
      connectionId: c.endpoint.id,
      appObjectId: c.app.id,
    });
  });

  it('names a subject with trailing whitespace', async () => {
    const c = chain('entra', (f) => ({ issuer: f.issuer, subject: `${f.subject} ` }));
    const e = (await verifySubject(clients, { project: 'platform', connectionId: c.endpoint.id }))._unsafeUnwrapErr();
    expect(e).toMatchObject({
      kind: 'SubjectMismatch',
      field: 'subject',
      firstDifferenceAt: c.subject.length,
      hint: 'differs only in leading or trailing whitespace',
    });
  });

  it('names a credential still on the legacy issuer after the connection moved to Entra', async () => {
    const c = chain('entra', () => ({ issuer: legacyIssuer(fake.state.organizationId), subject: 'sc://contoso/platform/sc-one' }));
    const e = (await verifySubject(clients, { project: 'platform', connectionId: c.endpoint.id }))._unsafeUnwrapErr();
    expect(e).toMatchObject({
      kind: 'SubjectMismatch',
      field: 'issuer',
      expected: c.issuer,
      actual: legacyIssuer(fake.state.organizationId),
      hint: 'credential still on the legacy issuer',
    });
  });

  it('says when the app has no credential at all', async () => {
    const c = chain('entra');
    const e = (await verifySubject(clients, { project: 'platform', connectionId: c.endpoint.id }))._unsafeUnwrapErr();
    expect(e).toMatchObject({
      kind: 'SubjectMismatch',
      expected: c.subject,
      actual: null,
      firstDifferenceAt: -1,
      hint: 'the app has no federated credential',
    });
  });

  it('returns AudienceMismatch for a matching credential with another audience', async () => {
    const c = chain('entra', (f) => ({ ...same(f), audiences: ['api://AzureADTokenExchange/'] }));
    const e = (await verifySubject(clients, { project: 'platform', connectionId: c.endpoint.id }))._unsafeUnwrapErr();
    expect(e).toMatchObject({
      kind: 'AudienceMismatch',
      expected: FEDERATION_AUDIENCE,
      actual: ['api://AzureADTokenExchange/'],
      credentialName: 'sc-one-fic',
      appObjectId: c.app.id,
    });
  });

  it('returns MultiTenantApp for a multi-tenant app behind the Entra issuer', async () => {
    const c = chain('entra', same, 'AzureADMultipleOrgs');
    const e = (await verifySubject(clients, { project: 'platform', connectionId: c.endpoint.id }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'MultiTenantApp', appId: c.app.appId, signInAudience: 'AzureADMultipleOrgs' });
  });

  it('only warns about a multi-tenant app behind the legacy issuer', async () => {
    const c = chain('legacy', same, 'AzureADMultipleOrgs');
    const report = (await verifySubject(clients, { project: 'platform', connectionId: c.endpoint.id }))._unsafeUnwrap();
    expect(report.warnings).toHaveLength(2);
    expect(report.warnings[1]).toMatch(/AzureADMultipleOrgs/);
  });

  it('returns IdentityMismatch when the connection is bound to another app than the one given', async () => {
    const c = chain('entra', same);
    const other = fake.state.addApplication({ displayName: 'ado-other' });
    const e = (
      await verifySubject(clients, { project: 'platform', connectionId: c.endpoint.id, appObjectId: other.id })
    )._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'IdentityMismatch', field: 'appId', connection: 'sc-one', expected: other.appId });
  });

  it('returns NotFound for a connection that is not in the project', async () => {
    fake.state.addProject('platform');
    const e = (
      await verifySubject(clients, { project: 'platform', connectionId: '5a7d2c3e-1f00-4b6a-9c8d-0e1f2a3b4c5d' })
    )._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'NotFound', service: 'devops' });
  });

  it('sends no write, whatever it finds', async () => {
    const c = chain('entra', (f) => ({ issuer: f.issuer, subject: f.subject.toUpperCase() }));
    await verifySubject(clients, { project: 'platform', connectionId: c.endpoint.id, appObjectId: c.app.id });
    await verifySubject(clients, { project: 'platform', connectionId: c.endpoint.id });
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(fake.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  });

  it('refuses invalid input before sending anything', async () => {
    const e = (await verifySubject(clients, { project: 'platform', connectionId: 'sc-one' }))._unsafeUnwrapErr();
    expect(e.kind === 'Validation' && e.problems.map((p) => p.path)).toEqual(['connectionId']);
    expect(fake.requests).toHaveLength(0);
  });
});
