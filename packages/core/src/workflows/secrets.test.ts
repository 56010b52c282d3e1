import { TEST_TENANT_ID } from '@wif/testing';
import { useFake } from '@wif/testing/vitest';
import { describe, expect, it } from 'vitest';
import { loadSpec, type ResolvedSpec } from '../spec/load';
import { apply } from './apply';
import { createClients } from './clients';
import { plan } from './plan';
import { sync } from './sync';

// A client secret someone added to an app wif made: plan shows it, sync reports it, sync --prune
// removes it; an adopted app's secrets are left alone (workflows/_secrets.ts).
const { fake, clients } = useFake({ projects: ['platform'], clients: createClients });
const KEY = '5e0c8a3d-1b2f-4c6d-9e8a-00000000000a';

const spec = (app: string): ResolvedSpec =>
  loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - { project: platform, name: sc-one, app: ${app}, scope: /subscriptions/${fake.state.subscriptionId}/resourceGroups/rg-one, roles: [Reader] }
`)._unsafeUnwrap();

function addSecret(appObjectId: string): void {
  const app = fake.state.application(appObjectId)!;
  const secret = { keyId: KEY, displayName: 'added by hand', endDateTime: '2027-06-30T00:00:00Z', hint: 'abc', secretText: null };
  app.properties = { ...app.properties, passwordCredentials: [secret] };
}
const secretsOf = (appObjectId: string): unknown[] =>
  (fake.state.application(appObjectId)?.properties['passwordCredentials'] as unknown[] | undefined) ?? [];

describe('client secrets on an app wif made', () => {
  it('plan shows it, apply and sync leave it (sync reports it), sync --prune removes it', async () => {
    const s = spec('ado-one');
    expect((await apply(clients, s))._unsafeUnwrap().ok).toBe(true);
    const app = fake.state.applications()[0]!;
    addSecret(app.id);

    const p = (await plan(clients, s))._unsafeUnwrap();
    expect(p.connections[0]!.resources.filter((r) => r.kind === 'appSecret')).toEqual([
      expect.objectContaining({
        action: 'delete',
        id: KEY,
        name: `client secret "added by hand" (key id ${KEY}, ends 2027-06-30T00:00:00Z)`,
        note: expect.stringContaining('removed only by sync with prune'),
      }),
    ]);
    expect((await apply(clients, s))._unsafeUnwrap().ok).toBe(true);
    expect(secretsOf(app.id)).toHaveLength(1);

    const reported = (await sync(clients, s))._unsafeUnwrap();
    expect(reported.drifts.filter((d) => d.resource === 'appSecret')).toEqual([
      expect.objectContaining({ kind: 'extra', id: KEY, action: 'reported' }),
    ]);
    expect(secretsOf(app.id)).toHaveLength(1);

    const before = fake.requests.length;
    const pruned = (await sync(clients, s, { prune: true }))._unsafeUnwrap();
    expect(pruned.drifts.filter((d) => d.resource === 'appSecret')).toEqual([
      expect.objectContaining({ kind: 'extra', id: KEY, action: 'deleted' }),
    ]);
    expect(fake.requests.slice(before).filter((r) => r.operation === 'applications.removePassword')).toHaveLength(1);
    expect(secretsOf(app.id)).toEqual([]);
    // The verify at the end of the run read the app after the removal: no warning about a secret it no longer holds.
    expect(pruned.connections[0]!.trustChain?.warnings.join(' ')).not.toContain('client secret');
    expect(reported.connections[0]!.trustChain?.warnings.join(' ')).toContain('client secret');
    const again = (await plan(clients, s))._unsafeUnwrap();
    expect(again.connections[0]!.resources.some((r) => r.kind === 'appSecret')).toBe(false);
  });

  it('leaves the secrets of an adopted app alone, in plan and in sync --prune', async () => {
    const app = fake.state.addApplication({ displayName: 'made in the portal' });
    fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
    addSecret(app.id);
    const s = spec(`{ appId: ${app.appId} }`);
    const p = (await plan(clients, s))._unsafeUnwrap();
    expect(p.connections[0]!.resources.some((r) => r.kind === 'appSecret')).toBe(false);
    expect((await sync(clients, s, { prune: true }))._unsafeUnwrap().ok).toBe(true);
    expect(secretsOf(app.id)).toHaveLength(1);
  });
});
