import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ORG, testClient, useContractServer } from '../../test/server';
import { listServiceEndpointExecutionRecords } from './executionHistory';

const { server } = useContractServer();
const PROJECT = 'd2863c91-ce5b-46dd-8cc5-b016c4d7c0e2';
const ENDPOINT = '7efd777e-2e3a-4ab8-b2ad-5e487d1777f2';
const URL_ = `https://dev.azure.com/${ORG}/${PROJECT}/_apis/serviceendpoint/${ENDPOINT}/executionhistory`;
// The shape of ServiceEndpointExecutionRecord in the 7.1 spec (specification/serviceEndpoint/7.1/serviceEndpoint.json).
const record = (id: number) => ({
  data: {
    definition: { id: 12, name: 'deploy-app' },
    owner: { id: 4000 + id, name: `20260305.${id}` },
    planType: 'Build',
    result: 'succeeded',
    startTime: '2026-03-05T10:00:00Z',
    finishTime: '2026-03-05T10:04:00Z',
    id,
  },
  endpointId: ENDPOINT,
});

describe('listServiceEndpointExecutionRecords', () => {
  it('sends top and api-version 7.1 on the project route, follows x-ms-continuationtoken, and takes both list shapes', async () => {
    const urls: URL[] = [];
    server.use(
      http.get(URL_, ({ request }) => {
        const url = new URL(request.url);
        urls.push(url);
        // The spec says a bare array; Azure DevOps lists usually wrap it: one page of each.
        return url.searchParams.get('continuationToken') === null
          ? HttpResponse.json({ count: 1, value: [record(1)] }, { headers: { 'x-ms-continuationtoken': '1' } })
          : HttpResponse.json([record(2)]);
      }),
    );
    const { client } = testClient();
    const pages = [];
    for await (const page of listServiceEndpointExecutionRecords(client, PROJECT, ENDPOINT, { top: 100 })) pages.push(page._unsafeUnwrap());
    expect(pages.map((p) => p.map((r) => r.data?.owner?.name))).toEqual([['20260305.1'], ['20260305.2']]);
    expect(
      urls.map((u) => [u.searchParams.get('top'), u.searchParams.get('continuationToken'), u.searchParams.get('api-version')]),
    ).toEqual([
      ['100', null, '7.1'],
      ['100', '1', '7.1'],
    ]);
  });

  it('ends with one Err when the connection is not in the project', async () => {
    server.use(
      http.get(URL_, () =>
        HttpResponse.json(
          { message: `Service connection with id ${ENDPOINT} does not exist.`, typeKey: 'ServiceEndpointNotFoundException' },
          { status: 404 },
        ),
      ),
    );
    const { client } = testClient();
    const results = [];
    for await (const page of listServiceEndpointExecutionRecords(client, PROJECT, ENDPOINT)) results.push(page);
    expect(results).toHaveLength(1);
    expect(results[0]!._unsafeUnwrapErr()).toMatchObject({ kind: 'NotFound' });
  });
});
