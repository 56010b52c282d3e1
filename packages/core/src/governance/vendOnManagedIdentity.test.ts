import { createEntraTokenClient } from '@wif/graph';
import { createFake, createTestCredential } from '@wif/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyByExchange } from '../exchange/verifyByExchange';
import { checkResolvedSpec, loadSpec, type ResolvedSpec } from '../spec/load';
import { createClients } from '../workflows/clients';
import { vendOnManagedIdentity } from './vendOnManagedIdentity';

const fake = createFake();
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => {
  server.resetHandlers();
  fake.reset();
  fake.setOptions({ latencyInMs: 0 });
});
afterAll(() => server.close());

const clients = {
  ...createClients({ credential: createTestCredential(), organization: 'contoso', retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } }),
  entra: createEntraTokenClient({ retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } }),
};
const SUB = '78c6d91d-b273-427d-a92d-943378c2f496';

/** The environment-set example with every connection on one managed identity, and prod gated. */
const SPEC = `
organization: contoso
tenantId: ${fake.state.tenantId}
environments:
  - project: platform
    name: sc-platform
    subscriptionId: ${SUB}
    subscriptionName: Platform
    identity: { kind: managedIdentity, subscriptionId: ${SUB}, resourceGroup: rg-identities, name: id-platform, location: westeurope }
    dev:
      resourceGroup: rg-platform-dev
    prod:
      resourceGroup: rg-platform-prod
      checks:
        approvals: { approvers: ['[platform]\\Release Approvers'], minApprovers: 1, instructions: Check the change ticket. }
        branchControl: { allowed: [refs/heads/main] }
      security:
        users: ['[platform]\\Release Approvers']
`;

function spec(): ResolvedSpec {
  fake.state.addProject('platform');
  fake.state.governance.addDevOpsIdentity({ providerDisplayName: '[platform]\\Release Approvers' });
  return loadSpec(SPEC)._unsafeUnwrap();
}
const applyAll = (s: ResolvedSpec) =>
  Promise.all(s.connections.map((c) => vendOnManagedIdentity(clients, c, { replication: { delayInMs: 1, maxDelayInMs: 5 } })));

describe('the environment-set spec on a managed identity', () => {
  it('expands to three connections on one identity; plan/apply refuse it until they own these resources', () => {
    const s = spec();
    expect(s.connections.map((c) => [c.name, c.managedIdentity?.name, c.checks !== undefined])).toEqual([
      ['sc-platform-dev', 'id-platform', false],
      ['sc-platform-prod', 'id-platform', true],
      ['sc-platform-prod-readonly', 'id-platform', false],
    ]);
    const refused = checkResolvedSpec(s)._unsafeUnwrapErr();
    // Checks and security roles are plan/apply resources; the managed identity is not yet.
    expect(refused.problems.map((p) => p.path)).toContain('connections[1].identity');
    expect(refused.problems.map((p) => p.path)).not.toContain('connections[1].checks');
  });

  it('two concurrent applies create one identity, exactly three credentials and no duplicate checks; a re-run is unchanged', async () => {
    const s = spec();
    fake.setOptions({ latencyInMs: 10 });
    const [a, b] = await Promise.all([applyAll(s), applyAll(s)]);
    for (const r of [...a, ...b]) expect(r.isErr() ? r.error : 'ok').toBe('ok');
    const identities = fake.state.governance.managedIdentities();
    expect(identities).toHaveLength(1);
    expect(identities[0]!.credentials.size).toBe(3);
    const prod = fake.state.serviceEndpoints().find((e) => e.name === 'sc-platform-prod')!;
    const checks = fake.state.governance.checksOn('endpoint', prod.id);
    expect(checks.map((c) => c.type.id).sort()).toEqual(['8c6f20a7-a545-4486-9777-f762fafe0d4d', 'fe1de3ee-a436-41b4-bb20-f6eb4cb879a7']);
    expect(fake.state.serviceEndpoints()).toHaveLength(3);
    expect(fake.state.serviceEndpoints().every((e) => e.parameters['serviceprincipalid'] === identities[0]!.clientId)).toBe(true);
    expect(fake.requests.filter((r) => r.status === 409)).toHaveLength(0);
    fake.setOptions({ latencyInMs: 0 });

    const before = fake.requests.filter((r) => r.method !== 'GET').length;
    const again = await applyAll(s);
    for (const r of again) {
      const v = r._unsafeUnwrap();
      expect(
        [v.identity.outcome, v.connection.outcome, v.credential, ...v.roles, ...v.checks.map((c) => c.outcome)].every(
          (o) => o === 'unchanged',
        ),
      ).toBe(true);
      expect(v.security.filter((c) => c.action !== 'drift')).toEqual([]);
    }
    expect(fake.requests.filter((r) => r.method !== 'GET').length).toBe(before);
  });

  it('verify --exchange passes for the managed-identity connection', async () => {
    const s = spec();
    const vended = (await applyAll(s)).map((r) => r._unsafeUnwrap());
    const prod = vended.find((v) => v.connection.value.name === 'sc-platform-prod')!;
    const project = prod.connection.value.projectId;
    const report = await verifyByExchange(
      clients,
      { project, connectionId: prod.connection.value.id },
      {
        oidc: {
          kind: 'devops',
          projectId: project,
          planId: '11111111-2222-3333-4444-555555555555',
          jobId: '11111111-2222-3333-4444-555555555555',
        },
      },
    );
    expect(report._unsafeUnwrap()).toMatchObject({
      connection: { id: prod.connection.value.id },
      appId: prod.identity.value.clientId,
      exchangeAttempts: 1,
    });
  });
});
