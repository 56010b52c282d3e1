import { serviceError } from '@wif/testing';
import { useFake } from '@wif/testing/vitest';
import { delay, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { createClients } from '../workflows/clients';
import { runReads } from './runReads';

const DEVOPS = 'https://dev.azure.com/contoso';
const { fake, clients, server } = useFake({ projects: ['platform'], clients: createClients, fake: { latencyInMs: 20 } });

// What went out and came back, in order: `start GET …/endpoints`, `end GET …/projects/platform`.
const events: string[] = [];
const path = (url: string): string => new URL(url).pathname.replace(/^\/contoso/, '');
server.events.on('request:start', ({ request }) => events.push(`start ${path(request.url)}`));
server.events.on('response:mocked', ({ request }) => events.push(`end ${path(request.url)}`));

describe('runReads: a project and its connections', () => {
  it('sends the listing by the project’s name with the project read, before either answers', async () => {
    events.length = 0;
    const reads = runReads(clients.devops, {});
    const r = (await reads.projectConnections('platform'))._unsafeUnwrap();
    expect(r.project.name).toBe('platform');
    expect(events.slice(0, 2).sort()).toEqual(['start /_apis/projects/platform', 'start /platform/_apis/serviceendpoint/endpoints']);
  });

  it('answers the listing by the project’s id from the listing by its name: one request for both', async () => {
    const reads = runReads(clients.devops, {});
    const before = fake.requests.length;
    const { project, all } = (await reads.projectConnections('platform'))._unsafeUnwrap();
    expect((await reads.azurermConnections(project.id))._unsafeUnwrap()).toBe(all);
    expect(
      fake.requests
        .slice(before)
        .map((q) => q.operation)
        .sort(),
    ).toEqual(['projects.get', 'serviceEndpoints.list']);
  });

  it('forgets a failed listing under both names: the next reader by id reads again', async () => {
    const reads = runReads(clients.devops, {});
    // The listing fails after the project has answered: by then it is known by the project's id too.
    server.use(
      http.get(
        `${DEVOPS}/platform/_apis/serviceendpoint/endpoints`,
        async () => {
          await delay(80);
          return serviceError('devops', 404, 'ProjectDoesNotExist', 'gone');
        },
        { once: true },
      ),
    );
    const failed = await reads.projectConnections('platform');
    expect(failed._unsafeUnwrapErr().kind).toBe('NotFound');
    const project = (await reads.project('platform'))._unsafeUnwrap();
    const before = fake.requests.length;
    expect((await reads.azurermConnections(project.id)).isOk()).toBe(true);
    expect(fake.requests.slice(before).map((q) => q.operation)).toEqual(['serviceEndpoints.list']);
  });
});
