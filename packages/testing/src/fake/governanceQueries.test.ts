/**
 * The per-project governance reads in the fake: `build/authorizedresources` (one switch with
 * `pipelinePermissions` `allPipelines`, read and written by both) and `checks/queryconfigurations`.
 */
import { describe, expect, it } from 'vitest';
import { useFreshFakes } from '../vitest/_freshFakes';
import { call, DEVOPS } from './_testClient';

const { start } = useFreshFakes();
const AUTHORIZED = (project: string, query = 'type=endpoint') =>
  `${DEVOPS}/${project}/_apis/build/authorizedresources?${query}&api-version=7.1-preview.1`;
const PERMISSIONS = (project: string, id: string) =>
  `${DEVOPS}/${project}/_apis/pipelines/pipelinePermissions/endpoint/${id}?api-version=7.1-preview.1`;
const QUERY = (project: string, query = '$expand=settings&api-version=7.1-preview.1') =>
  `${DEVOPS}/${project}/_apis/pipelines/checks/queryconfigurations?${query}`;
const APPROVAL = '8c6f20a7-a545-4486-9777-f762fafe0d4d';
const LOCK = '2ef31ad6-baa0-403a-8b45-2cbc9b4e5563';

function seeded() {
  const fake = start();
  const project = fake.state.addProject('payments');
  const other = fake.state.addProject('billing');
  const a = fake.state.addServiceEndpoint({ name: 'sc-a', projects: 'payments' });
  const b = fake.state.addServiceEndpoint({ name: 'sc-b', projects: 'payments' });
  const c = fake.state.addServiceEndpoint({ name: 'sc-c', projects: 'billing' });
  return { fake, project, other, a, b, c };
}

describe('build/authorizedresources and pipelinePermissions share one "all pipelines" switch', () => {
  it('allPipelines set through pipelinePermissions shows in the project list, and only there', async () => {
    const { a, b, c } = seeded();
    expect((await call('GET', AUTHORIZED('payments'))).body).toEqual({ count: 0, value: [] });
    expect((await call('PATCH', PERMISSIONS('payments', a.id), { json: { allPipelines: { authorized: true } } })).status).toBe(200);
    expect((await call('PATCH', PERMISSIONS('billing', c.id), { json: { allPipelines: { authorized: true } } })).status).toBe(200);
    const list = await call('GET', AUTHORIZED('payments'));
    expect(list.body).toEqual({ count: 1, value: [{ authorized: true, id: a.id, name: 'sc-a', type: 'endpoint' }] });
    expect((await call('GET', AUTHORIZED('payments', `type=endpoint&id=${b.id}`))).body.count).toBe(0);
    expect((await call('GET', AUTHORIZED('payments', `type=endpoint&id=${a.id}`))).body.count).toBe(1);
    // Closing it again takes it off the list.
    await call('PATCH', PERMISSIONS('payments', a.id), { json: { allPipelines: { authorized: false } } });
    expect((await call('GET', AUTHORIZED('payments'))).body.count).toBe(0);
  });

  it('a PATCH of authorizedresources shows in pipelinePermissions allPipelines, both ways', async () => {
    const { a, b } = seeded();
    const opened = await call('PATCH', AUTHORIZED('payments', 'x=1'), {
      json: [
        { id: a.id, type: 'endpoint', authorized: true },
        { id: b.id, type: 'endpoint', authorized: false },
      ],
    });
    expect(opened.status).toBe(200);
    expect(opened.body.value.map((r: { authorized: boolean }) => r.authorized)).toEqual([true, false]);
    expect((await call('GET', PERMISSIONS('payments', a.id))).body.allPipelines).toMatchObject({ authorized: true });
    expect((await call('GET', PERMISSIONS('payments', b.id))).body.allPipelines).toMatchObject({ authorized: false });
    await call('PATCH', AUTHORIZED('payments', 'x=1'), { json: [{ id: a.id, type: 'endpoint', authorized: false }] });
    expect((await call('GET', PERMISSIONS('payments', a.id))).body.allPipelines).toMatchObject({ authorized: false });
  });

  it('refuses what the service refuses: wrong api-version, unknown project, an unknown type, id without type, a body that is not a list, a connection not in the project', async () => {
    const { a, c } = seeded();
    expect((await call('GET', `${DEVOPS}/payments/_apis/build/authorizedresources?type=endpoint&api-version=7.1`)).status).toBe(400);
    expect((await call('GET', AUTHORIZED('nowhere'))).status).toBe(404);
    expect((await call('GET', AUTHORIZED('payments', 'type=robot'))).status).toBe(400);
    expect((await call('GET', AUTHORIZED('payments', `id=${a.id}`))).status).toBe(400);
    expect((await call('PATCH', AUTHORIZED('payments', 'x=1'), { json: { id: a.id, type: 'endpoint', authorized: true } })).status).toBe(
      400,
    );
    expect((await call('PATCH', AUTHORIZED('payments', 'x=1'), { json: [{ id: a.id, type: 'endpoint' }] })).status).toBe(400);
    expect(
      (await call('PATCH', AUTHORIZED('payments', 'x=1'), { json: [{ id: 'sc-a', type: 'endpoint', authorized: true }] })).status,
    ).toBe(400);
    expect((await call('PATCH', AUTHORIZED('payments', 'x=1'), { json: [{ id: c.id, type: 'endpoint', authorized: true }] })).status).toBe(
      404,
    );
    // Nothing was changed by the refused requests.
    expect((await call('GET', AUTHORIZED('payments'))).body.count).toBe(0);
  });
});

describe('checks/queryconfigurations', () => {
  it('answers the checks of every resource named, with settings only with $expand=settings', async () => {
    const { fake, project, a, b, c } = seeded();
    const add = (resource: string, type: string, settings: Record<string, unknown>) =>
      fake.state.governance.addCheck({ projectId: project.id, type: { id: type }, resource: { type: 'endpoint', id: resource }, settings });
    add(a.id, APPROVAL, { approvers: [{ id: '3b3db741-9d03-4e32-a7c0-6c3dfc2013c1' }] });
    add(a.id, LOCK, {});
    add(c.id, LOCK, {});
    const body = [
      { type: 'endpoint', id: a.id },
      { type: 'endpoint', id: b.id },
    ];
    const r = await call('POST', QUERY('payments'), { json: body });
    expect(r.status).toBe(200);
    expect(r.body.count).toBe(2);
    expect(r.body.value.map((x: { resource: { id: string } }) => x.resource.id)).toEqual([a.id, a.id]);
    expect(r.body.value[0].settings).toEqual({ approvers: [{ id: '3b3db741-9d03-4e32-a7c0-6c3dfc2013c1' }] });
    const bare = await call('POST', QUERY('payments', 'api-version=7.1-preview.1'), { json: body });
    expect(bare.body.value.every((x: Record<string, unknown>) => !('settings' in x))).toBe(true);
    expect((await call('POST', QUERY('payments'), { json: [] })).body).toEqual({ count: 0, value: [] });
  });

  it('refuses a wrong api-version, a body that is not a list, a resource without type or id, a bad $expand, an unknown project', async () => {
    const { a } = seeded();
    const ok = [{ type: 'endpoint', id: a.id }];
    expect((await call('POST', QUERY('payments', 'api-version=7.1'), { json: ok })).status).toBe(400);
    expect((await call('POST', QUERY('payments'), { json: { type: 'endpoint', id: a.id } })).status).toBe(400);
    expect((await call('POST', QUERY('payments'), { json: [{ id: a.id }] })).status).toBe(400);
    expect((await call('POST', QUERY('payments'), { json: [{ type: 'endpoint' }] })).status).toBe(400);
    expect((await call('POST', QUERY('payments'), { json: [{ type: 'endpoint', id: 'sc-a' }] })).status).toBe(400);
    expect((await call('POST', QUERY('payments', '$expand=all&api-version=7.1-preview.1'), { json: ok })).status).toBe(400);
    expect((await call('POST', QUERY('nowhere'), { json: ok })).status).toBe(404);
    expect((await call('POST', QUERY('payments'), { json: ok })).status).toBe(200);
  });
});
