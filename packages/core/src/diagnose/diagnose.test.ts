import { serviceError, TEST_TENANT_ID } from '@wif/testing';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { loadSpec } from '../spec/load';
import { apply } from '../workflows/apply';
import { createClients } from '../workflows/clients';
import { diagnose } from './diagnose';
import { diagnoseText } from './diagnoseText';
import { finishMigration } from '../migration/finish';
import { listMigrations, memoryJournal } from '../migration/journal';
import { startMigration } from '../migration/migrate';
import { rollbackMigration } from '../migration/rollback';

const SUB = '11111111-2222-3333-4444-555555555555';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const NO_MATCH = 'AADSTS70021: No matching federated identity record found for presented assertion.';
const YAML_AUTHZ =
  'There was a resource authorization issue: "The pipeline is not valid. Job Deploy: Step AzureCLI input connectedServiceNameARM references service connection sc-prod which could not be found. The service connection does not exist, has been disabled or has not been authorized for use."';

const { fake, server, clients } = useFake({ clients: createClients });

/** A vended connection, seeded: app + service principal, connection in `web`, matching credential, Contributor on rg-web. */
function seed(federation: 'entra' | 'legacy' = 'entra') {
  fake.state.addProject('web');
  fake.state.addProject('other');
  const app = fake.state.addApplication({ displayName: 'ado-sc-prod' });
  const sp = fake.state.addServicePrincipal({ appId: app.appId });
  const sc = fake.state.addServiceEndpoint({ name: 'sc-prod', projects: 'web', servicePrincipalId: app.appId, federation });
  const fed = fake.state.federation(sc.id)!;
  const fic = fake.state.addFederatedCredential(app.id, { name: 'sc-prod', issuer: fed.issuer, subject: fed.subject });
  const sub = `/subscriptions/${fake.state.subscriptionId}`;
  fake.state.addRoleAssignment({ scope: `${sub}/resourceGroups/rg-web`, roleDefinitionId: CONTRIBUTOR, principalId: sp.id });
  return { app, sp, sc, fed, fic, sub };
}

const denied = (appId: string, spId: string, scope: string, action = 'Microsoft.Resources/deployments/write'): string =>
  `ERROR: (AuthorizationFailed) The client '${appId}' with object id '${spId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`;

describe('diagnose with live state', () => {
  it('says where the subject differs when it differs only in letter case', async () => {
    const { fic } = seed('legacy');
    fic.subject = 'sc://contoso/Web/sc-prod';
    const [top, ...rest] = (await diagnose(clients, { text: NO_MATCH, project: 'web', connectionName: 'sc-prod' }))._unsafeUnwrap();
    expect(top).toMatchObject({ cause: 'SubjectMismatch', confidence: 'certain', codes: ['AADSTS70021'] });
    expect(top?.summary).toContain('differs only in letter case');
    expect(top?.evidence).toEqual(
      expect.arrayContaining([
        'connection subject: sc://contoso/web/sc-prod',
        'closest credential subject: sc://contoso/Web/sc-prod',
        'first difference at position 13',
      ]),
    );
    // The live comparison settles it: neither the issuer nor propagation is left as an explanation.
    expect(rest.map((d) => d.cause)).toEqual([]);
  });

  it('reads an exact match after AADSTS70021 as propagation', async () => {
    seed();
    const result = (await diagnose(clients, { text: NO_MATCH, project: 'web', connectionName: 'sc-prod' }))._unsafeUnwrap();
    expect(result.map((d) => [d.cause, d.confidence])).toEqual([['CredentialPropagation', 'likely']]);
    expect(result[0]?.evidence.join(' ')).toMatch(/matches both exactly/);
  });

  it('reads a match now, against the subject the run presented, as a connection changed since that run', async () => {
    // The connection was moved to the Entra issuer; the pasted log is from a run before that.
    seed('entra');
    const text = "AADSTS700213: No matching federated identity record found for presented assertion subject 'sc://contoso/web/sc-prod'.";
    const result = (await diagnose(clients, { text, project: 'web', connectionName: 'sc-prod' }))._unsafeUnwrap();
    expect(result.map((d) => [d.cause, d.confidence])).toEqual([['ConnectionChanged', 'certain']]);
    expect(result[0]?.summary).toMatch(
      /^The run presented subject 'sc:\/\/contoso\/web\/sc-prod'; connection "sc-prod" presents subject \/eid1\//,
    );
    expect(result[0]?.evidence).toContain('presented subject (from the text): sc://contoso/web/sc-prod');
    expect(result[0]?.fix[0]).toMatch(/Run the pipeline again/);
    // The same subject as the connection presents now: propagation, as before.
    const fed = fake.state.federation(fake.state.serviceEndpoints()[0]!.id)!;
    const same = `AADSTS700213: No matching federated identity record found for presented assertion subject '${fed.subject}'.`;
    const again = (await diagnose(clients, { text: same, project: 'web', connectionName: 'sc-prod' }))._unsafeUnwrap();
    expect(again.map((d) => d.cause)).toEqual(['CredentialPropagation']);
  });

  it('names a credential still on the legacy issuer', async () => {
    const { fic, sc } = seed();
    fic.issuer = 'https://vstoken.dev.azure.com/' + fake.state.organizationId;
    const [top] = (await diagnose(clients, { text: NO_MATCH, project: 'web', connectionId: sc.id }))._unsafeUnwrap();
    expect(top).toMatchObject({ cause: 'IssuerMismatch', confidence: 'certain' });
    expect(top?.summary).toContain('credential still on the legacy issuer');
  });

  it('says which scope lacks a role, listing the roles the service principal has', async () => {
    const { app, sp, sub } = seed();
    const missing = `${sub}/resourceGroups/rg-api`;
    const [top] = (
      await diagnose(clients, { text: denied(app.appId, sp.id, missing), project: 'web', connectionName: 'sc-prod' })
    )._unsafeUnwrap();
    expect(top).toMatchObject({ cause: 'RoleAssignmentMissing', confidence: 'certain' });
    expect(top?.summary).toContain(`has no role at '${missing}' or above; it has Contributor at ${sub}/resourceGroups/rg-web`);
    expect(top?.evidence).toContain(`live: missing scope ${missing}`);
    expect(top?.fix[0]).toContain(`scope: '${missing}'`);
    const list = fake.requests.find((r) => r.operation === 'roleAssignments.list');
    expect(list?.path).toBe(`${sub}/providers/Microsoft.Authorization/roleAssignments`);
  });

  it('says so when a role covers the scope but not the action', async () => {
    const { app, sp, sub } = seed();
    fake.state.addRoleAssignment({ scope: sub, roleDefinitionId: READER, principalId: sp.id });
    const scope = `${sub}/resourceGroups/rg-api`;
    const [top] = (
      await diagnose(clients, { text: denied(app.appId, sp.id, scope), project: 'web', connectionName: 'sc-prod' })
    )._unsafeUnwrap();
    expect(top).toMatchObject({ cause: 'RoleAssignmentMissing', confidence: 'certain' });
    expect(top?.summary).toContain(
      `has Reader at ${sub}, which covers '${scope}' but does not allow 'Microsoft.Resources/deployments/write'`,
    );
    expect(top?.evidence).toContain(`live: Reader at ${sub}`);
  });

  it("finds a connection that is not shared with the pipeline's project", async () => {
    seed();
    const result = (await diagnose(clients, { text: YAML_AUTHZ, project: 'other', connectionName: 'sc-prod' }))._unsafeUnwrap();
    expect(result.map((d) => [d.cause, d.confidence])).toEqual([
      ['ConnectionNotShared', 'certain'],
      ['PipelineNotAuthorized', 'possible'],
    ]);
    expect(result[0]?.summary).toContain("Project 'other' has no connection 'sc-prod'");
  });

  it('a connection the spec names, renamed in the portal: ConnectionRenamed with its current name, not "not shared"', async () => {
    fake.state.addProject('web');
    const s = loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
connections:
  - { project: web, name: sc-app, app: ado-app, scope: /subscriptions/${SUB}/resourceGroups/rg-app, roles: [Reader] }
  - { project: web, name: sc-mi, identity: { kind: managedIdentity, subscriptionId: ${SUB}, resourceGroup: rg-identities, name: id-mi, location: westeurope }, scope: /subscriptions/${SUB}/resourceGroups/rg-mi, roles: [Reader] }
`)._unsafeUnwrap();
    expect((await apply(clients, s, { replication: { delayInMs: 1 } }))._unsafeUnwrap().ok).toBe(true);
    for (const name of ['sc-app', 'sc-mi']) {
      const e = fake.state.serviceEndpoints().find((x) => x.name === name)!;
      fake.state.renameServiceEndpoint(e.id, `${name}-by-hand`);
      const result = (await diagnose(clients, { text: YAML_AUTHZ, project: 'web', connectionName: name, spec: s }))._unsafeUnwrap();
      expect(result[0]).toMatchObject({ cause: 'ConnectionRenamed', confidence: 'certain' });
      expect(result[0]?.summary).toContain(`under the name '${name}-by-hand' (id ${e.id})`);
      expect(result.map((d) => d.cause)).not.toContain('ConnectionNotShared');
      // Without the spec it cannot tell: the project has no connection of that name.
      const blind = (await diagnose(clients, { text: YAML_AUTHZ, project: 'web', connectionName: name }))._unsafeUnwrap();
      expect(blind[0]?.cause).toBe('ConnectionNotShared');
    }
  });

  it('a connection a migration deleted: ConnectionMigrated naming its replacement, from the journal (certain when the project has none)', async () => {
    fake.state.addProject('web');
    const app = fake.state.addApplication({ displayName: 'old-app' });
    const sp = fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
    fake.state.addServiceEndpoint({ name: 'sc-prod', projects: 'web', scheme: 'ServicePrincipal', servicePrincipalId: app.appId });
    fake.state.addRoleAssignment({
      scope: `/subscriptions/${fake.state.subscriptionId}/resourceGroups/rg-web`,
      roleDefinitionId: CONTRIBUTOR,
      principalId: sp.id,
    });
    const journal = memoryJournal();
    const options = { journal, replication: { delayInMs: 1, maxDelayInMs: 5 } };
    const m = (
      await startMigration(clients, { project: 'web', connectionName: 'sc-prod', tenantId: fake.state.tenantId }, options)
    )._unsafeUnwrap();
    (await finishMigration(clients, m.id, { ...options, force: true, ignoreRecentUse: true }))._unsafeUnwrap();
    const migrations = (await listMigrations(journal))._unsafeUnwrap();

    // From the text alone: the pipeline names sc-prod, which the journal says finish deleted.
    const offline = (await diagnose(undefined, { text: YAML_AUTHZ, migrations }))._unsafeUnwrap();
    expect(offline[0]).toMatchObject({ cause: 'ConnectionMigrated', confidence: 'likely' });
    expect(offline[0]?.summary).toContain("once 'sc-prod-wif' had replaced it");
    expect(offline[0]?.fix[0]).toBe("Point the pipeline at 'sc-prod-wif' (azureSubscription: sc-prod-wif) and run it again.");
    expect(offline.find((d) => d.cause === 'ConnectionNotShared')?.confidence).toBe('possible');
    // Live: the project has no sc-prod, which the migration explains.
    const live = (await diagnose(clients, { text: YAML_AUTHZ, project: 'web', connectionName: 'sc-prod', migrations }))._unsafeUnwrap();
    expect(live[0]).toMatchObject({ cause: 'ConnectionMigrated', confidence: 'certain' });
    expect(live.map((d) => d.cause)).not.toContain('ConnectionNotShared');
    // Another project, another name, or no journal: nothing about a migration.
    fake.state.addProject('other');
    for (const input of [
      { project: 'other', connectionName: 'sc-prod', migrations },
      { project: 'web', connectionName: 'sc-dev', migrations },
      { project: 'web', connectionName: 'sc-prod' },
    ]) {
      const r = (await diagnose(clients, { text: YAML_AUTHZ, ...input }))._unsafeUnwrap();
      expect(r.map((d) => d.cause)).not.toContain('ConnectionMigrated');
    }
  });

  it('a connection a rollback deleted: ConnectionMigrated pointing back at the old one', async () => {
    fake.state.addProject('web');
    const app = fake.state.addApplication({ displayName: 'old-app' });
    fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
    fake.state.addServiceEndpoint({ name: 'sc-prod', projects: 'web', scheme: 'ServicePrincipal', servicePrincipalId: app.appId });
    const journal = memoryJournal();
    const options = { journal, replication: { delayInMs: 1, maxDelayInMs: 5 } };
    const m = (
      await startMigration(clients, { project: 'web', connectionName: 'sc-prod', tenantId: fake.state.tenantId }, options)
    )._unsafeUnwrap();
    (await rollbackMigration(clients, m.id, options))._unsafeUnwrap();
    const migrations = (await listMigrations(journal))._unsafeUnwrap();
    const text = YAML_AUTHZ.replace('service connection sc-prod which', 'service connection sc-prod-wif which');
    const r = (await diagnose(clients, { text, project: 'web', connectionName: 'sc-prod-wif', migrations }))._unsafeUnwrap();
    expect(r[0]).toMatchObject({ cause: 'ConnectionMigrated', confidence: 'certain' });
    expect(r[0]?.fix[0]).toBe("Point the pipeline back at 'sc-prod' (azureSubscription: sc-prod) and run it again.");
  });

  it('in the right project, points at pipeline authorization instead', async () => {
    seed();
    const result = (await diagnose(clients, { text: YAML_AUTHZ, project: 'web', connectionName: 'sc-prod' }))._unsafeUnwrap();
    expect(result.map((d) => [d.cause, d.confidence])).toEqual([
      ['PipelineNotAuthorized', 'likely'],
      ['ConnectionNotShared', 'possible'],
    ]);
    expect(result[0]?.evidence).toContain('live: the connection is authorized for no pipeline, not for all pipelines');
  });

  it('waiting for approval: names what gates the connection, or points at the environment when nothing on it does', async () => {
    const { sc } = seed();
    const text = 'This pipeline needs permission to access a resource before this run can continue. Waiting for approval.';
    const bare = (await diagnose(clients, { text, project: 'web', connectionName: 'sc-prod' }))._unsafeUnwrap();
    const pending = () => bare.find((d) => d.cause === 'ApprovalPending');
    expect(pending()).toMatchObject({ confidence: 'possible' });
    expect(pending()!.evidence).toContain(
      'live: connection "sc-prod" has no approvals or checks of its own: look at the approvals of the environment the job deploys to',
    );
    const web = fake.state.project('web')!;
    const resource = { type: 'endpoint', id: sc.id };
    fake.state.governance.addCheck({
      projectId: web.id,
      type: { id: '8c6f20a7-a545-4486-9777-f762fafe0d4d', name: 'Approval' },
      resource,
      settings: { approvers: [{ id: 'a1', displayName: '[web]\\Release Approvers' }] },
    });
    fake.state.governance.addCheck({
      projectId: web.id,
      type: { id: 'fe1de3ee-a436-41b4-bb20-f6eb4cb879a7', name: 'Task Check' },
      resource,
      settings: { definitionRef: { id: '86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b' }, inputs: { allowedBranches: 'refs/heads/main' } },
    });
    const gated = (await diagnose(clients, { text, project: 'web', connectionName: 'sc-prod' }))._unsafeUnwrap();
    const found = gated.find((d) => d.cause === 'ApprovalPending')!;
    expect(found.confidence).toBe('likely');
    expect(found.evidence).toContain(
      'live: connection "sc-prod" is gated by: Approval by [web]\\Release Approvers; Branch control (allowed: refs/heads/main; a run from another branch fails it)',
    );
  });

  it('confirms a deleted app', async () => {
    const { app } = seed();
    fake.state.deleteApplication(app.id);
    const text = `AADSTS700016: Application with identifier '${app.appId}' was not found in the directory 'Contoso'.`;
    const [top] = (await diagnose(clients, { text, project: 'web', connectionName: 'sc-prod' }))._unsafeUnwrap();
    expect(top).toMatchObject({ cause: 'AppNotFound', confidence: 'certain' });
    expect(top?.evidence.some((e) => e.startsWith('live: no application'))).toBe(true);
  });

  it("on a managed identity: compares the identity's credentials when told which it is, and says it is one when not", async () => {
    fake.state.addProject('web');
    const sub = fake.state.subscriptionId;
    const identity = fake.state.governance.addManagedIdentity({ subscriptionId: sub, resourceGroup: 'rg-id', name: 'id-sc-mi' });
    fake.state.addManagedIdentityServicePrincipal({ appId: identity.clientId, id: identity.principalId, displayName: identity.name });
    const sc = fake.state.addServiceEndpoint({ name: 'sc-mi', projects: 'web', servicePrincipalId: identity.clientId });
    const fed = fake.state.federation(sc.id)!;
    const subject = fed.subject.replace(/[^/]+$/, (last) => last.toUpperCase());
    fake.state.governance.setManagedIdentityCredential(identity, { name: 'ado-sc-mi', issuer: fed.issuer, subject });

    const told = (
      await diagnose(clients, {
        text: NO_MATCH,
        project: 'web',
        connectionName: 'sc-mi',
        managedIdentity: { subscriptionId: sub, resourceGroup: 'rg-id', name: 'id-sc-mi' },
      })
    )._unsafeUnwrap();
    expect(told[0]).toMatchObject({ cause: 'SubjectMismatch', confidence: 'certain' });
    expect(told[0]?.summary).toContain('differs only in letter case');
    expect(told.map((d) => d.cause)).not.toContain('AppNotFound');

    const untold = (await diagnose(clients, { text: NO_MATCH, project: 'web', connectionName: 'sc-mi' }))._unsafeUnwrap();
    expect(untold.map((d) => d.cause)).not.toContain('AppNotFound');
    expect(untold[0]?.evidence.some((e) => e.includes(`is the client id of managed identity id-sc-mi`))).toBe(true);
  });

  it("on a user-assigned identity whose principal names it (alternativeNames), compares the identity's credentials untold", async () => {
    fake.state.addProject('web');
    const sub = fake.state.subscriptionId;
    const identity = fake.state.governance.addManagedIdentity({ subscriptionId: sub, resourceGroup: 'rg-id', name: 'id-sc-named' });
    fake.state.addManagedIdentityServicePrincipal({
      appId: identity.clientId,
      id: identity.principalId,
      displayName: identity.name,
      resourceId: `/subscriptions/${sub}/resourcegroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-sc-named`,
    });
    const sc = fake.state.addServiceEndpoint({ name: 'sc-named', projects: 'web', servicePrincipalId: identity.clientId });
    const fed = fake.state.federation(sc.id)!;
    const subject = fed.subject.replace(/[^/]+$/, (last) => last.toUpperCase());
    fake.state.governance.setManagedIdentityCredential(identity, { name: 'ado-sc-named', issuer: fed.issuer, subject });

    const found = (await diagnose(clients, { text: NO_MATCH, project: 'web', connectionName: 'sc-named' }))._unsafeUnwrap();
    expect(found[0]).toMatchObject({ cause: 'SubjectMismatch', confidence: 'certain' });
    expect(found[0]?.summary).toContain('differs only in letter case');
    expect(found.map((d) => d.cause)).not.toContain('AppNotFound');
  });

  it('notes a live read it could not make instead of failing', async () => {
    const { app, sp, sub } = seed();
    server.use(
      http.get('https://management.azure.com/*', () =>
        serviceError('arm', 403, 'AuthorizationFailed', 'The operator may not read role assignments.'),
      ),
    );
    const [top] = (
      await diagnose(clients, { text: denied(app.appId, sp.id, `${sub}/resourceGroups/rg-api`), project: 'web', connectionName: 'sc-prod' })
    )._unsafeUnwrap();
    expect(top?.cause).toBe('RoleAssignmentMissing');
    expect(top?.evidence.join(' ')).toMatch(/live read of role assignments not possible: arm GET roleAssignments failed with 403/);
  });

  it('is diagnoseText without clients or without a connection, and sends nothing', async () => {
    seed();
    expect((await diagnose(undefined, { text: NO_MATCH, project: 'web', connectionName: 'sc-prod' }))._unsafeUnwrap()).toEqual(
      diagnoseText(NO_MATCH),
    );
    expect((await diagnose(clients, { text: NO_MATCH, project: 'web' }))._unsafeUnwrap()).toEqual(diagnoseText(NO_MATCH));
    expect(fake.requests).toEqual([]);
  });

  it('refuses bad input before sending anything', async () => {
    const e = (await diagnose(clients, { text: NO_MATCH, project: 'web', connectionId: 'not-a-guid' }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'Validation', problems: [{ path: 'connectionId' }] });
    const badIdentity = (
      await diagnose(clients, {
        text: NO_MATCH,
        project: 'web',
        connectionName: 'sc-prod',
        managedIdentity: { subscriptionId: '11111111-2222-3333-4444-555555555555', resourceGroup: 'rg-id', name: 'x' },
      })
    )._unsafeUnwrapErr();
    expect(badIdentity).toMatchObject({ kind: 'Validation', problems: [{ path: 'managedIdentity.name' }] });
    expect(fake.requests).toEqual([]);
  });
});
