/**
 * Issue 12: the fake answers Graph's 400 Request_BadRequest to POST /servicePrincipals right after an
 * app is created, and registerApp retries exactly that (for a new app); the app is single-tenant
 * because registerApp says so, not because a fake defaulted it.
 */
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { registerApp } from './registerApp';

// A clock that moves 100 ms on every reading: the replication lag passes without any wall-clock wait.
let now = Date.parse('2026-01-01T00:00:00Z');
const { fake, clients } = useFake({
  fake: { clock: () => (now += 100), appReplicationLagInMs: 1_000 },
  reset: 'file',
  clients: createClients,
});
const { graph } = clients;
const replication = { delayInMs: 1, maxDelayInMs: 2, maxAttempts: 30 };

describe('registerApp against a new app that has not replicated', () => {
  it('retries the 400 Request_BadRequest of POST /servicePrincipals until the app is known, then creates it', async () => {
    const r = await registerApp({ graph }, { displayName: 'ado-new-app' }, { replication });
    const { outcome, value } = r._unsafeUnwrap();
    expect(outcome).toBe('created');
    const spPosts = fake.requests.filter((q) => q.operation === 'servicePrincipals.create');
    expect(spPosts.length).toBeGreaterThan(1);
    expect(spPosts.slice(0, -1).every((q) => q.status === 400)).toBe(true);
    expect(spPosts.at(-1)!.status).toBe(201);
    expect(fake.state.servicePrincipalByAppId(value.appId)).toBeDefined();
  });

  it('creates a single-tenant app (the fake would make an app without signInAudience multitenant)', async () => {
    const r = await registerApp({ graph }, { displayName: 'ado-audience' }, { replication });
    const app = fake.state.applicationByAppId(r._unsafeUnwrap().value.appId);
    expect(app?.signInAudience).toBe('AzureADMyOrg');
  });
});
