import { devopsContractHandlers, loadFixture } from '@wif/testing';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ORG, testClient, useContractServer } from '../../test/server';
import type { ServiceEndpoint, ServiceEndpointCreate } from '../schemas/serviceEndpoint';
import { getConnectionData } from './connectionData';
import {
  authParameter,
  createServiceEndpoint,
  deleteServiceEndpoint,
  getServiceEndpoint,
  getServiceEndpointsByNames,
  listServiceEndpoints,
  shareServiceEndpoint,
  updateServiceEndpoint,
  workloadIdentity,
} from './serviceEndpoints';

const ORG_ID = '7c1f4a52-3f3e-4d5c-9a4e-2b0d3e6f9a10';
const { server, seen } = useContractServer({ organizationId: ORG_ID });

interface Example<B = unknown> {
  parameters: { body: B };
  responses: { '200': { body: ServiceEndpoint } };
}
const wifRequest = loadFixture<ServiceEndpointCreate>('ado-docs-wif-create-request.json');
const spnExample = loadFixture<Example<ServiceEndpointCreate>>('ado-serviceEndpoint-7.1-CreateAzureRMEndpoint.json');
const detailsExample = loadFixture<Example>('ado-serviceEndpoint-7.1-GetServiceEndpointDetails.json');
const PROJECT_ID = wifRequest.serviceEndpointProjectReferences[0]!.projectReference.id;
const ENDPOINT_ID = detailsExample.responses['200'].body.id;
const ENDPOINTS_URL = `https://dev.azure.com/${ORG}/_apis/serviceendpoint/endpoints`;

describe('createServiceEndpoint', () => {
  it('creates a manual WIF connection and reads back the Entra issuer and subject the service generated', async () => {
    const { client } = testClient();
    const created = (await createServiceEndpoint(client, wifRequest))._unsafeUnwrap();
    const tenantId = wifRequest.authorization.parameters['tenantid'];
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.name).toBe(wifRequest.name);
    expect(workloadIdentity(created)).toEqual({
      issuer: `https://login.microsoftonline.com/${tenantId}/v2.0`,
      subject: expect.stringMatching(new RegExp(`^/eid1/c/pub/t/[A-Za-z0-9_-]{22}/a/rISbSSETf0KqFyZ8ppdXmA/sc/${ORG_ID}/${created.id}$`)),
      issuerType: 'EntraID',
    });
    // The subject embeds the organization id that connectionData reports.
    const { instanceId } = (await getConnectionData(client))._unsafeUnwrap();
    expect(workloadIdentity(created).subject).toContain(`/sc/${instanceId}/`);
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.url.pathname).toBe(`/${ORG}/_apis/serviceendpoint/endpoints`);
    expect(seen[0]?.url.searchParams.get('api-version')).toBe('7.1');
    expect(JSON.parse(seen[0]!.body)).toEqual(wifRequest);
  });

  it('ignores issuer and subject sent by the client: they cannot be set by the user', async () => {
    const { client } = testClient();
    const forged = {
      ...wifRequest,
      authorization: {
        ...wifRequest.authorization,
        parameters: {
          ...wifRequest.authorization.parameters,
          WorkloadIdentityFederationIssuer: 'https://evil.example',
          workloadidentityfederationsubject: 'me',
        },
      },
    };
    const created = (await createServiceEndpoint(client, forged))._unsafeUnwrap();
    expect(workloadIdentity(created).issuer).not.toBe('https://evil.example');
    expect(workloadIdentity(created).subject).not.toBe('me');
  });

  it('reads the legacy Azure DevOps issuer format when the service answers with it', async () => {
    server.use(...devopsContractHandlers({ organizationId: ORG_ID, issuerFormat: 'vstoken' }));
    const { client } = testClient();
    const created = (await createServiceEndpoint(client, wifRequest))._unsafeUnwrap();
    const reference = wifRequest.serviceEndpointProjectReferences[0]!;
    expect(workloadIdentity(created)).toEqual({
      issuer: `https://vstoken.dev.azure.com/${ORG_ID}`,
      subject: `sc://${ORG}/${reference.projectReference.name}/${reference.name}`,
    });
  });

  it('parses a secret-based connection whose key comes back null, and never exposes the key', async () => {
    const { client } = testClient();
    const created = (await createServiceEndpoint(client, spnExample.parameters.body))._unsafeUnwrap();
    expect(created.authorization?.scheme).toBe('ServicePrincipal');
    expect(created.authorization?.parameters?.['serviceprincipalkey']).toBeNull();
    expect(authParameter(created, 'serviceprincipalkey')).toBeUndefined();
    expect(JSON.stringify(created)).not.toContain('SomePassword');
  });

  it.each([
    [
      'no tenantid',
      {
        ...wifRequest,
        authorization: { scheme: 'WorkloadIdentityFederation', parameters: { serviceprincipalid: 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' } },
      },
      'tenantid',
    ],
    ['no project reference', { ...wifRequest, serviceEndpointProjectReferences: [] }, 'project reference'],
    ['automatic creation mode', { ...wifRequest, data: { ...wifRequest.data, creationMode: 'Automatic' } }, 'creationMode'],
    ['an unknown scheme', { ...wifRequest, authorization: { ...wifRequest.authorization, scheme: 'Magic' } }, 'Magic'],
  ])('is rejected by the handler with %s (400, not retried)', async (_name, body, mentions) => {
    const { client } = testClient();
    const error = (await createServiceEndpoint(client, body))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'BadRequest', status: 400, code: 'ArgumentException', retryable: false });
    expect(error.message).toContain(mentions);
    expect(seen).toHaveLength(1);
  });

  it('maps a duplicate name (HTTP 500 DuplicateServiceConnectionException) to a permanent error, sent once', async () => {
    server.use(
      http.post(ENDPOINTS_URL, () =>
        HttpResponse.json(
          {
            $id: '1',
            innerException: null,
            message: `Service connection with name ${wifRequest.name} already exists. Only a user having Administrator/User role permissions on service connection ${wifRequest.name} can see it.`,
            typeName:
              'Microsoft.VisualStudio.Services.ServiceEndpoints.WebApi.DuplicateServiceConnectionException, Microsoft.VisualStudio.Services.ServiceEndpoints.WebApi',
            typeKey: 'DuplicateServiceConnectionException',
            errorCode: 0,
            eventId: 3000,
          },
          { status: 500, headers: { 'x-vss-e2eid': 'e2e-dup-1' } },
        ),
      ),
    );
    const { client } = testClient();
    const error = (await createServiceEndpoint(client, wifRequest))._unsafeUnwrapErr();
    expect(error).toMatchObject({
      kind: 'ServiceUnavailable',
      status: 500,
      code: 'DuplicateServiceConnectionException',
      requestId: 'e2e-dup-1',
      retryable: false,
    });
    expect(seen).toHaveLength(1);
  });
});

describe('getServiceEndpointsByNames / listServiceEndpoints', () => {
  it('finds connections by name in a project (comma-joined names, the {count,value} wrapper unwrapped)', async () => {
    const { client } = testClient();
    const found = (
      await getServiceEndpointsByNames(client, PROJECT_ID, ['MyNewServiceEndpoint', 'sc b'], { type: 'azurerm', includeFailed: true })
    )._unsafeUnwrap();
    expect(found.map((e) => [e.name, e.type])).toEqual([
      ['MyNewServiceEndpoint', 'azurerm'],
      ['sc b', 'azurerm'],
    ]);
    const url = seen[0]!.url;
    expect(url.pathname).toBe(`/${ORG}/${PROJECT_ID}/_apis/serviceendpoint/endpoints`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      endpointNames: 'MyNewServiceEndpoint,sc b',
      type: 'azurerm',
      includeFailed: 'true',
      'api-version': '7.1',
    });
  });

  it('sends no request for no names', async () => {
    const { client } = testClient();
    expect((await getServiceEndpointsByNames(client, PROJECT_ID, []))._unsafeUnwrap()).toEqual([]);
    expect(seen).toHaveLength(0);
  });

  it('lists with type and authSchemes filters (the audit query)', async () => {
    const { client } = testClient();
    const all = (await listServiceEndpoints(client, 'TestProject'))._unsafeUnwrap();
    const legacy = (
      await listServiceEndpoints(client, 'TestProject', {
        type: 'azurerm',
        authSchemes: ['ServicePrincipal'],
        includeFailed: true,
        includeDetails: true,
      })
    )._unsafeUnwrap();
    expect(all.length).toBeGreaterThan(legacy.length);
    expect(legacy.map((e) => e.id)).toEqual([spnExample.responses['200'].body.id]);
    expect(Object.fromEntries(seen[1]!.url.searchParams)).toEqual({
      type: 'azurerm',
      authSchemes: 'ServicePrincipal',
      includeFailed: 'true',
      includeDetails: 'true',
      'api-version': '7.1',
    });
  });
});

describe('getServiceEndpoint', () => {
  it('reads one connection on the project-level route', async () => {
    const { client } = testClient();
    const endpoint = (await getServiceEndpoint(client, 'DefaultAgileGitProject', ENDPOINT_ID))._unsafeUnwrap();
    expect(endpoint).toMatchObject({ id: ENDPOINT_ID, name: 'MyNewServiceEndpoint', type: 'Generic' });
    expect(seen[0]?.url.pathname).toBe(`/${ORG}/DefaultAgileGitProject/_apis/serviceendpoint/endpoints/${ENDPOINT_ID}`);
  });

  it.each([
    ['200 with an empty body', () => new HttpResponse(null, { status: 200 }), 200],
    ['200 with null', () => HttpResponse.json(null), 200],
    [
      '404',
      () => HttpResponse.json({ message: 'Service endpoint not found.', typeKey: 'ServiceEndpointNotFoundException' }, { status: 404 }),
      404,
    ],
  ])('maps a missing connection answered %s to NotFound', async (_name, reply, status) => {
    server.use(http.get(`https://dev.azure.com/${ORG}/:project/_apis/serviceendpoint/endpoints/:id`, reply));
    const { client } = testClient();
    const error = (await getServiceEndpoint(client, 'TestProject', ENDPOINT_ID))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'NotFound', service: 'devops', status, retryable: false });
  });
});

describe('updateServiceEndpoint', () => {
  it('PUTs the whole object back: fields this package does not model survive the round trip', async () => {
    const { client } = testClient();
    const current = (await getServiceEndpoint(client, 'TestProject', ENDPOINT_ID))._unsafeUnwrap();
    expect(current.createdBy?.['_links']).toBeDefined();
    const updated = (
      await updateServiceEndpoint(client, ENDPOINT_ID, { ...current, description: 'changed', futureField: { kept: true } })
    )._unsafeUnwrap();
    const sent = JSON.parse(seen[1]!.body) as Record<string, unknown>;
    expect(sent['futureField']).toEqual({ kept: true });
    expect((sent['createdBy'] as Record<string, unknown>)['_links']).toEqual(current.createdBy?.['_links']);
    expect(updated).toMatchObject({ id: ENDPOINT_ID, description: 'changed', futureField: { kept: true } });
    expect(seen[1]?.method).toBe('PUT');
    expect(seen[1]?.url.pathname).toBe(`/${ORG}/_apis/serviceendpoint/endpoints/${ENDPOINT_ID}`);
    expect(seen[1]?.url.search).toBe('?api-version=7.1');
  });

  it('converts an automatic connection on the project-level route with operation=ConvertAuthenticationScheme', async () => {
    const { client } = testClient();
    const automatic: ServiceEndpoint = {
      ...spnExample.responses['200'].body,
      data: { ...spnExample.responses['200'].body.data, creationMode: 'Automatic', revertSchemeDeadline: '2025-01-01T00:00:00Z' },
    };
    const { revertSchemeDeadline: _dropped, ...data } = automatic.data ?? {};
    const converted = (
      await updateServiceEndpoint(
        client,
        automatic.id,
        {
          ...automatic,
          data,
          authorization: { scheme: 'WorkloadIdentityFederation', parameters: automatic.authorization?.parameters ?? {} },
        },
        { operation: 'ConvertAuthenticationScheme', project: 'TestProject' },
      )
    )._unsafeUnwrap();
    expect(converted.authorization?.scheme).toBe('WorkloadIdentityFederation');
    expect(workloadIdentity(converted).subject).toContain(`/sc/${ORG_ID}/${automatic.id}`);
    expect(seen[0]?.url.pathname).toBe(`/${ORG}/TestProject/_apis/serviceendpoint/endpoints/${automatic.id}`);
    expect(seen[0]?.url.searchParams.get('operation')).toBe('ConvertAuthenticationScheme');
  });

  it('is rejected by the handler when converting a manual connection, or when the body id differs from the URL', async () => {
    const { client } = testClient();
    const manual = spnExample.responses['200'].body;
    const convert = await updateServiceEndpoint(client, manual.id, manual, {
      operation: 'ConvertAuthenticationScheme',
      project: 'TestProject',
    });
    expect(convert._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', status: 400 });
    const mismatch = await updateServiceEndpoint(client, ENDPOINT_ID, manual);
    expect(mismatch._unsafeUnwrapErr().message).toContain('does not match');
  });
});

describe('shareServiceEndpoint / deleteServiceEndpoint', () => {
  it('shares with a PATCH of project references (204)', async () => {
    const { client } = testClient();
    const references = [
      { projectReference: { id: '184fda7e-3559-4b3c-afa0-1b6998330f84', name: 'TestProject2' }, name: 'MySharedServiceConnection' },
    ];
    expect((await shareServiceEndpoint(client, ENDPOINT_ID, references))._unsafeUnwrap()).toBeUndefined();
    expect(seen[0]?.method).toBe('PATCH');
    expect(JSON.parse(seen[0]!.body)).toEqual(references);
    const empty = await shareServiceEndpoint(client, ENDPOINT_ID, []);
    expect(empty._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest' });
  });

  it('deletes from the given projects and sends deep=true only when asked', async () => {
    const { client } = testClient();
    expect((await deleteServiceEndpoint(client, ENDPOINT_ID, [PROJECT_ID, '184fda7e-3559-4b3c-afa0-1b6998330f84'])).isOk()).toBe(true);
    expect((await deleteServiceEndpoint(client, ENDPOINT_ID, [PROJECT_ID], { deep: false })).isOk()).toBe(true);
    expect((await deleteServiceEndpoint(client, ENDPOINT_ID, [PROJECT_ID], { deep: true })).isOk()).toBe(true);
    expect(seen.map((r) => r.url.searchParams.get('deep'))).toEqual([null, null, 'true']);
    expect(seen[0]?.url.searchParams.get('projectIds')).toBe(`${PROJECT_ID},184fda7e-3559-4b3c-afa0-1b6998330f84`);
    expect(seen[0]?.method).toBe('DELETE');
  });

  it('is rejected by the handler without projectIds', async () => {
    const { client } = testClient();
    const error = (await deleteServiceEndpoint(client, ENDPOINT_ID, []))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'BadRequest', code: 'ArgumentException' });
    expect(error.message).toContain('projectIds');
  });
});

describe('authParameter / workloadIdentity', () => {
  const endpoint = {
    authorization: {
      scheme: 'WorkloadIdentityFederation',
      parameters: loadFixture<Record<string, string>>('ado-docs-wif-create-response-authorization-parameters.json'),
    },
  };

  it('reads parameters case-insensitively', () => {
    expect(authParameter(endpoint, 'TenantId')).toBe('aaaabbbb-0000-cccc-1111-dddd2222eeee');
    expect(authParameter(endpoint, 'WORKLOADIDENTITYFEDERATIONISSUERTYPE')).toBe('EntraID');
    expect(authParameter(endpoint, 'missing')).toBeUndefined();
    expect(authParameter({ authorization: null }, 'tenantid')).toBeUndefined();
  });

  it('reads issuer, subject and issuer type, leaving out what is absent', () => {
    expect(workloadIdentity(endpoint)).toEqual({
      issuer: 'https://login.microsoftonline.com/aaaabbbb-0000-cccc-1111-dddd2222eeee/v2.0',
      subject: '<federation-subject>',
      issuerType: 'EntraID',
    });
    expect(workloadIdentity({ authorization: { scheme: 'ServicePrincipal', parameters: { tenantid: 't' } } })).toEqual({});
  });
});
