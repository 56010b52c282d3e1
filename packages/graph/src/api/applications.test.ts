import { collect } from '@wif/http';
import { graphContractHandlers, serviceError } from '@wif/testing';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import { createGraphClient } from '../client';
import { deleteApplication, getApplication, listApplications, updateApplication, upsertApplication } from './applications';

const GRAPH = 'https://graph.microsoft.com/v1.0';
// From graph-v1.0-application-upsert-create.json and graph-v1.0-application-get-by-appId-select.json.
const CREATED_ID = '03ef14b0-ca33-4840-8f4f-d6e91916010e';
const CREATED_APP_ID = '631a96bc-a705-4eda-9f99-fdaf9f54f6a2';
const POSTMAN_APP_ID = '46e6adf4-a9cf-4b60-9390-0ba6fb00bf6b';

const { server, urls, clientOptions } = useContractServer(graphContractHandlers());

const graph = createGraphClient(clientOptions());
const body = {
  displayName: 'wif contoso web prod',
  signInAudience: 'AzureADMyOrg',
  tags: ['wif-managed'],
  notes: 'Managed by wif',
} as const;

describe('upsertApplication', () => {
  it('creates the application (201) and returns it', async () => {
    const r = (await upsertApplication(graph, 'wif-contoso-web-prod', body))._unsafeUnwrap();
    expect(r).toEqual({
      created: true,
      application: {
        id: CREATED_ID,
        appId: CREATED_APP_ID,
        displayName: 'wif contoso web prod',
        uniqueName: 'wif-contoso-web-prod',
        signInAudience: 'AzureADMyOrg',
        tags: ['wif-managed'],
        notes: 'Managed by wif',
        description: null,
        createdDateTime: '2019-09-17T19:10:35.2742618Z',
        // Which secrets and certificates it holds (none: the official example's empty lists), never their values.
        passwordCredentials: [],
        keyCredentials: [],
      },
    });
  });

  it('reports an existing application (204, no body) as not created', async () => {
    let prefer: string | null = null;
    server.use(
      http.patch(`${GRAPH}/applications(uniqueName=:key)`, ({ request }) => {
        prefer = request.headers.get('prefer');
        return new HttpResponse(null, { status: 204 });
      }),
    );
    expect((await upsertApplication(graph, 'wif-contoso-web-prod', body))._unsafeUnwrap()).toEqual({ created: false });
    expect(prefer).toBe('create-if-missing');
  });

  it('doubles single quotes and percent-encodes the unique name', async () => {
    const r = (await upsertApplication(graph, "o'brien/a b", body))._unsafeUnwrap();
    expect(r.created && r.application.uniqueName).toBe("o'brien/a b");
    expect(urls).toEqual([`${GRAPH}/applications(uniqueName='o''brien%2Fa%20b')`]);
  });

  it('pins the request: without Prefer an absent application is 404, without displayName 400', async () => {
    const path = "/applications(uniqueName='x')";
    const noPrefer = await graph.transport.send({ method: 'PATCH', path, body, operation: 'test' });
    expect(noPrefer._unsafeUnwrapErr()).toMatchObject({ kind: 'NotFound', code: 'Request_ResourceNotFound' });
    const noName = await graph.transport.send({
      method: 'PATCH',
      path,
      headers: { Prefer: 'create-if-missing' },
      body: { signInAudience: 'AzureADMyOrg' },
      operation: 'test',
    });
    expect(noName._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'Request_BadRequest' });
  });

  it('rejects an unknown signInAudience (400)', async () => {
    const e = (await upsertApplication(graph, 'x', { ...body, signInAudience: 'Everyone' as 'AzureADMyOrg' }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'BadRequest', status: 400 });
  });
});

describe('getApplication', () => {
  it('keeps which secrets and certificates an app holds and until when, never a value, a hint or a key', async () => {
    server.use(
      http.get(`${GRAPH}/applications(appId='${POSTMAN_APP_ID}')`, () =>
        HttpResponse.json({
          id: CREATED_ID,
          appId: POSTMAN_APP_ID,
          displayName: 'app',
          passwordCredentials: [
            {
              customKeyIdentifier: null,
              displayName: 'ci',
              endDateTime: '2027-01-01T00:00:00Z',
              hint: 'Xy~',
              keyId: 'k1',
              secretText: 'should-never-be-here',
              startDateTime: null,
            },
          ],
          keyCredentials: [
            { displayName: 'CN=x', endDateTime: null, key: 'MIIBIjANBg', keyId: 'k2', type: 'AsymmetricX509Cert', usage: 'Verify' },
          ],
        }),
      ),
    );
    const app = (
      await getApplication(graph, { appId: POSTMAN_APP_ID }, { select: ['passwordCredentials', 'keyCredentials'] })
    )._unsafeUnwrap();
    expect(app.passwordCredentials).toEqual([{ keyId: 'k1', displayName: 'ci', endDateTime: '2027-01-01T00:00:00Z' }]);
    expect(app.keyCredentials).toEqual([{ keyId: 'k2', displayName: 'CN=x', endDateTime: null }]);
    expect(JSON.stringify(app)).not.toMatch(/should-never-be-here|Xy~|MIIB/);
  });

  it('reads by object id', async () => {
    expect((await getApplication(graph, { id: CREATED_ID }))._unsafeUnwrap()).toMatchObject({
      id: CREATED_ID,
      appId: CREATED_APP_ID,
      signInAudience: 'AzureADandPersonalMicrosoftAccount',
    });
  });

  it('reads by appId with $select, always including the fields the schema needs', async () => {
    const app = (await getApplication(graph, { appId: POSTMAN_APP_ID }, { select: ['requiredResourceAccess'] }))._unsafeUnwrap();
    expect(app).toEqual({ id: '7bec5fd1-a25f-474c-a6ca-5492082c6a9b', appId: POSTMAN_APP_ID, displayName: 'PostmanWeb' });
    expect(urls).toEqual([`${GRAPH}/applications(appId='${POSTMAN_APP_ID}')?$select=id%2CappId%2CdisplayName%2CrequiredResourceAccess`]);
  });

  it('reads by unique name', async () => {
    expect((await getApplication(graph, { uniqueName: 'app-65278' }))._unsafeUnwrap().uniqueName).toBe('app-65278');
  });

  it('is rejected for an unknown $select property or an invalid object id (400)', async () => {
    expect((await getApplication(graph, { id: CREATED_ID }, { select: ['nope'] }))._unsafeUnwrapErr().kind).toBe('BadRequest');
    expect((await getApplication(graph, { id: 'not-a-guid' }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'BadRequest',
      code: 'Request_BadRequest',
    });
  });

  it('maps 404 with the Graph request id', async () => {
    server.use(
      http.get(`${GRAPH}/applications/:id`, () => serviceError('graph', 404, 'Request_ResourceNotFound', 'Resource does not exist.')),
    );
    expect((await getApplication(graph, { id: CREATED_ID }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'NotFound',
      code: 'Request_ResourceNotFound',
      requestId: expect.any(String),
    });
  });

  it('is InvalidResponse when the body lacks a required field', async () => {
    server.use(http.get(`${GRAPH}/applications/:id`, () => HttpResponse.json({ id: CREATED_ID, displayName: 'x' })));
    expect((await getApplication(graph, { id: CREATED_ID }))._unsafeUnwrapErr().kind).toBe('InvalidResponse');
  });
});

describe('updateApplication', () => {
  it('patches by object id (204)', async () => {
    expect((await updateApplication(graph, CREATED_ID, { notes: 'n', tags: ['a'] })).isOk()).toBe(true);
    expect(urls).toEqual([`${GRAPH}/applications/${CREATED_ID}`]);
  });

  it('is rejected for a property Graph does not know (400)', async () => {
    const e = (await updateApplication(graph, CREATED_ID, { displayname: 'typo' } as never))._unsafeUnwrapErr();
    expect(e.kind).toBe('BadRequest');
  });
});

describe('listApplications', () => {
  it('follows @odata.nextLink across pages', async () => {
    const apps = (await collect(listApplications(graph, { top: 1 }), 10))._unsafeUnwrap();
    expect(apps.map((a) => a.appId)).toEqual([CREATED_APP_ID, POSTMAN_APP_ID]);
    expect(urls).toHaveLength(2);
    expect(urls[1]).toContain('$skiptoken=');
  });

  it('sends $filter and $select', async () => {
    const apps = (await collect(listApplications(graph, { filter: "displayName eq 'PostmanWeb'", select: ['tags'] }), 10))._unsafeUnwrap();
    expect(apps).toEqual([{ id: '7bec5fd1-a25f-474c-a6ca-5492082c6a9b', appId: POSTMAN_APP_ID, displayName: 'PostmanWeb' }]);
    const query = new URL(urls[0]!).searchParams;
    expect(query.get('$filter')).toBe("displayName eq 'PostmanWeb'");
    expect(query.get('$select')).toBe('id,appId,displayName,tags');
  });

  it('ends with one Err for an invalid page size', async () => {
    const pages = [];
    for await (const page of listApplications(graph, { top: 1000 })) pages.push(page);
    expect(pages).toHaveLength(1);
    expect(pages[0]!._unsafeUnwrapErr()).toMatchObject({ kind: 'BadRequest', code: 'Request_UnsupportedQuery' });
  });
});

describe('deleteApplication', () => {
  it('deletes by object id (204)', async () => {
    expect((await deleteApplication(graph, CREATED_ID)).isOk()).toBe(true);
    expect(urls).toEqual([`${GRAPH}/applications/${CREATED_ID}`]);
  });

  it('maps 404 on a second delete', async () => {
    server.use(http.delete(`${GRAPH}/applications/:id`, () => serviceError('graph', 404, 'Request_ResourceNotFound', 'Gone.')));
    expect((await deleteApplication(graph, CREATED_ID))._unsafeUnwrapErr().kind).toBe('NotFound');
  });
});
