import { entraIssuer, entraSubject, serviceError, TEST_TENANT_ID } from '@wif/testing';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { FEDERATION_AUDIENCE } from '../constants';
import { createClients } from '../workflows/clients';
import { credentialNameFor } from './bindFederatedCredential';
import {
  bindManagedIdentityCredential,
  CONCURRENT_IDENTITY_CREDENTIAL_WRITES,
  decideIdentityCredential,
} from './bindManagedIdentityCredential';
import { decideManagedIdentity, ensureManagedIdentity } from './ensureManagedIdentity';

const { fake, server, clients } = useFake({ clients: createClients });
const { arm } = clients;

const SUB = 'a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
const REF = { subscriptionId: SUB, resourceGroup: 'rg-identities', name: 'id-payments-prod' };
const ISSUER = entraIssuer(TEST_TENANT_ID);
const connection = (n: number): string => `5a7d2c3e-1f00-4b6a-9c8d-0e1f2a3b4c5${n}`;
const subjectOf = (id: string): string => entraSubject(TEST_TENANT_ID, fake.state.organizationId, id);

const writes = () => fake.requests.filter((r) => r.method !== 'GET');

describe('ensureManagedIdentity', () => {
  it('creates the identity (its service principal exists), then is unchanged without a write', async () => {
    const first = (await ensureManagedIdentity({ arm }, { ...REF, location: 'westeurope' }))._unsafeUnwrap();
    expect(first.outcome).toBe('created');
    expect(fake.state.servicePrincipal(first.value.principalId)?.appId).toBe(first.value.clientId);
    expect(first.value.tenantId).toBe(fake.state.tenantId);
    const before = writes().length;
    const again = (await ensureManagedIdentity({ arm }, { ...REF, location: 'West Europe' }))._unsafeUnwrap();
    expect(again).toEqual({ outcome: 'unchanged', value: first.value });
    expect(writes().length).toBe(before);
  });

  it('refuses a region without federated credentials before any request, and a region the identity is not in', async () => {
    const nz = (await ensureManagedIdentity({ arm }, { ...REF, location: 'New Zealand North' }))._unsafeUnwrapErr();
    expect(nz).toMatchObject({ kind: 'UnsupportedRegion' });
    expect(fake.requests).toHaveLength(0);
    await ensureManagedIdentity({ arm }, { ...REF, location: 'westeurope' });
    const moved = (await ensureManagedIdentity({ arm }, { ...REF, location: 'eastus' }))._unsafeUnwrapErr();
    expect(moved).toMatchObject({ kind: 'IdentityLocationConflict', existing: 'westeurope', wanted: 'eastus' });
  });

  it('validates the name and subscription before any request', async () => {
    const r = (
      await ensureManagedIdentity({ arm }, { ...REF, name: '-bad', subscriptionId: 'sub', location: 'westeurope' })
    )._unsafeUnwrapErr();
    expect(r.kind).toBe('Validation');
    expect(fake.requests).toHaveLength(0);
  });

  it('decide is pure: create when missing, unchanged when present', () => {
    const want = { ...REF, location: 'westeurope' };
    expect(decideManagedIdentity(want, undefined)._unsafeUnwrap()).toEqual({ action: 'create', want });
  });
});

describe('bindManagedIdentityCredential', () => {
  const bind = (n: number, options = {}) =>
    bindManagedIdentityCredential(
      { arm },
      { identity: REF, issuer: ISSUER, subject: subjectOf(connection(n)), connectionId: connection(n) },
      options,
    );

  it('creates a credential with the exact issuer and subject, then is unchanged', async () => {
    await ensureManagedIdentity({ arm }, { ...REF, location: 'westeurope' });
    expect((await bind(1))._unsafeUnwrap().outcome).toBe('created');
    const identity = fake.state.governance.managedIdentity(SUB, REF.resourceGroup, REF.name)!;
    expect([...identity.credentials.values()]).toEqual([
      expect.objectContaining({
        name: credentialNameFor(connection(1)),
        issuer: ISSUER,
        subject: subjectOf(connection(1)),
        audiences: [FEDERATION_AUDIENCE],
      }),
    ]);
    expect((await bind(1))._unsafeUnwrap().outcome).toBe('unchanged');
  });

  it('three connections bound concurrently create exactly three credentials (writes queue per identity; no 409)', async () => {
    fake.setOptions({ latencyInMs: 20 });
    await ensureManagedIdentity({ arm }, { ...REF, location: 'westeurope' });
    const results = await Promise.all([1, 2, 3, 1, 2, 3].map((n) => bind(n)));
    expect(results.map((r) => r._unsafeUnwrap().outcome).sort()).toEqual([
      'created',
      'created',
      'created',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(fake.state.governance.managedIdentity(SUB, REF.resourceGroup, REF.name)!.credentials.size).toBe(3);
    expect(fake.requests.filter((r) => r.status === 409)).toHaveLength(0);
  });

  it('retries the concurrency 409 caused by another process (after a back-off and a fresh read), then converges', async () => {
    await ensureManagedIdentity({ arm }, { ...REF, location: 'westeurope' });
    const path = `https://management.azure.com/subscriptions/${SUB}/resourceGroups/${REF.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${REF.name}/federatedIdentityCredentials/:name`;
    let refused = 0;
    server.use(
      http.put(
        path,
        () => {
          refused += 1;
          return serviceError(
            'arm',
            409,
            CONCURRENT_IDENTITY_CREDENTIAL_WRITES,
            'Too many Federated Identity Credentials are written concurrently for the managed identity.',
          );
        },
        { once: true },
      ),
    );
    const reads = () => fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('federatedIdentityCredentials')).length;
    const result = await bind(1, { conflictRetry: { delayInMs: 1 } });
    expect(result._unsafeUnwrap().outcome).toBe('created');
    expect(refused).toBe(1);
    expect(reads()).toBe(2);
  });

  it('gives up after the bounded retries with the Conflict and its code', async () => {
    await ensureManagedIdentity({ arm }, { ...REF, location: 'westeurope' });
    const path = `https://management.azure.com/subscriptions/${SUB}/resourceGroups/${REF.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${REF.name}/federatedIdentityCredentials/:name`;
    server.use(http.put(path, () => serviceError('arm', 409, CONCURRENT_IDENTITY_CREDENTIAL_WRITES, 'Too many writes.')));
    const error = (await bind(1, { conflictRetry: { delayInMs: 1, maxAttempts: 3 } }))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'Conflict', code: CONCURRENT_IDENTITY_CREDENTIAL_WRITES });
  });

  it('refuses the 21st credential before the service does', async () => {
    await ensureManagedIdentity({ arm }, { ...REF, location: 'westeurope' });
    const identity = fake.state.governance.managedIdentity(SUB, REF.resourceGroup, REF.name)!;
    for (let i = 0; i < 20; i++)
      fake.state.governance.setManagedIdentityCredential(identity, { name: `stale-${i}`, issuer: ISSUER, subject: `gone-${i}` });
    const r = (await bind(1))._unsafeUnwrapErr();
    expect(r).toMatchObject({ kind: 'IdentityCredentialLimit', limit: 20 });
    expect(r.message).toContain('wif audit');
    expect(fake.requests.filter((x) => x.method === 'PUT' && x.path.includes('federatedIdentityCredentials'))).toHaveLength(0);
  });

  it('refuses an identity in a region without credential support before any request', async () => {
    const r = await bindManagedIdentityCredential(
      { arm },
      { identity: REF, location: 'malaysiasouth', issuer: ISSUER, subject: 's', name: 'abc' },
    );
    expect(r._unsafeUnwrapErr().kind).toBe('UnsupportedRegion');
    expect(fake.requests).toHaveLength(0);
  });

  it('re-points the same name at a new subject (a renamed connection) as updated', async () => {
    await ensureManagedIdentity({ arm }, { ...REF, location: 'westeurope' });
    await bind(1);
    const moved = await bindManagedIdentityCredential(
      { arm },
      { identity: REF, issuer: ISSUER, subject: 'renamed', connectionId: connection(1) },
    );
    expect(moved._unsafeUnwrap().outcome).toBe('updated');
    expect(decideIdentityCredential([moved._unsafeUnwrap().value], ISSUER, 'renamed', 'x').action).toBe('unchanged');
  });
});
