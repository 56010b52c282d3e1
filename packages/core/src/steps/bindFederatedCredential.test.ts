import { entraIssuer, entraSubject, legacyIssuer, TEST_TENANT_ID } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { FEDERATION_AUDIENCE, MAX_FEDERATED_CREDENTIALS_PER_APP } from '../constants';
import { credentialLockKey, withLock } from '../_internal/lock';
import { createClients } from '../workflows/clients';
import { bindFederatedCredential, credentialNameFor } from './bindFederatedCredential';

const { fake, clients } = useFake({ clients: createClients });
const { graph } = clients;

const CONNECTION_ID = '5a7d2c3e-1f00-4b6a-9c8d-0e1f2a3b4c5d';
const OTHER_CONNECTION_ID = '5a7d2c3e-1f00-4b6a-9c8d-0e1f2a3b4c5e';
const ISSUER = entraIssuer(TEST_TENANT_ID);
const subjectOf = (connectionId: string): string => entraSubject(TEST_TENANT_ID, fake.state.organizationId, connectionId);

const app = () => fake.state.addApplication({ displayName: 'ado-one' });
const writes = () => fake.requests.filter((r) => r.method !== 'GET');

describe('bindFederatedCredential', () => {
  it('creates a credential with the exact issuer and subject and the token-exchange audience', async () => {
    const { id } = app();
    const r = await bindFederatedCredential(
      { graph },
      { appObjectId: id, issuer: ISSUER, subject: subjectOf(CONNECTION_ID), connectionId: CONNECTION_ID },
    );
    const { outcome, value } = r._unsafeUnwrap();
    expect(outcome).toBe('created');
    const stored = fake.state.federatedCredentials(id);
    expect(stored).toEqual([
      expect.objectContaining({
        id: value.id,
        name: credentialNameFor(CONNECTION_ID),
        issuer: ISSUER,
        subject: subjectOf(CONNECTION_ID),
        audiences: [FEDERATION_AUDIENCE],
      }),
    ]);
  });

  it('is unchanged on a re-run and writes nothing more', async () => {
    const { id } = app();
    const bind = () =>
      bindFederatedCredential(
        { graph },
        { appObjectId: id, issuer: ISSUER, subject: subjectOf(CONNECTION_ID), connectionId: CONNECTION_ID },
      );
    const first = (await bind())._unsafeUnwrap();
    const second = await bind();
    expect(second._unsafeUnwrap()).toEqual({ outcome: 'unchanged', value: first.value });
    expect(writes()).toHaveLength(1);
  });

  it('re-binds the credential of the same name to a new subject (a renamed legacy connection): updated', async () => {
    const { id } = app();
    const issuer = legacyIssuer(fake.state.organizationId);
    const fic = fake.state.addFederatedCredential(id, {
      name: credentialNameFor(CONNECTION_ID),
      issuer,
      subject: 'sc://contoso/platform/old-name',
    });
    const r = await bindFederatedCredential(
      { graph },
      { appObjectId: id, issuer, subject: 'sc://contoso/platform/new-name', connectionId: CONNECTION_ID },
    );
    expect(r._unsafeUnwrap()).toMatchObject({ outcome: 'updated', value: { id: fic.id, subject: 'sc://contoso/platform/new-name' } });
    expect(fake.state.federatedCredentials(id)).toEqual([
      expect.objectContaining({ id: fic.id, subject: 'sc://contoso/platform/new-name', audiences: [FEDERATION_AUDIENCE] }),
    ]);
    expect(writes().map((w) => [w.operation, w.method])).toEqual([['federatedIdentityCredentials.update', 'PATCH']]);
  });

  it('fixes a wrong audience on the matching credential: updated', async () => {
    const { id } = app();
    const fic = fake.state.addFederatedCredential(id, {
      name: 'hand-made',
      issuer: ISSUER,
      subject: subjectOf(CONNECTION_ID),
      audiences: ['api://AzureADTokenExchange/'],
    });
    const r = await bindFederatedCredential(
      { graph },
      { appObjectId: id, issuer: ISSUER, subject: subjectOf(CONNECTION_ID), connectionId: CONNECTION_ID },
    );
    expect(r._unsafeUnwrap()).toMatchObject({ outcome: 'updated', value: { id: fic.id, audiences: [FEDERATION_AUDIENCE] } });
    expect(fic.audiences).toEqual([FEDERATION_AUDIENCE]);
    expect(fake.state.federatedCredentials(id)).toHaveLength(1);
  });

  it('returns CredentialLimit at 20 credentials without trying to create a 21st', async () => {
    const { id } = app();
    for (let i = 0; i < MAX_FEDERATED_CREDENTIALS_PER_APP; i++) {
      fake.state.addFederatedCredential(id, { name: `existing-${i}`, issuer: ISSUER, subject: `/eid1/other/${i}` });
    }
    const r = await bindFederatedCredential(
      { graph },
      { appObjectId: id, issuer: ISSUER, subject: subjectOf(CONNECTION_ID), connectionId: CONNECTION_ID },
    );
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'CredentialLimit', appObjectId: id, limit: MAX_FEDERATED_CREDENTIALS_PER_APP });
    expect(writes()).toHaveLength(0);
  });

  it('waits for whoever holds the credential lock of the app (the key every credential write shares), whatever the case of the id', async () => {
    const { id } = app();
    let release!: () => void;
    const held = withLock(credentialLockKey('application', graph, id.toUpperCase()), () => new Promise<void>((r) => (release = r)));
    const pending = bindFederatedCredential(
      { graph },
      { appObjectId: id, issuer: ISSUER, subject: subjectOf(CONNECTION_ID), connectionId: CONNECTION_ID },
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.requests).toHaveLength(0);
    release();
    await held;
    expect((await pending)._unsafeUnwrap().outcome).toBe('created');
    expect(writes()).toHaveLength(1);
  });

  it('serialises concurrent binds to one app, so Entra never sees two credential writes at once', async () => {
    // With latency, the fake answers a second in-flight write on the same app 409 ConcurrentFederatedIdentityCredentialsWrites.
    fake.setOptions({ latencyInMs: 20 });
    const { id } = app();
    const results = await Promise.all(
      [CONNECTION_ID, OTHER_CONNECTION_ID].map((c) =>
        bindFederatedCredential({ graph }, { appObjectId: id, issuer: ISSUER, subject: subjectOf(c), connectionId: c }),
      ),
    );
    expect(results.map((r) => r._unsafeUnwrap().outcome)).toEqual(['created', 'created']);
    expect(fake.requests.filter((q) => q.status === 409)).toHaveLength(0);
    expect(
      fake.state
        .federatedCredentials(id)
        .map((f) => f.name)
        .sort(),
    ).toEqual([credentialNameFor(CONNECTION_ID), credentialNameFor(OTHER_CONNECTION_ID)].sort());
  });

  it.each([
    ['an issuer with trailing whitespace', { issuer: `${ISSUER} ` }, 'issuer'],
    ['a subject with a wildcard', { subject: 'sc://contoso/platform/*' }, 'subject'],
    ['neither a name nor a connection id', { connectionId: undefined }, 'name'],
  ])('refuses %s before sending anything', async (_, overrides, path) => {
    const { id } = app();
    const base = { appObjectId: id, issuer: ISSUER, subject: subjectOf(CONNECTION_ID), connectionId: CONNECTION_ID };
    const { connectionId, ...rest } = { ...base, ...overrides };
    const r = await bindFederatedCredential({ graph }, connectionId === undefined ? rest : { ...rest, connectionId });
    const e = r._unsafeUnwrapErr();
    expect(e.kind === 'Validation' && e.problems.map((p) => p.path)).toEqual([path]);
    expect(fake.requests).toHaveLength(0);
  });
});
