import { builtInGroupId } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { type CheckChange, decideChecks, desiredChecks, ensureChecks, readChecks, writeCheck } from './checks';
import { ensureSecurityRoles } from './securityRoles';

const { fake, clients } = useFake({ clients: createClients });
const { devops } = clients;

function seed() {
  const project = fake.state.addProject('Payments');
  const endpoint = fake.state.addServiceEndpoint({ name: 'payments-prod', projects: 'Payments' });
  const approvers = fake.state.governance.addDevOpsIdentity({ providerDisplayName: '[Payments]\\Release Approvers' });
  return { project, endpoint, approvers };
}
const CHECKS = {
  approvals: { approvers: ['[Payments]\\Release Approvers'], minApprovers: 1, instructions: 'Check the change ticket.' },
  branchControl: { allowed: ['refs/heads/main'] },
  exclusiveLock: true,
};

describe('ensureChecks', () => {
  it('creates approval, branch control and exclusive lock, resolving approvers to identity ids; a re-run is unchanged', async () => {
    const { project, endpoint, approvers } = seed();
    const first = (await ensureChecks({ devops }, { project: project.id, endpointId: endpoint.id, checks: CHECKS }))._unsafeUnwrap();
    expect(first.map((c) => [c.kind, c.outcome])).toEqual([
      ['approvals', 'created'],
      ['branchControl', 'created'],
      ['exclusiveLock', 'created'],
    ]);
    const stored = fake.state.governance.checksOn('endpoint', endpoint.id);
    expect(stored).toHaveLength(3);
    expect(stored[0]!.settings['approvers']).toEqual([{ id: approvers.id }]);
    expect(stored[1]!.settings).toMatchObject({
      definitionRef: { id: '86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b' },
      inputs: { allowedBranches: 'refs/heads/main', ensureProtectionOfBranch: 'true' },
    });
    const again = (await ensureChecks({ devops }, { project: project.id, endpointId: endpoint.id, checks: CHECKS }))._unsafeUnwrap();
    expect(again.map((c) => c.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('PATCHes the existing check field by field instead of adding a second one', async () => {
    const { project, endpoint } = seed();
    await ensureChecks({ devops }, { project: project.id, endpointId: endpoint.id, checks: CHECKS });
    const changed = { ...CHECKS, branchControl: { allowed: ['refs/heads/main', 'refs/heads/releases/*'] } };
    const r = (await ensureChecks({ devops }, { project: project.id, endpointId: endpoint.id, checks: changed }))._unsafeUnwrap();
    expect(r[1]).toMatchObject({
      kind: 'branchControl',
      outcome: 'updated',
      fields: [{ field: 'inputs.allowedBranches', from: 'refs/heads/main', to: 'refs/heads/main,refs/heads/releases/*' }],
    });
    expect(fake.state.governance.checksOn('endpoint', endpoint.id)).toHaveLength(3);
  });

  it('leaves a business-hours Task Check alone when matching branch control (definitionRef tells them apart)', async () => {
    const { project, endpoint } = seed();
    const hours = fake.state.governance.addCheck({
      projectId: project.id,
      type: { id: 'fe1de3ee-a436-41b4-bb20-f6eb4cb879a7', name: 'Task Check' },
      resource: { type: 'endpoint', id: endpoint.id },
      settings: { definitionRef: { id: '445fde2f-6c39-441c-807f-8a59ff2e075f' }, inputs: {} },
    });
    const changes = decideChecks(
      desiredChecks({ branchControl: { allowed: ['refs/heads/main'] } }, endpoint.id, new Map()),
      (await readChecks({ devops }, project.id, endpoint.id))._unsafeUnwrap(),
    );
    expect(changes).toMatchObject([{ action: 'create', kind: 'branchControl' }]);
    expect(hours.id).toBe(1);
  });

  it('leaves a pre-check approval alone when matching the approval (its definitionRef names another kind); a plain one is managed', async () => {
    const { project, endpoint } = seed();
    const approval = { id: '8c6f20a7-a545-4486-9777-f762fafe0d4d', name: 'Approval' };
    const on = { projectId: project.id, type: approval, resource: { type: 'endpoint' as const, id: endpoint.id } };
    const pre = fake.state.governance.addCheck({
      ...on,
      settings: { definitionRef: { id: '0f52a19b-c67e-468f-b8eb-0ae83b532c99' }, approvers: [] },
    });
    const desired = desiredChecks({ approvals: { approvers: [] } }, endpoint.id, new Map());
    const read = async () => (await readChecks({ devops }, project.id, endpoint.id))._unsafeUnwrap();
    expect(decideChecks(desired, await read())).toMatchObject([{ action: 'create', kind: 'approvals' }]);
    // Without a definitionRef (what the portal and wif write), or with the main approval's, it is the approval wif manages.
    const plain = fake.state.governance.addCheck({ ...on, settings: { approvers: [] } });
    expect(decideChecks(desired, await read())).toMatchObject([{ kind: 'approvals', id: plain.id }]);
    expect(pre.id).toBeLessThan(plain.id);
  });

  it('an approver Azure DevOps does not know is a clear error and nothing is written', async () => {
    const { project, endpoint } = seed();
    const r = await ensureChecks(
      { devops },
      { project: project.id, endpointId: endpoint.id, checks: { approvals: { approvers: ['[Payments]\\Nobody'] } } },
    );
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'DevOpsIdentityNotFound', name: '[Payments]\\Nobody', reason: 'NotFound' });
    expect(fake.requests.filter((x) => x.method !== 'GET')).toHaveLength(0);
  });

  it('two concurrent runs (and two racing creates from different processes) leave exactly one check per kind', async () => {
    fake.setOptions({ latencyInMs: 15 });
    const { project, endpoint } = seed();
    await Promise.all([1, 2].map(() => ensureChecks({ devops }, { project: project.id, endpointId: endpoint.id, checks: CHECKS })));
    expect(fake.state.governance.checksOn('endpoint', endpoint.id)).toHaveLength(3);
    // No in-process lock between these two: each creates, then the later one deletes itself.
    const create: CheckChange = {
      action: 'create',
      kind: 'exclusiveLock',
      body: { type: { id: '2ef31ad6-baa0-403a-8b45-2cbc9b4e5563' }, resource: { type: 'endpoint', id: endpoint.id }, settings: {} },
    };
    fake.state.governance
      .checksOn('endpoint', endpoint.id)
      .filter((c) => c.type.id === '2ef31ad6-baa0-403a-8b45-2cbc9b4e5563')
      .forEach((c) => fake.state.governance.deleteCheck(c.id));
    const results = await Promise.all([writeCheck({ devops }, project.id, create), writeCheck({ devops }, project.id, create)]);
    const locks = fake.state.governance
      .checksOn('endpoint', endpoint.id)
      .filter((c) => c.type.id === '2ef31ad6-baa0-403a-8b45-2cbc9b4e5563');
    expect(locks).toHaveLength(1);
    expect(results.map((r) => r._unsafeUnwrap().id)).toEqual([locks[0]!.id, locks[0]!.id]);
  });
});

describe('ensureSecurityRoles', () => {
  it('sets the named roles, shows a hand-added Administrator as drift, and removes it only with prune', async () => {
    const { project, endpoint, approvers } = seed();
    const contributors = builtInGroupId('Payments', 'Contributors');
    fake.state.governance.setRoleAssignment(
      'distributedtask.serviceendpointrole',
      `${project.id}_${endpoint.id}`,
      contributors,
      'Administrator',
    );
    const input = {
      projectId: project.id,
      endpointId: endpoint.id,
      security: { users: ['[Payments]\\Release Approvers'] },
      callerId: endpoint.createdBy.id,
    };
    const first = (await ensureSecurityRoles({ devops }, { ...input, prune: false }))._unsafeUnwrap();
    expect(first).toEqual([
      { action: 'set', identityId: approvers.id, name: '[Payments]\\Release Approvers', role: 'User' },
      { action: 'drift', identityId: contributors, name: '[Payments]\\Contributors', role: 'Administrator', prune: false },
    ]);
    const roles = () => fake.state.governance.roleAssignments('distributedtask.serviceendpointrole', `${project.id}_${endpoint.id}`)!;
    expect(roles().get(contributors)).toBe('Administrator');
    const second = (await ensureSecurityRoles({ devops }, { ...input, prune: true }))._unsafeUnwrap();
    expect(second).toEqual([
      { action: 'drift', identityId: contributors, name: '[Payments]\\Contributors', role: 'Administrator', prune: true },
    ]);
    expect(roles().has(contributors)).toBe(false);
    expect(roles().get(endpoint.createdBy.id)).toBe('Administrator');
    expect((await ensureSecurityRoles({ devops }, { ...input, prune: true }))._unsafeUnwrap()).toEqual([]);
  });

  it('turns inheritance off while inherited entries show, then reports nothing to do', async () => {
    const { project, endpoint } = seed();
    fake.state.governance.setRoleAssignment(
      'distributedtask.project.serviceendpointrole',
      project.id,
      builtInGroupId('Payments', 'Project Valid Users'),
      'User',
    );
    const input = {
      projectId: project.id,
      endpointId: endpoint.id,
      security: { inheritance: false },
      prune: false,
      callerId: endpoint.createdBy.id,
    };
    expect((await ensureSecurityRoles({ devops }, input))._unsafeUnwrap()).toEqual([{ action: 'inheritance', inherit: false }]);
    expect((await ensureSecurityRoles({ devops }, input))._unsafeUnwrap()).toEqual([]);
  });
});
