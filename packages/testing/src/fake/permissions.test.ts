import { describe, expect, it } from 'vitest';
import { useFreshFakes } from '../vitest/_freshFakes';
import { makeTestToken } from '../credential';
import { ARM, call, DEVOPS, GRAPH } from './_testClient';

const { start } = useFreshFakes();

const SUB = '/subscriptions/11111111-1111-4111-8111-111111111111';
const RG = `${SUB}/resourceGroups/rg-web-prod`;
const WRITE = 'Microsoft.Authorization/roleAssignments/write';
const permissionsAt = (scope: string) => call('GET', `${ARM}${scope}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`);
const evaluate = (evaluations: unknown[]) =>
  call('POST', `${DEVOPS}/_apis/security/permissionevaluationbatch?api-version=7.1`, {
    json: { alwaysAllowAdministrators: false, evaluations },
  });
const NS = '49b48001-ca20-4adc-8111-5b60c903a50c';

describe('the fake plays a caller who lacks permissions', () => {
  it('ARM: the permissions read names the denied action in notActions, and the write is refused with AuthorizationFailed', async () => {
    const fake = start();
    expect((await permissionsAt(RG)).body.value).toEqual([{ actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }]);
    fake.setPermissions({ deny: [`arm:${WRITE}@${RG}`] });
    expect((await permissionsAt(RG)).body.value[0].notActions).toEqual([WRITE]);
    expect((await permissionsAt(SUB)).body.value[0].notActions).toEqual([]);
    const put = await call(
      'PUT',
      `${ARM}${RG}/providers/Microsoft.Authorization/roleAssignments/44444444-4444-4444-8444-444444444444?api-version=2022-04-01`,
      {
        json: {
          properties: {
            roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c',
            principalId: '55555555-5555-4555-8555-555555555555',
            principalType: 'ServicePrincipal',
          },
        },
      },
    );
    expect(put.status).toBe(403);
    expect(put.body.error.code).toBe('AuthorizationFailed');
    expect(put.body.error.message).toContain(`perform action '${WRITE}' over scope '${RG}'`);
    expect(fake.state.roleAssignments()).toHaveLength(0);
  });

  it('Azure DevOps: Create denied in one project answers false there only, and the create is refused there only', async () => {
    const fake = start();
    const web = fake.state.addProject('web');
    const api = fake.state.addProject('api');
    fake.setPermissions({ deny: ['devops:ServiceEndpoints/Create@web'] });
    const answers = await evaluate([
      { securityNamespaceId: NS, token: `endpoints/${web.id}`, permissions: 4 },
      { securityNamespaceId: NS, token: `endpoints/${api.id}`, permissions: 4 },
      { securityNamespaceId: NS, token: `endpoints/${web.id}`, permissions: 2 },
    ]);
    expect(answers.body.evaluations.map((e: { value: boolean }) => e.value)).toEqual([false, true, true]);
    const body = (projectId: string) => ({
      data: {
        subscriptionId: '11111111-1111-4111-8111-111111111111',
        subscriptionName: 'Sub',
        environment: 'AzureCloud',
        scopeLevel: 'Subscription',
        creationMode: 'Manual',
      },
      name: 'conn',
      type: 'AzureRM',
      url: 'https://management.azure.com/',
      authorization: {
        scheme: 'WorkloadIdentityFederation',
        parameters: { tenantid: fake.state.tenantId, serviceprincipalid: '00001111-aaaa-2222-bbbb-3333cccc4444' },
      },
      isShared: false,
      isReady: true,
      serviceEndpointProjectReferences: [{ projectReference: { id: projectId, name: 'x' }, name: 'conn' }],
    });
    const refused = await call('POST', `${DEVOPS}/_apis/serviceendpoint/endpoints?api-version=7.1`, { json: body(web.id) });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('You need to be a Creator for service connections in this project.');
    const created = await call('POST', `${DEVOPS}/_apis/serviceendpoint/endpoints?api-version=7.1`, { json: body(api.id) });
    expect(created.status).toBe(200);
    expect(fake.state.serviceEndpoints()).toHaveLength(1);
  });

  it('Azure DevOps: refuses a batch without evaluations', async () => {
    start();
    expect((await evaluate([])).status).toBe(400);
  });

  it('Graph: the caller claims drop the denied scope, and Graph refuses the write with Authorization_RequestDenied', async () => {
    const fake = start();
    const scope = 'https://graph.microsoft.com/.default';
    expect(fake.callerClaims(scope)['scp']).toContain('Application.ReadWrite.All');
    fake.setPermissions({ deny: ['graph:Application.ReadWrite.All'] });
    const claims = fake.callerClaims(scope);
    expect(claims['scp']).not.toContain('Application.ReadWrite.All');
    const refused = await call('POST', `${GRAPH}/applications`, { json: { displayName: 'x' }, token: makeTestToken(scope, claims) });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('Authorization_RequestDenied');
    // Even a token that still claims the permission is refused: the deny list wins.
    expect((await call('POST', `${GRAPH}/applications`, { json: { displayName: 'x' } })).status).toBe(403);
    fake.setPermissions({ deny: [] });
    expect((await call('POST', `${GRAPH}/applications`, { json: { displayName: 'x' } })).status).toBe(201);
  });

  it('Graph: an app-only caller holds OwnedBy until it is denied; the tenant policy is served', async () => {
    const fake = start();
    const scope = 'https://graph.microsoft.com/.default';
    fake.setPermissions({ deny: [], appOnly: true, allowedToCreateApps: false });
    expect(fake.callerClaims(scope)).toMatchObject({ idtyp: 'app', roles: ['Application.ReadWrite.OwnedBy'] });
    expect(
      (await call('POST', `${GRAPH}/applications`, { json: { displayName: 'x' }, token: makeTestToken(scope, fake.callerClaims(scope)) }))
        .status,
    ).toBe(201);
    // A user (delegated) caller may not register apps when the tenant says no.
    expect((await call('POST', `${GRAPH}/applications`, { json: { displayName: 'y' } })).status).toBe(403);
    expect((await call('GET', `${GRAPH}/policies/authorizationPolicy`)).body.defaultUserRolePermissions.allowedToCreateApps).toBe(false);
    fake.setPermissions({ deny: ['graph:Application.ReadWrite.OwnedBy'], appOnly: true });
    expect(fake.callerClaims(scope)['roles']).toEqual([]);
    expect(
      (await call('POST', `${GRAPH}/applications`, { json: { displayName: 'z' }, token: makeTestToken(scope, fake.callerClaims(scope)) }))
        .status,
    ).toBe(403);
  });

  it('refuses deny entries it does not understand, naming each', () => {
    const fake = start();
    expect(() => fake.setPermissions({ deny: ['devops:ServiceEndpoints/Fly', 'graph:Mail.Send', 'nope'] })).toThrow(
      /Fly.*Mail\.Send.*nope/,
    );
    expect(fake.deniedPermissions).toEqual([]);
    fake.setPermissions({ deny: ['devops:ServiceEndpoints/create@web'] });
    expect(fake.deniedPermissions).toEqual(['devops:ServiceEndpoints/create@web']);
    fake.reset();
    expect(fake.deniedPermissions).toEqual([]);
  });
});
