import { createTestCredential, TEST_TENANT_ID } from '@wif/testing';
import { useFake } from '@wif/testing/vitest';
import { describe, expect, it } from 'vitest';
import { checkAccess } from '../preflight';
import { preflight } from '../preflight/preflight';
import { loadSpec } from '../spec/load';
import { apply } from '../workflows/apply';
import { createClients } from '../workflows/clients';
import { plan } from '../workflows/plan';
import { readConnectionData } from './connectionData';

const { fake, clientOptions } = useFake({
  projects: ['platform'],
  setUp: (f) => {
    f.state.governance.addDevOpsIdentity({ providerDisplayName: '[platform]\\Release Approvers' });
  },
});
const reads = (): number => fake.requests.filter((r) => r.operation === 'connectionData.get').length;
const fresh = () => createClients(clientOptions());
/** The CLI's shape: the run's clients, and a no-retry copy for the access check that shares what it reads. */
const withCheck = () => {
  const clients = fresh();
  return { clients, check: createClients({ ...clientOptions(), retry: { maxRetries: 0 }, sameCaller: clients }) };
};
const caller = {};
const SUB = '11111111-2222-3333-4444-555555555555';

describe('who the caller is in Azure DevOps, read once per set of clients', () => {
  it('a run sends one connectionData: the access check, the preflight of the plan and governance share it', async () => {
    const { clients, check } = withCheck();
    expect((await checkAccess(check)).isOk()).toBe(true);
    const spec = loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - project: platform
    name: sc-web
    app: ado-web
    scope: /subscriptions/${SUB}/resourceGroups/rg-web
    roles: [Contributor]
    security: { administrators: ['[platform]\\Release Approvers'] }
`)._unsafeUnwrap();
    const p = (await plan(clients, spec))._unsafeUnwrap();
    expect(p.preflight?.caller.devops).toBeDefined(); // the preflight knows who the caller is…
    expect((await apply(clients, p))._unsafeUnwrap().ok).toBe(true); // …and governance too (its own Administrator role)
    const again = (await plan(clients, spec, { preflight: false }))._unsafeUnwrap();
    expect(again.summary).toMatchObject({ create: 0, update: 0, delete: 0 }); // the caller's role is not drift
    expect(reads()).toBe(1);
  });

  it('readers at the same time share the request in flight', async () => {
    const { clients, check } = withCheck();
    const all = await Promise.all([checkAccess(check), checkAccess(clients), readConnectionData(clients.devops, caller)]);
    expect(all.every((r) => r.isOk())).toBe(true);
    expect(reads()).toBe(1);
  });

  it('does not keep a failure: the next reader reads again, with its own client’s retries', async () => {
    const { clients, check } = withCheck();
    fake.failRequests({ service: 'devops', path: /\/_apis\/connectionData$/, status: 503, code: 'ServiceUnavailable', times: 2 });
    const checked = await checkAccess(check);
    expect(checked._unsafeUnwrapErr().kind).toBe('ServiceUnavailable');
    expect(reads()).toBe(1); // no retry in the check
    const report = (await preflight(clients, [], { identify: true }))._unsafeUnwrap();
    expect(report.caller.devops).toBeDefined();
    expect(reads()).toBe(3); // read again, and retried once past the second 503
    expect((await checkAccess(check)).isOk()).toBe(true); // the success is kept, for both
    expect(reads()).toBe(3);
  });

  it('a reader does not take the failure of a read another client sent (other retries)', async () => {
    const { clients, check } = withCheck();
    fake.failRequests({ service: 'devops', path: /\/_apis\/connectionData$/, status: 503, code: 'ServiceUnavailable', times: 1 });
    const [fast, patient] = await Promise.all([checkAccess(check), readConnectionData(clients.devops, caller)]);
    expect(fast._unsafeUnwrapErr().kind).toBe('ServiceUnavailable');
    expect(patient.isOk()).toBe(true);
    expect(reads()).toBe(2);
  });

  it('a reader does not take another reader’s Aborted', async () => {
    const clients = fresh();
    const aborted = AbortSignal.abort();
    const [gaveUp, stayed] = await Promise.all([
      readConnectionData(clients.devops, { abortSignal: aborted }),
      readConnectionData(clients.devops, caller),
    ]);
    expect(gaveUp._unsafeUnwrapErr().kind).toBe('Aborted');
    expect(stayed.isOk()).toBe(true);
  });

  it('is not shared with clients of another credential or organization, nor between separate sets of clients', async () => {
    const clients = fresh();
    expect((await checkAccess(clients)).isOk()).toBe(true);
    const other = createClients({ ...clientOptions(), credential: createTestCredential(), sameCaller: clients });
    expect((await checkAccess(other)).isOk()).toBe(true);
    const otherOrg = createClients({ ...clientOptions(), organization: 'fabrikam', sameCaller: clients });
    // Sent, not answered from the memo: the fake has no such organization.
    expect((await checkAccess(otherOrg))._unsafeUnwrapErr().kind).toBe('OrganizationNotFound');
    expect((await checkAccess(fresh())).isOk()).toBe(true);
    expect(reads()).toBe(3); // contoso: the first clients, the other credential's, the fresh set
  });
});
