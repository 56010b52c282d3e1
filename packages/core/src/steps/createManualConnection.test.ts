import { TEST_TENANT_ID } from '@wif/testing';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { createManualConnection, type CreateManualConnectionInput } from './createManualConnection';

const { fake, server, clients } = useFake({ clients: createClients });
const { devops } = clients;

const APP_ID = '3f1c2a9e-7b64-4d0a-9a51-2f6e8c0d1b42';
const SUB = '11111111-2222-3333-4444-555555555555';

function input(overrides: Partial<CreateManualConnectionInput> = {}): CreateManualConnectionInput {
  return {
    project: 'platform',
    name: 'sc-platform-prod',
    tenantId: TEST_TENANT_ID,
    appId: APP_ID,
    target: { level: 'subscription', subscriptionId: SUB, subscriptionName: 'Platform Prod' },
    ...overrides,
  };
}

const writes = () => fake.requests.filter((r) => r.method !== 'GET');

describe('createManualConnection', () => {
  it.each(['entra', 'legacy'] as const)('creates the connection and reads the %s issuer and subject back', async (issuerMode) => {
    fake.setOptions({ issuerMode });
    const project = fake.state.addProject('platform');
    const r = await createManualConnection({ devops }, input());
    const { outcome, value } = r._unsafeUnwrap();
    expect(outcome).toBe('created');
    const [endpoint] = fake.state.serviceEndpoints();
    const federation = fake.state.federation(endpoint!.id)!;
    expect(value).toMatchObject({
      id: endpoint!.id,
      name: 'sc-platform-prod',
      projectId: project.id,
      projectName: 'platform',
      issuer: federation.issuer,
      subject: federation.subject,
      issuerFormat: issuerMode,
      isReady: true,
    });
    expect(endpoint).toMatchObject({
      scheme: 'WorkloadIdentityFederation',
      parameters: { tenantid: TEST_TENANT_ID, serviceprincipalid: APP_ID },
    });
    expect(endpoint!.data).toMatchObject({
      scopeLevel: 'Subscription',
      subscriptionId: SUB,
      subscriptionName: 'Platform Prod',
      creationMode: 'Manual',
    });
  });

  it.each([
    [
      { level: 'resourceGroup', subscriptionId: SUB, subscriptionName: 'Platform Prod', resourceGroupName: 'rg-platform-prod' } as const,
      { scopeLevel: 'Subscription', subscriptionId: SUB, resourceGroupName: 'rg-platform-prod' },
    ],
    [
      { level: 'managementGroup', managementGroupId: 'mg-platform', managementGroupName: 'Platform' } as const,
      { scopeLevel: 'ManagementGroup', managementGroupId: 'mg-platform', managementGroupName: 'Platform' },
    ],
  ])('targets a %o', async (target, data) => {
    fake.state.addProject('platform');
    const r = await createManualConnection({ devops }, input({ target }));
    expect(r._unsafeUnwrap().outcome).toBe('created');
    expect(fake.state.serviceEndpoints()[0]!.data).toMatchObject({ ...data, creationMode: 'Manual' });
    // Re-run: the same target is no drift.
    expect((await createManualConnection({ devops }, input({ target })))._unsafeUnwrap().outcome).toBe('unchanged');
  });

  it('rejects a resource group name the service would not accept, sending nothing', async () => {
    const before = fake.requests.length;
    const r = await createManualConnection(
      { devops },
      input({ target: { level: 'resourceGroup', subscriptionId: SUB, subscriptionName: 'P', resourceGroupName: 'rg.' } }),
    );
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'Validation', problems: [{ path: 'target.resourceGroupName' }] });
    expect(fake.requests.length).toBe(before);
  });

  it('is unchanged on a re-run and writes nothing', async () => {
    fake.state.addProject('platform');
    const first = (await createManualConnection({ devops }, input()))._unsafeUnwrap();
    const second = await createManualConnection({ devops }, input());
    expect(second._unsafeUnwrap()).toEqual({ outcome: 'unchanged', value: first.value });
    expect(writes().map((w) => w.operation)).toEqual(['serviceEndpoints.create']);
  });

  it('repairs a drifted target with a PUT: updated', async () => {
    fake.state.addProject('platform');
    const first = (await createManualConnection({ devops }, input()))._unsafeUnwrap();
    const endpoint = fake.state.serviceEndpoint(first.value.id)!;
    endpoint.data['subscriptionName'] = 'Renamed in the portal';
    const r = await createManualConnection({ devops }, input());
    expect(r._unsafeUnwrap()).toMatchObject({ outcome: 'updated', value: { id: first.value.id, subject: first.value.subject } });
    expect(endpoint.data['subscriptionName']).toBe('Platform Prod');
    expect(writes().map((w) => [w.operation, w.method])).toEqual([
      ['serviceEndpoints.create', 'POST'],
      ['serviceEndpoints.update', 'PUT'],
    ]);
  });

  it('reports what the service says after a repair moved a legacy connection to the Entra issuer', async () => {
    fake.state.addProject('platform');
    const seeded = fake.state.addServiceEndpoint({
      name: 'sc-platform-prod',
      projects: 'platform',
      servicePrincipalId: APP_ID,
      federation: 'legacy',
      data: { subscriptionId: SUB },
    });
    const r = await createManualConnection({ devops }, input());
    const { outcome, value } = r._unsafeUnwrap();
    expect(outcome).toBe('updated');
    expect(value).toMatchObject({
      id: seeded.id,
      issuerFormat: 'entra',
      issuer: fake.state.federation(seeded.id)!.issuer,
      subject: fake.state.federation(seeded.id)!.subject,
    });
  });

  it.each([
    ['a client secret', { scheme: 'ServicePrincipal', servicePrincipalId: APP_ID }, 'UsesSecret'],
    ['another app', { servicePrincipalId: '9d2f6c1b-0000-4000-8000-000000000001' }, 'OtherApp'],
    ['another tenant', { servicePrincipalId: APP_ID, tenantId: '9d2f6c1b-0000-4000-8000-000000000002' }, 'OtherTenant'],
  ])('refuses to adopt a connection of that name on %s', async (_, seed, reason) => {
    fake.state.addProject('platform');
    const seeded = fake.state.addServiceEndpoint({ name: 'sc-platform-prod', projects: 'platform', ...seed });
    const r = await createManualConnection({ devops }, input());
    expect(r._unsafeUnwrapErr()).toMatchObject({
      kind: 'ConnectionConflict',
      reason,
      connectionId: seeded.id,
      name: 'sc-platform-prod',
      project: 'platform',
    });
    expect(writes()).toHaveLength(0);
  });

  it('adopts the winner when another run creates the same name between our read and our write', async () => {
    fake.state.addProject('platform');
    let winnerId: string | undefined;
    server.use(
      http.post('https://dev.azure.com/contoso/_apis/serviceendpoint/endpoints', () => {
        // The other run's connection lands first; the fake then answers 500 DuplicateServiceConnectionException.
        winnerId ??= fake.state.addServiceEndpoint({
          name: 'sc-platform-prod',
          projects: 'platform',
          servicePrincipalId: APP_ID,
          data: { subscriptionId: SUB, subscriptionName: 'Platform Prod' },
        }).id;
      }),
    );
    const r = await createManualConnection({ devops }, input());
    expect(r._unsafeUnwrap()).toMatchObject({ outcome: 'unchanged', value: { id: winnerId } });
    expect(fake.state.serviceEndpoints()).toHaveLength(1);
    expect(writes().map((w) => w.status)).toEqual([500]);
  });

  it('refuses a racing winner that is bound to another app', async () => {
    fake.state.addProject('platform');
    server.use(
      http.post('https://dev.azure.com/contoso/_apis/serviceendpoint/endpoints', () => {
        if (fake.state.serviceEndpoints().length === 0) {
          fake.state.addServiceEndpoint({
            name: 'sc-platform-prod',
            projects: 'platform',
            servicePrincipalId: '9d2f6c1b-0000-4000-8000-000000000001',
          });
        }
      }),
    );
    const r = await createManualConnection({ devops }, input());
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'ConnectionConflict', reason: 'OtherApp' });
  });

  it('passes on the duplicate-name answer when the name is held by a connection the caller cannot see', async () => {
    fake.state.addProject('platform');
    server.use(
      http.post('https://dev.azure.com/contoso/_apis/serviceendpoint/endpoints', () =>
        HttpResponse.json(
          {
            $id: '1',
            innerException: null,
            message:
              'Service connection with name sc-platform-prod already exists. Only a user having Administrator/User role permissions on service connection sc-platform-prod can see it.',
            typeName:
              'Microsoft.VisualStudio.Services.ServiceEndpoints.WebApi.DuplicateServiceConnectionException, Microsoft.VisualStudio.Services.ServiceEndpoints.WebApi',
            typeKey: 'DuplicateServiceConnectionException',
            errorCode: 0,
            eventId: 3000,
          },
          { status: 500 },
        ),
      ),
    );
    const e = (await createManualConnection({ devops }, input()))._unsafeUnwrapErr();
    expect(e).toMatchObject({ service: 'devops', status: 500, code: 'DuplicateServiceConnectionException', retryable: false });
    expect(e.message).toMatch(/permissions on service connection sc-platform-prod/);
    // Read, create (refused), read again — and no second create.
    expect(fake.requests.map((q) => q.operation)).toEqual([
      'projects.get',
      'serviceEndpoints.list',
      'projects.get',
      'serviceEndpoints.list',
    ]);
  });

  it('returns NotFound for an unknown project', async () => {
    const r = await createManualConnection({ devops }, input({ project: 'nope' }));
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'NotFound', service: 'devops', code: 'ProjectDoesNotExistWithNameException' });
    expect(writes()).toHaveLength(0);
  });

  it('refuses invalid input before sending anything', async () => {
    const r = await createManualConnection(
      { devops },
      input({ name: 'sc-prod ', appId: 'not-a-guid', target: { level: 'subscription', subscriptionId: SUB, subscriptionName: '' } }),
    );
    const e = r._unsafeUnwrapErr();
    expect(e.kind === 'Validation' && e.problems.map((p) => p.path).sort()).toEqual(['appId', 'name', 'target.subscriptionName']);
    expect(fake.requests).toHaveLength(0);
  });
});
