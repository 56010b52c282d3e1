import { describe, expect, it } from 'vitest';
import type { PlannedResource } from '../workflows/types';
import { refusalsFromReport, writesFromPlan, writesOfConnection } from './fromPlan';
import type { PreflightReport } from './types';

const SUB = '/subscriptions/11111111-2222-4333-8444-555555555555';
const RG = `${SUB}/resourceGroups/rg-web-prod`;
const r = (
  kind: PlannedResource['kind'],
  action: PlannedResource['action'],
  name: string,
  extra: Partial<PlannedResource> = {},
): PlannedResource => ({
  kind,
  action,
  name,
  changes: [],
  ...extra,
});

describe('writesOfConnection', () => {
  it('a new connection needs Graph writes, the role assignment write at its scope, and Create in its project only', () => {
    const writes = writesOfConnection({
      key: 'web/sc',
      project: 'web',
      resources: [
        r('application', 'create', 'app'),
        r('servicePrincipal', 'create', 'app'),
        r('roleAssignment', 'create', `Contributor @ ${RG}`),
        r('serviceConnection', 'create', 'sc'),
        r('federatedCredential', 'create', 'ado-sc-{connection id}'),
        r('projectShare', 'create', 'api'),
        r('pipelinePermission', 'create', 'pipelines 12'),
      ],
    });
    expect(writes).toEqual([
      { service: 'graph', connection: 'web/sc', write: 'createApplication', newApplication: true },
      { service: 'graph', connection: 'web/sc', write: 'createServicePrincipal', newApplication: true },
      {
        service: 'arm',
        connection: 'web/sc',
        action: 'Microsoft.Authorization/roleAssignments/write',
        scope: RG,
        newPrincipal: true,
        roleDefinitionGuid: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
      },
      { service: 'devops', connection: 'web/sc', permission: 'Create', project: 'web' },
      { service: 'graph', connection: 'web/sc', write: 'writeFederatedCredential', newApplication: true },
    ]);
  });

  it('an existing connection that changes needs Administer on it; unchanged resources and reported deletes need nothing', () => {
    const id = '0b5c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3';
    const writes = writesOfConnection({
      key: 'web/sc',
      project: 'web',
      projectId: 'p-1',
      resources: [
        r('application', 'unchanged', 'app', { id: 'a' }),
        r('servicePrincipal', 'unchanged', 'app', { id: 's' }),
        r('roleAssignment', 'unchanged', `Reader @ ${RG}`),
        r('roleAssignment', 'delete', `Owner @ ${SUB}`, { note: 'not in the spec: removed only by sync with prune' }),
        r('serviceConnection', 'update', 'sc', { id }),
        r('pipelinePermission', 'update', 'pipelines 12', { id }),
      ],
    });
    expect(writes).toEqual([
      { service: 'devops', connection: 'web/sc', permission: 'Administer', project: 'web', projectId: 'p-1', endpointId: id },
      { service: 'devops', connection: 'web/sc', permission: 'Administer', project: 'web', projectId: 'p-1', endpointId: id },
    ]);
  });

  it('a check or security role that changes on an existing connection needs Administer on it; a role holder only reported needs nothing', () => {
    const id = '0b5c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3';
    const admin = { service: 'devops', connection: 'web/sc', permission: 'Administer', project: 'web', projectId: 'p-1', endpointId: id };
    const base = [r('serviceConnection', 'unchanged', 'sc', { id })];
    const of = (...resources: PlannedResource[]) =>
      writesOfConnection({ key: 'web/sc', project: 'web', projectId: 'p-1', resources: [...base, ...resources] });
    expect(of(r('check', 'update', 'approvals', { id: '7' }))).toEqual([admin]);
    expect(of(r('securityRole', 'create', '[web]\\Release Approvers', { id: 'g-1' }))).toEqual([admin]);
    expect(of(r('securityRole', 'delete', '[web]\\Contributors', { id: 'g-2' }), r('check', 'unchanged', 'branchControl'))).toEqual([]);
    // On a connection the run creates, Create is enough (its creator administers it).
    expect(
      writesOfConnection({
        key: 'web/sc',
        project: 'web',
        resources: [r('serviceConnection', 'create', 'sc'), r('check', 'create', 'approvals')],
      }),
    ).toEqual([{ service: 'devops', connection: 'web/sc', permission: 'Create', project: 'web' }]);
  });

  it('a plan with no change has no write; a connection that carries an error is left out', () => {
    expect(writesOfConnection({ key: 'k', project: 'p', resources: [r('application', 'unchanged', 'a')] })).toEqual([]);
    expect(
      writesFromPlan({
        connections: [{ key: 'k', project: 'p', resources: [r('application', 'create', 'a')], error: { kind: 'ConnectionConflict' } }],
      }),
    ).toEqual([]);
  });
});

describe('refusalsFromReport', () => {
  const report: PreflightReport = {
    caller: { display: 'ops@contoso.example' },
    summary: { granted: 1, missing: 2, unknown: 1 },
    checks: [
      {
        service: 'arm',
        permission: 'Microsoft.Authorization/roleAssignments/write',
        scope: RG,
        status: 'missing',
        confidence: 'strong hint',
        evidence: 'e',
        fix: 'Role Based Access Control Administrator on …',
        connections: ['web/a', 'web/b'],
      },
      {
        service: 'devops',
        permission: 'ServiceEndpoints/Create',
        scope: 'project web',
        status: 'missing',
        confidence: 'authoritative',
        evidence: 'e',
        fix: 'Endpoint Creator in project web',
        connections: ['web/a'],
      },
      {
        service: 'graph',
        permission: 'Application.ReadWrite.All',
        scope: 'tenant t',
        status: 'unknown',
        confidence: 'hint',
        evidence: 'e',
        fix: 'x',
        connections: ['web/c'],
      },
      {
        service: 'devops',
        permission: 'ServiceEndpoints/Create',
        scope: 'project api',
        status: 'granted',
        confidence: 'authoritative',
        evidence: 'e',
        connections: ['api/d'],
      },
    ],
  };

  it('refuses exactly the connections that need a missing permission, naming caller, permission, scope and fix', () => {
    const refusals = refusalsFromReport(report);
    expect([...refusals.keys()].sort()).toEqual(['web/a', 'web/b']);
    const a = refusals.get('web/a')!;
    expect(a).toMatchObject({
      kind: 'PermissionMissing',
      caller: 'ops@contoso.example',
      service: 'arm',
      permission: 'Microsoft.Authorization/roleAssignments/write',
      scope: RG,
    });
    expect(a.missing).toHaveLength(2);
    expect(a.message).toContain(`ops@contoso.example lacks Microsoft.Authorization/roleAssignments/write on ${RG}`);
    // Every missing permission with its own fix, not only the first.
    expect(a.message).toContain('Also missing: ServiceEndpoints/Create on project web (fix: Endpoint Creator in project web).');
    expect(refusals.get('web/b')!.missing).toHaveLength(1);
  });
});
