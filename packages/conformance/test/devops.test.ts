/**
 * azure-devops-node-api, unchanged, against the emulator: every typed call first discovers its
 * resource location (OPTIONS {org}/_apis/{area}) and resource area (GET _apis/ResourceAreas), then
 * builds its URL from the location's route template and negotiates the api-version from its range.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { makeTestToken } from '@wif/testing';
import { getBearerHandler, WebApi } from 'azure-devops-node-api';
import type { ServiceEndpoint } from 'azure-devops-node-api/interfaces/ServiceEndpointInterfaces';
import { beforeAll, describe, expect, it } from 'vitest';
import { emulator, health, type Health, orgUrl, unique } from './_emulator';

const DEVOPS_SCOPE = '499b84ac-1321-427f-aa17-267ca6975798/.default';

/** A client as a user would make one: a bearer token, and the emulator's CA named explicitly. */
function webApi(): WebApi {
  return new WebApi(orgUrl, getBearerHandler(makeTestToken(DEVOPS_SCOPE)), { cert: { caFile: emulator.caFile } });
}

describe('azure-devops-node-api', () => {
  let h: Health;
  const project = (name: string): { id: string; name: string } => h.projects.find((p) => p.name === name)!;
  beforeAll(async () => {
    h = await health();
  });

  it('lists projects (CoreApi)', async () => {
    const core = await webApi().getCoreApi();
    const projects = await core.getProjects();
    expect(projects.map((p) => p.name)).toEqual(expect.arrayContaining(['platform', 'shared']));
    const one = await core.getProject('platform');
    expect(one.id).toBe(project('platform').id);
  });

  it('creates a WIF azurerm connection, reads issuer and subject back, shares it, deletes it (ServiceEndpointApi)', async () => {
    const api = await webApi().getServiceEndpointApi();
    const platform = project('platform');
    const shared = project('shared');
    const name = unique('sc-conformance');
    const endpoint: ServiceEndpoint = {
      name,
      type: 'azurerm',
      url: 'https://management.azure.com/',
      description: 'made by the conformance suite',
      authorization: {
        scheme: 'WorkloadIdentityFederation',
        parameters: { tenantid: h.tenantId, serviceprincipalid: '6f1c3c52-1b1f-4d2a-9d6e-1f0d1d0a7b11' },
      },
      data: {
        environment: 'AzureCloud',
        scopeLevel: 'Subscription',
        subscriptionId: h.subscriptionId,
        subscriptionName: 'Conformance',
        creationMode: 'Manual',
      },
      isShared: false,
      isReady: true,
      owner: 'library',
      serviceEndpointProjectReferences: [{ projectReference: { id: platform.id, name: platform.name }, name, description: '' }],
    };
    const created = await api.createServiceEndpoint(endpoint);
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);

    const read = await api.getServiceEndpointDetails(platform.id, created.id!);
    const parameters = read.authorization?.parameters ?? {};
    expect(parameters['workloadIdentityFederationIssuer']).toMatch(/^https:\/\/(login\.microsoftonline\.com|vstoken\.dev\.azure\.com)\//);
    expect(parameters['workloadIdentityFederationSubject']).toMatch(/\/sc\/|^sc:\/\//);

    await api.shareServiceEndpoint(
      [{ projectReference: { id: shared.id, name: shared.name }, name: `${name}-shared`, description: '' }],
      created.id!,
    );
    const inShared = await api.getServiceEndpointDetails(shared.id, created.id!);
    expect(inShared.name).toBe(`${name}-shared`);
    expect(inShared.isShared).toBe(true);

    await api.deleteServiceEndpoint(created.id!, [platform.id, shared.id]);
    // The service answers a missing connection with an empty 200 body at this version (null here).
    expect(await api.getServiceEndpointDetails(platform.id, created.id!)).toBeFalsy();
  });

  it('reads pipeline permissions of a connection (no typed client exists: the client rest helper, by path)', async () => {
    const web = webApi();
    const api = await web.getServiceEndpointApi();
    const platform = project('platform');
    const [first] = await api.getServiceEndpoints(platform.id);
    expect(first?.id).toBeDefined();
    const res = await web.rest.get<{ resource: { type: string; id: string } }>(
      `${orgUrl}/${platform.id}/_apis/pipelines/pipelinePermissions/endpoint/${first!.id!}?api-version=7.1-preview.1`,
    );
    expect(res.statusCode).toBe(200);
    expect(res.result?.resource).toEqual({ type: 'endpoint', id: first!.id });
  });

  it('gets a connection-bound OIDC token (TaskApi.createOidcToken, distributedtask)', async () => {
    const web = webApi();
    const platform = project('platform');
    const endpoints = await (await web.getServiceEndpointApi()).getServiceEndpoints(platform.id);
    const wif = endpoints.find((e) => e.authorization?.scheme === 'WorkloadIdentityFederation');
    expect(wif).toBeDefined();
    const task = await web.getTaskApi();
    const token = await task.createOidcToken({}, platform.id, 'build', crypto.randomUUID(), crypto.randomUUID(), wif!.id!);
    expect(token.oidcToken?.split('.')).toHaveLength(3);
  });

  it('verifies the certificate: told to trust only another CA, the client is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wif-other-ca-'));
    const otherCa = join(dir, 'other-ca.pem');
    await writeFile(otherCa, rootCertificates[0]!);
    const web = new WebApi(orgUrl, getBearerHandler(makeTestToken(DEVOPS_SCOPE)), { cert: { caFile: otherCa } });
    await expect(web.getCoreApi().then((c) => c.getProjects())).rejects.toThrow(/certificate|UNABLE_TO_VERIFY/i);
    await rm(dir, { recursive: true, force: true });
  });
});
