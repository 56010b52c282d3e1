import { collect } from '@wif/http';
import { loadFixture, serviceError } from '@wif/testing';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { ORG, testClient, useContractServer } from '../../test/server';
import { getProject, listProjects } from './projects';

// One project per page, so the three projects of the official example take three pages.
const { server, seen } = useContractServer({ projectsPageSize: 1 });
const example = loadFixture<{ responses: { '200': { body: { value: { id: string; name: string }[] } } } }>(
  'ado-core-7.1-GET__projects.json',
);
const exampleProjects = example.responses['200'].body.value;

describe('listProjects', () => {
  it('follows x-ms-continuationtoken across pages until the header is gone', async () => {
    const { client } = testClient();
    const pages = [];
    for await (const page of listProjects(client)) pages.push(page._unsafeUnwrap());
    expect(pages.map((p) => p.map((x) => x.name))).toEqual(exampleProjects.map((p) => [p.name]));
    expect(seen.map((r) => r.url.searchParams.get('continuationToken'))).toEqual([null, '1', '2']);
    expect(seen.every((r) => r.url.pathname === `/${ORG}/_apis/projects` && r.url.searchParams.get('api-version') === '7.1')).toBe(true);
    // The service echoes the organization in each project's url.
    expect(pages[0]?.[0]?.url).toBe(`https://dev.azure.com/${ORG}/_apis/projects/${exampleProjects[0]?.id}`);
  });

  it('sends stateFilter and $top; collect() gathers every page', async () => {
    const { client } = testClient();
    const all = await collect(listProjects(client, { stateFilter: 'wellFormed', top: 1 }), 10);
    expect(all._unsafeUnwrap().map((p) => p.id)).toEqual(exampleProjects.map((p) => p.id));
    expect(seen[0]?.url.searchParams.get('stateFilter')).toBe('wellFormed');
    expect(seen[0]?.url.searchParams.get('$top')).toBe('1');
  });

  it('ends with one Err when a page fails, and the handler rejects an unknown stateFilter', async () => {
    const { client } = testClient();
    const results = [];
    for await (const page of listProjects(client, { stateFilter: 'shiny' })) results.push(page);
    expect(results).toHaveLength(1);
    expect(results[0]?._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'ArgumentException', retryable: false });
  });

  it('stops at the first failed page after earlier pages succeeded', async () => {
    const { client } = testClient();
    server.use(
      http.get(`https://dev.azure.com/${ORG}/_apis/projects`, ({ request }) =>
        new URL(request.url).searchParams.get('continuationToken') === '1'
          ? serviceError('devops', 403, 'UnauthorizedAccessException', 'TF401019: access denied.')
          : undefined,
      ),
    );
    const results = [];
    for await (const page of listProjects(client)) results.push(page);
    expect(results.map((r) => r.isOk())).toEqual([true, false]);
    expect(results[1]?._unsafeUnwrapErr()).toMatchObject({ kind: 'Forbidden', status: 403 });
  });
});

describe('getProject', () => {
  it('reads a project by name or id at api-version 7.1', async () => {
    const { client } = testClient();
    const [first] = exampleProjects;
    const byName = (await getProject(client, first!.name))._unsafeUnwrap();
    const byId = (await getProject(client, first!.id))._unsafeUnwrap();
    expect(byName).toMatchObject({ id: first!.id, name: first!.name, state: 'wellFormed' });
    expect(byId.id).toBe(first!.id);
    expect(seen[0]?.url.pathname).toBe(`/${ORG}/_apis/projects/${first!.name}`);
  });

  it('encodes the project name as one path segment', async () => {
    const { client } = testClient();
    await getProject(client, 'Web Site/Old');
    expect(seen[0]?.url.pathname).toBe(`/${ORG}/_apis/projects/Web%20Site%2FOld`);
  });

  it('answers NotFound with the service code for an unknown project', async () => {
    const { client } = testClient();
    const error = (await getProject(client, 'nope'))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'NotFound', status: 404, code: 'ProjectDoesNotExistWithNameException', retryable: false });
  });

  it('is rejected by the handler with another api-version', async () => {
    const { client } = testClient();
    const response = await client.transport.send({
      method: 'GET',
      path: `/_apis/projects/${exampleProjects[0]!.id}`,
      query: { 'api-version': '5.0' },
      operation: 'GET project',
    });
    expect(response._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'VssVersionOutOfRangeException' });
  });
});
