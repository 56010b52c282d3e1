import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ORG, testClient, useContractServer } from '../../test/server';
import { getPipelinePermissions, updatePipelinePermissions } from './pipelinePermissions';

const { server, seen } = useContractServer();
const resource = { type: 'endpoint', id: '5e47a0d8-c745-44f8-8f93-784f18ff31c4' } as const;
const PATH = `/${ORG}/TestProject/_apis/pipelines/pipelinePermissions/endpoint/${resource.id}`;

describe('getPipelinePermissions', () => {
  it('reads the pipelines authorized for a service connection at 7.1-preview.1', async () => {
    const { client } = testClient();
    const permissions = (await getPipelinePermissions(client, 'TestProject', resource))._unsafeUnwrap();
    expect(permissions.resource).toMatchObject(resource);
    expect(permissions.pipelines.map((p) => [p.id, p.authorized])).toEqual([
      [6, true],
      [15, true],
    ]);
    expect(seen[0]?.url.pathname).toBe(PATH);
    expect(seen[0]?.url.search).toBe('?api-version=7.1-preview.1');
  });

  it('reads a resource without pipelines (or with null) as an empty list', async () => {
    server.use(http.get(`https://dev.azure.com${PATH}`, () => HttpResponse.json({ resource, allPipelines: null, pipelines: null })));
    const { client } = testClient();
    const permissions = (await getPipelinePermissions(client, 'TestProject', resource))._unsafeUnwrap();
    expect(permissions.pipelines).toEqual([]);
    expect(permissions.allPipelines).toBeNull();
  });

  it('is rejected by the handler for a connection id that is not a GUID, or the GA api-version', async () => {
    const { client } = testClient();
    const bad = await getPipelinePermissions(client, 'TestProject', { type: 'endpoint', id: 'sc-prod' });
    expect(bad._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', status: 400 });
    const ga = await client.transport.send({
      method: 'GET',
      path: PATH.slice(ORG.length + 1),
      query: { 'api-version': '7.1' },
      operation: 'GET pipelinePermissions',
    });
    expect(ga._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'VssVersionOutOfRangeException' });
  });
});

describe('updatePipelinePermissions', () => {
  it('authorizes one pipeline with a PATCH naming the resource, and answers the merged list', async () => {
    const { client } = testClient();
    const result = (
      await updatePipelinePermissions(client, 'TestProject', resource, { pipelines: [{ id: 42, authorized: true }] })
    )._unsafeUnwrap();
    expect(result.pipelines.map((p) => p.id)).toEqual([6, 15, 42]);
    expect(result.pipelines.find((p) => p.id === 42)).toMatchObject({ authorized: true, authorizedOn: expect.any(String) });
    expect(seen[0]?.method).toBe('PATCH');
    expect(seen[0]?.url.pathname).toBe(PATH);
    expect(JSON.parse(seen[0]!.body)).toEqual({
      resource: { id: resource.id, type: 'endpoint' },
      pipelines: [{ id: 42, authorized: true }],
    });
  });

  it('opens the connection to all pipelines', async () => {
    const { client } = testClient();
    const result = (
      await updatePipelinePermissions(client, 'TestProject', resource, { allPipelines: { authorized: true } })
    )._unsafeUnwrap();
    expect(result.allPipelines?.authorized).toBe(true);
    expect(JSON.parse(seen[0]!.body)).toEqual({ resource: { id: resource.id, type: 'endpoint' }, allPipelines: { authorized: true } });
  });

  it('is rejected by the handler when a pipeline id is not a number', async () => {
    const { client } = testClient();
    const body = { pipelines: [{ id: '42' as unknown as number, authorized: true }] };
    const error = (await updatePipelinePermissions(client, 'TestProject', resource, body))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'BadRequest', status: 400, retryable: false });
  });
});
