/**
 * Issue 12: a duplicate issuer + subject under another name is "already bound" (Graph's 400
 * InvalidFederatedIdentityCredentialValue, re-read), and a rebind always sends the audience.
 */
import { entraIssuer, entraSubject, TEST_TENANT_ID } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { FEDERATION_AUDIENCE } from '../constants';
import { createClients } from '../workflows/clients';
import { bindFederatedCredential, bindValidated, credentialNameFor } from './bindFederatedCredential';

const { fake, clients } = useFake({ clients: createClients });
const { graph } = clients;
const CONNECTION_ID = '5a7d2c3e-1f00-4b6a-9c8d-0e1f2a3b4c5d';
const ISSUER = entraIssuer(TEST_TENANT_ID);
const SUBJECT = entraSubject(TEST_TENANT_ID, fake.state.organizationId, CONNECTION_ID);

describe('bindFederatedCredential, issue 12', () => {
  it('treats 400 InvalidFederatedIdentityCredentialValue (same issuer + subject, another name) as already bound, and re-reads', async () => {
    const { id } = fake.state.addApplication({ displayName: 'ado-one' });
    // Another writer bound the same pair under its own name after our (skipped) read.
    fake.state.addFederatedCredential(id, { name: 'made-by-hand', issuer: ISSUER, subject: SUBJECT, audiences: [FEDERATION_AUDIENCE] });
    const r = await bindValidated(
      graph,
      { appObjectId: id, issuer: ISSUER, subject: SUBJECT, connectionId: CONNECTION_ID },
      {},
      { appIsNew: true },
    );
    const { outcome, value } = r._unsafeUnwrap();
    expect(outcome).toBe('unchanged');
    expect(value.name).toBe('made-by-hand');
    const posts = fake.requests.filter((q) => q.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(fake.state.federatedCredentials(id)).toHaveLength(1);
  });

  it('rebinding a credential of our name sends the token-exchange audience with the new subject', async () => {
    const { id } = fake.state.addApplication({ displayName: 'ado-two' });
    fake.state.addFederatedCredential(id, {
      name: credentialNameFor(CONNECTION_ID),
      issuer: ISSUER,
      subject: `${SUBJECT}-old`,
      audiences: ['api://SomethingElse'],
    });
    const r = await bindFederatedCredential({ graph }, { appObjectId: id, issuer: ISSUER, subject: SUBJECT, connectionId: CONNECTION_ID });
    expect(r._unsafeUnwrap().outcome).toBe('updated');
    expect(fake.state.federatedCredentials(id)).toEqual([expect.objectContaining({ subject: SUBJECT, audiences: [FEDERATION_AUDIENCE] })]);
  });
});
