import { loadFixture } from '@wif/testing';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ORG, testClient, useContractServer } from '../../test/server';
import { checkConfigurationListSchema, checkConfigurationSchema } from '../schemas/checks';
import {
  CHECK_TYPE_IDS,
  createCheckConfiguration,
  deleteCheckConfiguration,
  getCheckConfiguration,
  listCheckConfigurations,
  MAX_CHECK_QUERY_RESOURCES,
  queryCheckConfigurations,
  TASK_CHECK_DEFINITIONS,
  updateCheckConfiguration,
  type CheckConfigurationBody,
} from './checks';

const { server, seen } = useContractServer();
const PROJECT = 'd6b3e0ea-8197-4dec-831b-50e2e06ff95f';
const resource = { type: 'endpoint', id: '5e47a0d8-c745-44f8-8f93-784f18ff31c4' } as const;
const BASE = `/${ORG}/${PROJECT}/_apis/pipelines/checks/configurations`;
type Ex = { parameters: { body: Record<string, unknown> }; responses: Record<string, { body?: unknown }> };

const approval: CheckConfigurationBody = {
  type: { id: CHECK_TYPE_IDS.approval, name: 'Approval' },
  resource,
  settings: {
    approvers: [{ id: '3b3db741-9d03-4e32-a7c0-6c3dfc2013c1' }],
    minRequiredApprovers: 1,
    instructions: 'Ship it?',
    executionOrder: 'anyOrder',
  },
  timeout: 43200,
};
const branchControl: CheckConfigurationBody = {
  type: { id: CHECK_TYPE_IDS.taskCheck, name: 'Task Check' },
  resource,
  settings: {
    displayName: 'Branch control',
    definitionRef: TASK_CHECK_DEFINITIONS.branchControl,
    inputs: { allowedBranches: 'refs/heads/main', ensureProtectionOfBranch: 'true', allowUnknownStatusBranch: 'false' },
  },
  timeout: 1440,
};

describe('listCheckConfigurations', () => {
  it('lists the checks of a connection with $expand=settings at 7.1-preview.1 and unwraps {count,value}', async () => {
    const { client } = testClient();
    const checks = (await listCheckConfigurations(client, PROJECT, resource))._unsafeUnwrap();
    expect(checks.map((c) => c.id)).toEqual([22, 23, 24, 25]);
    expect(checks.every((c) => c.settings !== undefined && c.resource.id === resource.id)).toBe(true);
    const url = seen[0]!.url;
    expect(url.pathname).toBe(BASE);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      resourceType: 'endpoint',
      resourceId: resource.id,
      $expand: 'settings',
      'api-version': '7.1-preview.1',
    });
  });

  it('the handler answers without settings when $expand is left out (so a client dropping it fails the test above)', async () => {
    const { client } = testClient();
    const r = await client.transport.sendJson(
      {
        method: 'GET',
        path: `/${PROJECT}/_apis/pipelines/checks/configurations`,
        query: { resourceType: 'endpoint', resourceId: resource.id, 'api-version': '7.1-preview.1' },
        operation: 'x',
      },
      checkConfigurationListSchema,
    );
    expect(r._unsafeUnwrap().body.value.every((c) => c.settings === undefined)).toBe(true);
  });

  it('the GA api-version is refused (the API is preview-only)', async () => {
    const { client } = testClient();
    const r = await client.transport.send({
      method: 'GET',
      path: `/${PROJECT}/_apis/pipelines/checks/configurations`,
      query: { resourceType: 'endpoint', resourceId: resource.id, 'api-version': '7.1' },
      operation: 'x',
    });
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'VssVersionOutOfRangeException' });
  });
});

describe('queryCheckConfigurations', () => {
  const QUERY = `/${ORG}/${PROJECT}/_apis/pipelines/checks/queryconfigurations`;
  const endpoints = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ type: 'endpoint', id: `5e47a0d8-c745-44f8-8f93-${String(i).padStart(12, '0')}` }) as const);

  it('POSTs the resources as the example body does, with $expand=settings at 7.1-preview.1, and unwraps {count,value}', async () => {
    const { client } = testClient();
    const asked = endpoints(2);
    const checks = (await queryCheckConfigurations(client, PROJECT, asked))._unsafeUnwrap();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url.pathname).toBe(QUERY);
    expect(Object.fromEntries(seen[0]!.url.searchParams)).toEqual({ $expand: 'settings', 'api-version': '7.1-preview.1' });
    const sent = JSON.parse(seen[0]!.body) as Record<string, unknown>[];
    expect(sent).toEqual(asked);
    const exampleItem = loadFixture<{ parameters: { body: Record<string, unknown>[] } }>(
      'ado-approvalsAndChecks-7.1-POST__QueryCheckConfigurationsOnResources.json',
    ).parameters.body[0]!;
    for (const key of Object.keys(sent[0]!)) expect(Object.keys(exampleItem)).toContain(key);
    expect(new Set(checks.map((c) => c.resource.id))).toEqual(new Set(asked.map((r) => r.id)));
    expect(checks.every((c) => c.settings != null)).toBe(true);
  });

  it(`sends at most ${MAX_CHECK_QUERY_RESOURCES} resources a request, in order, and nothing for no resource`, async () => {
    const { client } = testClient();
    const asked = endpoints(MAX_CHECK_QUERY_RESOURCES + 3);
    const checks = (await queryCheckConfigurations(client, PROJECT, asked))._unsafeUnwrap();
    expect(seen.map((r) => (JSON.parse(r.body) as unknown[]).length)).toEqual([MAX_CHECK_QUERY_RESOURCES, 3]);
    expect(new Set(checks.map((c) => c.resource.id)).size).toBe(asked.length);
    expect((await queryCheckConfigurations(client, PROJECT, []))._unsafeUnwrap()).toEqual([]);
    expect(seen).toHaveLength(2);
  });

  it('a failed chunk is the error', async () => {
    const { client } = testClient();
    server.use(
      http.post(`https://dev.azure.com${QUERY}`, () =>
        HttpResponse.json({ message: 'denied', typeKey: 'AccessCheckException' }, { status: 403 }),
      ),
    );
    expect((await queryCheckConfigurations(client, PROJECT, endpoints(1)))._unsafeUnwrapErr().kind).toBe('Forbidden');
  });

  it('the contract handler refuses what the service refuses: GA api-version, a body that is not a list, a resource without type or id', async () => {
    const { client } = testClient();
    const post = (body: unknown, apiVersion = '7.1-preview.1') =>
      client.transport.send({
        method: 'POST',
        path: `/${PROJECT}/_apis/pipelines/checks/queryconfigurations`,
        query: { $expand: 'settings', 'api-version': apiVersion },
        body,
        operation: 'x',
      });
    const [one] = endpoints(1);
    expect((await post([one], '7.1'))._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'VssVersionOutOfRangeException' });
    expect((await post(one))._unsafeUnwrapErr().kind).toBe('BadRequest');
    expect((await post([{ id: one!.id }]))._unsafeUnwrapErr().kind).toBe('BadRequest');
    expect((await post([{ type: 'endpoint' }]))._unsafeUnwrapErr().kind).toBe('BadRequest');
    expect((await post([{ type: 'endpoint', id: 'not-a-guid' }]))._unsafeUnwrapErr().kind).toBe('BadRequest');
    expect((await post([one])).isOk()).toBe(true);
  });
});

describe('createCheckConfiguration', () => {
  it('adds an approval with the example body shape; the service answers 200 with an id', async () => {
    const { client } = testClient();
    const created = (await createCheckConfiguration(client, PROJECT, approval))._unsafeUnwrap();
    expect(created).toMatchObject({ id: expect.any(Number), type: { id: CHECK_TYPE_IDS.approval }, resource, settings: approval.settings });
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url.pathname).toBe(BASE);
    const sent = JSON.parse(seen[0]!.body) as Record<string, unknown>;
    expect(sent).toEqual({ type: approval.type, resource, settings: approval.settings, timeout: 43200 });
    const exampleKeys = Object.keys(
      loadFixture<Ex>('ado-approvalsAndChecks-7.1-POST__AddApprovalCheckConfiguration.json').parameters.body,
    ).sort();
    expect(Object.keys(sent).sort()).toEqual(exampleKeys);
  });

  it('adds a branch-control Task Check keyed by definitionRef', async () => {
    const { client } = testClient();
    const created = (await createCheckConfiguration(client, PROJECT, branchControl))._unsafeUnwrap();
    expect(created.settings).toMatchObject({ definitionRef: { id: '86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b' } });
  });

  describe('the handler refuses a changed request', () => {
    it.each([
      ['an approval without approvers', { ...approval, settings: { ...approval.settings, approvers: [] } }],
      [
        'an approver by name instead of identity id',
        { ...approval, settings: { ...approval.settings, approvers: [{ id: 'Release Approvers' }] } },
      ],
      ['a Task Check without definitionRef', { ...branchControl, settings: { inputs: {} } }],
      [
        'a Task Check input that is not a string',
        { ...branchControl, settings: { ...branchControl.settings, inputs: { ensureProtectionOfBranch: true } } },
      ],
      ['a connection id that is not a GUID', { ...approval, resource: { type: 'endpoint' as const, id: 'sc-prod' } }],
      ['a timeout beyond 30 days', { ...approval, timeout: 50000 }],
    ])('%s', async (_n, body) => {
      const { client } = testClient();
      expect((await createCheckConfiguration(client, PROJECT, body as CheckConfigurationBody))._unsafeUnwrapErr()).toMatchObject({
        kind: 'BadRequest',
        status: 400,
      });
    });
  });
});

describe('update, get and delete', () => {
  it('PATCHes the full configuration with its id and version', async () => {
    const { client } = testClient();
    const updated = (await updateCheckConfiguration(client, PROJECT, 27, branchControl, { version: 2 }))._unsafeUnwrap();
    expect(updated.id).toBe(27);
    expect(seen[0]!.method).toBe('PATCH');
    expect(seen[0]!.url.pathname).toBe(`${BASE}/27`);
    expect(JSON.parse(seen[0]!.body)).toEqual({ id: 27, ...branchControl, version: 2 });
  });

  it('the handler refuses a PATCH whose body id differs from the URL', async () => {
    const { client } = testClient();
    const r = await client.transport.send({
      method: 'PATCH',
      path: `/${PROJECT}/_apis/pipelines/checks/configurations/27`,
      query: { 'api-version': '7.1-preview.1' },
      body: { id: 28, ...branchControl },
      operation: 'x',
    });
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest' });
  });

  it('gets one check with settings', async () => {
    const { client } = testClient();
    expect((await getCheckConfiguration(client, PROJECT, 16))._unsafeUnwrap()).toMatchObject({ id: 16, settings: expect.any(Object) });
    expect(seen[0]!.url.search).toBe('?$expand=settings&api-version=7.1-preview.1');
  });

  it('deletes (204), and a check already gone is false, not an error', async () => {
    const { client } = testClient();
    expect((await deleteCheckConfiguration(client, PROJECT, 29))._unsafeUnwrap()).toBe(true);
    server.use(
      http.delete(`https://dev.azure.com${BASE}/29`, () =>
        HttpResponse.json(
          { message: 'Check configuration 29 does not exist.', typeKey: 'CheckConfigurationNotFoundException' },
          { status: 404 },
        ),
      ),
    );
    expect((await deleteCheckConfiguration(client, PROJECT, 29))._unsafeUnwrap()).toBe(false);
  });
});

describe('the schemas parse every checks example', () => {
  it.each([
    'ado-approvalsAndChecks-7.1-POST__AddApprovalCheckConfiguration.json',
    'ado-approvalsAndChecks-7.1-POST__AddTaskCheckConfiguration.json',
    'ado-approvalsAndChecks-7.1-PATCH__TaskCheckConfiguration.json',
    'ado-approvalsAndChecks-7.1-GET__CheckConfiguration.json',
  ])('%s', (name) => {
    expect(checkConfigurationSchema.parse(loadFixture<Ex>(name).responses['200']!.body).id).toBeGreaterThan(0);
  });
  it('the list example', () => {
    expect(
      checkConfigurationListSchema.parse(
        loadFixture<Ex>('ado-approvalsAndChecks-7.1-GET__CheckConfigurationsOnResource.json').responses['200']!.body,
      ).count,
    ).toBe(4);
  });
});
