import { BUILT_IN_ROLES, createOrUpdateUserAssignedIdentity } from '@wif/arm';
import { updatePipelinePermissions } from '@wif/devops';
import { builtInGroupId, entraIssuer, TEST_TENANT_ID } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { auditOrganization } from './auditOrganization';
import { isBroadGroup, staleIdentityCredentialFindings } from './_governance';
import type { AuditFinding } from './findings';

const { fake, clients } = useFake({ clients: createClients });

const SUB = fake.state.subscriptionId;
const brief = (fs: readonly AuditFinding[]) => fs.map((f) => `${f.connection?.name ?? '-'} ${f.code} ${f.severity}`).sort();

/** A WIF connection on its own app with a matching credential; `role` at `scope` when given. */
function connection(
  name: string,
  project: string,
  init: { role?: string; scope?: string; type?: string; federation?: 'legacy'; credential?: boolean } = {},
) {
  const app = fake.state.addApplication({ displayName: `app-${name}` });
  const sp = fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
  const endpoint = fake.state.addServiceEndpoint({
    name,
    projects: project,
    servicePrincipalId: app.appId,
    ...(init.type ? { type: init.type } : {}),
    ...(init.federation ? { federation: init.federation } : {}),
  });
  const fed = fake.state.federation(endpoint.id)!;
  if (init.credential !== false)
    fake.state.addFederatedCredential(app.id, { name: `fic-${name}`, issuer: fed.issuer, subject: fed.subject });
  if (init.role)
    fake.state.addRoleAssignment({ scope: init.scope ?? `/subscriptions/${SUB}`, roleDefinitionId: init.role, principalId: sp.id });
  return endpoint;
}

describe('the audit over a seeded organization finds every governance finding', () => {
  it('production without approval or branch control, open to all pipelines, broad administrators, WIF of other types, stale managed-identity credentials', async () => {
    const project = fake.state.addProject('payments');
    // Production-scoped and ungated.
    connection('sc-prod-open', 'payments', { role: BUILT_IN_ROLES.Contributor });
    // Production-scoped, gated by an approval and branch control: no governance finding.
    const gated = connection('sc-prod-gated', 'payments', { role: BUILT_IN_ROLES.Contributor });
    for (const [type, settings] of [
      ['8c6f20a7-a545-4486-9777-f762fafe0d4d', { approvers: [{ id: builtInGroupId('payments', 'Project Administrators') }] }],
      [
        'fe1de3ee-a436-41b4-bb20-f6eb4cb879a7',
        { definitionRef: { id: '86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b' }, inputs: { allowedBranches: 'refs/heads/main' } },
      ],
    ] as const) {
      fake.state.governance.addCheck({ projectId: project.id, type: { id: type }, resource: { type: 'endpoint', id: gated.id }, settings });
    }
    // Resource-group scoped, but open to every pipeline and administered by Contributors.
    const open = connection('sc-dev', 'payments', {
      role: BUILT_IN_ROLES.Contributor,
      scope: `/subscriptions/${SUB}/resourceGroups/rg-dev`,
    });
    (
      await updatePipelinePermissions(clients.devops, project.id, { type: 'endpoint', id: open.id }, { allPipelines: { authorized: true } })
    )._unsafeUnwrap();
    fake.state.governance.setRoleAssignment(
      'distributedtask.serviceendpointrole',
      `${project.id}_${open.id}`,
      builtInGroupId('payments', 'Contributors'),
      'Administrator',
    );
    // A Docker registry connection on workload identity: legacy issuer, no credential.
    connection('acr-push', 'payments', { type: 'dockerregistry', federation: 'legacy', credential: false });
    // A Kubernetes connection on workload identity whose credential names another subject; Project Valid Users administer it.
    const aks = connection('aks-deploy', 'payments', { type: 'kubernetes', credential: false });
    const aksApp = fake.state.applicationByAppId(aks.parameters['serviceprincipalid']!)!;
    const aksFed = fake.state.federation(aks.id)!;
    fake.state.addFederatedCredential(aksApp.id, { name: 'fic-aks', issuer: aksFed.issuer, subject: `${aksFed.subject}-old` });
    fake.state.governance.setRoleAssignment(
      'distributedtask.serviceendpointrole',
      `${project.id}_${aks.id}`,
      builtInGroupId('payments', 'Project Valid Users'),
      'Administrator',
    );
    // A managed identity behind one live connection, holding a credential of a deleted connection too.
    const created = (
      await createOrUpdateUserAssignedIdentity(
        clients.arm,
        { subscriptionId: SUB, resourceGroup: 'rg-id', name: 'id-payments' },
        { location: 'westeurope' },
      )
    )._unsafeUnwrap().identity;
    const identity = fake.state.governance.managedIdentity(SUB, 'rg-id', 'id-payments')!;
    const onMi = fake.state.addServiceEndpoint({ name: 'sc-mi', projects: 'payments', servicePrincipalId: created.properties.clientId });
    const fed = fake.state.federation(onMi.id)!;
    fake.state.governance.setManagedIdentityCredential(identity, { name: 'ado-live', issuer: fed.issuer, subject: fed.subject });
    fake.state.governance.setManagedIdentityCredential(identity, {
      name: 'ado-gone',
      issuer: entraIssuer(TEST_TENANT_ID),
      subject: `${fed.subject.slice(0, -36)}0e2a9c4d-1111-4222-8333-944455556666`,
    });

    const run = auditOrganization(clients, {
      clock: () => Date.parse('2026-01-01T00:00:00Z'),
      managedIdentities: [{ subscriptionId: SUB, resourceGroup: 'rg-id', name: 'id-payments' }],
    });
    const findings: AuditFinding[] = [];
    for await (const f of run) findings.push(f);

    expect(brief(findings)).toEqual(
      [
        '- StaleIdentityCredentials medium',
        'acr-push CredentialMissing high',
        'acr-push LegacyIssuer medium',
        'aks-deploy BroadAdministrators high',
        'aks-deploy CredentialMismatch high',
        'sc-dev BroadAdministrators high',
        'sc-dev OpenToAllPipelines medium',
        'sc-prod-gated BroadRole medium',
        'sc-prod-open BroadRole medium',
        'sc-prod-open ProductionWithoutApproval high',
        'sc-prod-open ProductionWithoutBranchControl high',
      ].sort(),
    );
    const stale = findings.find((f) => f.code === 'StaleIdentityCredentials')!;
    expect(stale.details).toMatchObject({ identity: 'id-payments', stale: 1, total: 2 });
    expect(stale.fix).toContain('az identity federated-credential delete');
    // Every governance finding's fix names the command that fixes it.
    const fixOf = (code: string) => findings.find((f) => f.code === code)!.fix;
    expect(fixOf('ProductionWithoutApproval')).toContain('wif apply --config FILE');
    expect(fixOf('ProductionWithoutBranchControl')).toContain('wif apply --config FILE');
    expect(fixOf('OpenToAllPipelines')).toContain('wif apply');
    expect(fixOf('BroadAdministrators')).toContain('wif sync --config FILE --prune');
    expect(findings.find((f) => f.connection?.name === 'aks-deploy' && f.code === 'CredentialMismatch')!.connection?.type).toBe(
      'kubernetes',
    );
    expect(run.stats.complete).toBe(true);
  });

  it('reads open-to-all-pipelines and checks once per project, security roles once per connection (the request budget)', async () => {
    // 3 projects × 6 connections: the even ones production-scoped, every third one open to all pipelines.
    const open: string[] = [];
    const production: string[] = [];
    for (const p of ['alpha', 'beta', 'gamma']) {
      const project = fake.state.addProject(p);
      for (let i = 0; i < 6; i++) {
        const name = `sc-${p}-${i}`;
        const e = connection(name, p, {
          role: BUILT_IN_ROLES.Contributor,
          ...(i % 2 === 0 ? {} : { scope: `/subscriptions/${SUB}/resourceGroups/rg-${name}` }),
        });
        if (i % 2 === 0) production.push(name);
        if (i % 3 === 0) {
          fake.state.pipelinePermissions(project.id, e.id)!.allPipelines = { authorized: true };
          open.push(name);
        }
      }
    }
    const findings: AuditFinding[] = [];
    for await (const f of auditOrganization(clients)) findings.push(f);
    const named = (code: string) =>
      findings
        .filter((f) => f.code === code)
        .map((f) => f.connection!.name)
        .sort();
    expect(named('OpenToAllPipelines')).toEqual(open.sort());
    expect(named('ProductionWithoutApproval')).toEqual(production.sort());
    expect(named('ProductionWithoutBranchControl')).toEqual(production.sort());

    const devops = fake.requests.filter((r) => r.service === 'devops');
    const count = (operation: string) => devops.filter((r) => r.operation === operation).length;
    expect(count('GET authorizedResources')).toBe(3);
    expect(count('POST queryCheckConfigurations')).toBe(3);
    expect(count('GET roleAssignments')).toBe(18);
    // No per-connection read of what is read per project.
    expect(count('pipelinePermissions.get')).toBe(0);
    expect(count('GET checkConfigurations')).toBe(0);
    // The whole Azure DevOps side: projects, 3 connection lists, 3 + 3 per-project reads, 18 role reads.
    expect(devops.filter((r) => r.operation !== 'projects.list' && r.operation !== 'serviceEndpoints.list')).toHaveLength(24);
  });

  it('a failed per-project read is GovernanceUnreadable for every connection of that project (the run is incomplete); other projects keep theirs', async () => {
    for (const p of ['alpha', 'beta']) {
      const project = fake.state.addProject(p);
      for (const i of [0, 1]) {
        const e = connection(`sc-${p}-${i}`, p, { role: BUILT_IN_ROLES.Contributor });
        fake.state.pipelinePermissions(project.id, e.id)!.allPipelines = { authorized: true };
      }
    }
    const beta = fake.state.project('beta')!;
    fake.failRequests({ service: 'devops', path: new RegExp(`^/[^/]+/${beta.id}/_apis/build/authorizedresources`), status: 403 });
    fake.failRequests({
      service: 'devops',
      path: new RegExp(`^/[^/]+/${beta.id}/_apis/pipelines/checks/queryconfigurations`),
      status: 403,
    });
    const run = auditOrganization(clients);
    const findings: AuditFinding[] = [];
    for await (const f of run) findings.push(f);
    const named = (code: string) =>
      findings
        .filter((f) => f.code === code)
        .map((f) => f.connection!.name)
        .sort();
    expect(named('OpenToAllPipelines')).toEqual(['sc-alpha-0', 'sc-alpha-1']);
    expect(named('ProductionWithoutApproval')).toEqual(['sc-alpha-0', 'sc-alpha-1']);
    // The per-connection role reads and the identity checks of beta still ran.
    expect(named('BroadRole')).toEqual(['sc-alpha-0', 'sc-alpha-1', 'sc-beta-0', 'sc-beta-1']);
    expect(fake.requests.filter((r) => r.operation === 'GET authorizedResources' && r.status === 403)).toHaveLength(1);
    // Never a silent pass: each failed read is a finding naming what could not be read and why.
    const unreadable = findings.filter((f) => f.code === 'GovernanceUnreadable');
    expect(unreadable.map((f) => `${f.connection!.name}: ${f.message.split(':')[0]}`).sort()).toEqual([
      'sc-beta-0: Could not read the checks of "sc-beta-0"',
      'sc-beta-0: Could not read which pipelines may use the connection of "sc-beta-0"',
      'sc-beta-1: Could not read the checks of "sc-beta-1"',
      'sc-beta-1: Could not read which pipelines may use the connection of "sc-beta-1"',
    ]);
    expect(unreadable.every((f) => f.details['cause'] === 'permission' && f.severity === 'medium')).toBe(true);
    expect(run.stats).toMatchObject({ complete: true, unreadableGovernance: 2 });
  });

  it('a failed security-role read is GovernanceUnreadable for that connection only', async () => {
    const project = fake.state.addProject('gamma');
    const e = connection('sc-gamma-0', 'gamma', { role: BUILT_IN_ROLES.Reader });
    connection('sc-gamma-1', 'gamma', { role: BUILT_IN_ROLES.Reader });
    fake.failRequests({
      service: 'devops',
      path: new RegExp(`/roleassignments/resources/${project.id}_${e.id}`, 'i'),
      status: 500,
      times: 99,
    });
    const run = auditOrganization(clients);
    const findings: AuditFinding[] = [];
    for await (const f of run) findings.push(f);
    const unreadable = findings.filter((f) => f.code === 'GovernanceUnreadable');
    expect(unreadable.map((f) => f.connection!.name)).toEqual(['sc-gamma-0']);
    expect(unreadable[0]!.details['cause']).toBe('service');
    expect(run.stats.unreadableGovernance).toBe(1);
  });

  it('a managed-identity connection whose credential is missing is CredentialMissing, not AppNotFound or MultiTenantApp', async () => {
    fake.state.addProject('payments');
    const created = fake.state.governance.addManagedIdentity({ subscriptionId: SUB, resourceGroup: 'rg-id', name: 'id-x' });
    fake.state.addManagedIdentityServicePrincipal({ appId: created.clientId, id: created.principalId, displayName: 'id-x' });
    fake.state.addServiceEndpoint({ name: 'sc-mi', projects: 'payments', servicePrincipalId: created.clientId });
    const findings: AuditFinding[] = [];
    for await (const f of auditOrganization(clients, {
      managedIdentities: [{ subscriptionId: SUB, resourceGroup: 'rg-id', name: 'id-x' }],
    }))
      findings.push(f);
    expect(brief(findings)).toEqual(['sc-mi CredentialMissing high']);
  });

  it('a managed-identity connection the audit was not told about is not a multi-tenant app; its roles are still read', async () => {
    // `wif audit` without a spec: nothing says which connections are on managed identities. The
    // client id has no application object, as an app of another tenant would not; the service
    // principal's type tells them apart.
    fake.state.addProject('payments');
    const created = fake.state.governance.addManagedIdentity({ subscriptionId: SUB, resourceGroup: 'rg-id', name: 'id-y' });
    fake.state.addManagedIdentityServicePrincipal({ appId: created.clientId, id: created.principalId, displayName: 'id-y' });
    fake.state.addServiceEndpoint({ name: 'sc-mi', projects: 'payments', servicePrincipalId: created.clientId });
    fake.state.addRoleAssignment({
      scope: `/subscriptions/${SUB}`,
      roleDefinitionId: BUILT_IN_ROLES.Contributor,
      principalId: created.principalId,
    });
    // An app of another tenant (a service principal of type Application, no app object here) still is.
    // The fake adds app-less service principals only for managed identities: this one drops the type,
    // which the fake then reports as `Application`, Graph's type for an app's service principal.
    const foreign = fake.state.addManagedIdentityServicePrincipal({
      appId: '7d1c8a52-3f4e-4b6a-9c2d-1e0f5a6b7c8d',
      id: '5e2b9c41-8d3a-4f6e-a1b2-c3d4e5f60718',
      displayName: 'a foreign app',
    });
    delete (foreign as { servicePrincipalType?: string }).servicePrincipalType;
    fake.state.addServiceEndpoint({ name: 'sc-foreign', projects: 'payments', servicePrincipalId: foreign.appId });
    const findings: AuditFinding[] = [];
    for await (const f of auditOrganization(clients)) findings.push(f);
    expect(brief(findings)).toEqual([
      'sc-foreign MultiTenantApp high',
      'sc-mi BroadRole medium',
      'sc-mi ProductionWithoutApproval high',
      'sc-mi ProductionWithoutBranchControl high',
    ]);
  });

  it("a user-assigned identity's connection: its credentials are compared through the principal's alternativeNames, once", async () => {
    fake.state.addProject('payments');
    const made = (name: string) => {
      const identity = fake.state.governance.addManagedIdentity({ subscriptionId: SUB, resourceGroup: 'rg-id', name });
      fake.state.addManagedIdentityServicePrincipal({
        appId: identity.clientId,
        id: identity.principalId,
        displayName: name,
        resourceId: `/subscriptions/${SUB}/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
      });
      return fake.state.addServiceEndpoint({ name: `sc-${name}`, projects: 'payments', servicePrincipalId: identity.clientId });
    };
    made('id-missing');
    const ok = made('id-ok');
    const fed = fake.state.federation(ok.id)!;
    fake.state.governance.setManagedIdentityCredential(fake.state.governance.managedIdentity(SUB, 'rg-id', 'id-ok')!, {
      name: 'ado-ok',
      issuer: fed.issuer,
      subject: fed.subject,
    });
    const untold: AuditFinding[] = [];
    for await (const f of auditOrganization(clients)) untold.push(f);
    expect(brief(untold)).toEqual(['sc-id-missing CredentialMissing high']);
    // Told about the identity too: the same finding, once.
    const told: AuditFinding[] = [];
    for await (const f of auditOrganization(clients, {
      managedIdentities: [{ subscriptionId: SUB, resourceGroup: 'rg-id', name: 'id-missing' }],
    }))
      told.push(f);
    expect(brief(told)).toEqual(['sc-id-missing CredentialMissing high']);
  });

  it('pure parts: broad groups, and no stale finding when every credential names a live connection', () => {
    expect(['[p]\\Contributors', '[org]\\Project Collection Valid Users', '[p]\\Project Valid Users'].every(isBroadGroup)).toBe(true);
    expect(isBroadGroup('[p]\\Release Approvers')).toBe(false);
    const identity = {
      ref: { subscriptionId: SUB, resourceGroup: 'rg', name: 'id' },
      clientId: 'c',
      credentials: [
        { id: 'x', name: 'a', properties: { issuer: 'i', subject: '/sc/org/0e2a9c4d-1111-4222-8333-944455556666', audiences: [] } },
      ],
    };
    expect(staleIdentityCredentialFindings('contoso', identity, new Set(['0e2a9c4d-1111-4222-8333-944455556666']))).toEqual([]);
    expect(staleIdentityCredentialFindings('contoso', identity, new Set())).toHaveLength(1);
  });
});
