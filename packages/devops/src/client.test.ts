import { PersonalAccessTokenCredential } from '@wif/http';
import { createTestCredential, devopsContractHandlers } from '@wif/testing';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { FAST_RETRY, ORG, testClient, useContractServer } from '../test/server';
import { getConnectionData } from './api/connectionData';
import { deleteServiceEndpoint } from './api/serviceEndpoints';
import { createDevOpsClient } from './client';

const { server, seen } = useContractServer();
const SIGN_IN_PAGE = '<html><head><title>Azure DevOps Services | Sign In</title></head><body></body></html>';

describe('createDevOpsClient', () => {
  it('throws a TypeError for an empty organization or a plain-HTTP remote endpoint', () => {
    const credential = createTestCredential();
    expect(() => createDevOpsClient({ organization: '', credential })).toThrow(TypeError);
    expect(() => createDevOpsClient({ organization: ORG, credential, endpoint: 'http://dev.example.com' })).toThrow(TypeError);
  });

  it('sends {endpoint}/{organization} with a token for the Azure DevOps resource and X-TFS-FedAuthRedirect: Suppress', async () => {
    const { client, credential } = testClient();
    const data = await getConnectionData(client);
    expect(data.isOk()).toBe(true);
    expect(credential.requestedScopes).toEqual(['499b84ac-1321-427f-aa17-267ca6975798/.default']);
    expect(seen[0]?.url.pathname).toBe(`/${ORG}/_apis/connectionData`);
    expect(seen[0]?.headers.get('x-tfs-fedauthredirect')).toBe('Suppress');
  });

  it('authenticates with a PAT as HTTP Basic and never shows it in an error', async () => {
    const pat = 'pat-value-that-must-not-leak-0123456789';
    const client = createDevOpsClient({ organization: ORG, credential: new PersonalAccessTokenCredential(pat), retry: FAST_RETRY });
    expect((await getConnectionData(client)).isOk()).toBe(true);
    expect(seen[0]?.headers.get('authorization')).toBe(`Basic ${Buffer.from(`:${pat}`).toString('base64')}`);

    server.use(http.get(`https://dev.azure.com/${ORG}/_apis/connectionData`, () => new HttpResponse(null, { status: 401 })));
    const error = (await getConnectionData(client))._unsafeUnwrapErr();
    expect(error.kind).toBe('Unauthorized');
    expect(JSON.stringify(error)).not.toContain(pat);
    expect(JSON.stringify(error)).not.toContain(Buffer.from(`:${pat}`).toString('base64'));
  });

  it('works against the emulator over plain HTTP on 127.0.0.1 with a path prefix', async () => {
    server.use(
      ...devopsContractHandlers({ baseUrl: 'http://127.0.0.1:7071/devops', organizationId: '11111111-2222-4333-8444-555555555555' }),
    );
    // A PAT over plain HTTP: allowed to 127.0.0.1 only (checkBaseUrl), as bearer tokens are.
    const client = createDevOpsClient({
      organization: ORG,
      credential: new PersonalAccessTokenCredential('emulator-pat-0123456789'),
      endpoint: 'http://127.0.0.1:7071/devops/',
    });
    const data = (await getConnectionData(client))._unsafeUnwrap();
    expect(data.instanceId).toBe('11111111-2222-4333-8444-555555555555');
    expect(seen[0]?.url.href).toBe(`http://127.0.0.1:7071/devops/${ORG}/_apis/connectionData?api-version=7.1-preview.1`);
  });

  it('rejects a token for another resource (the handler checks the audience)', async () => {
    const { client } = testClient({ scope: 'https://management.azure.com/.default' });
    const error = (await getConnectionData(client))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'Unauthorized', status: 401, code: 'UnauthorizedRequestException', retryable: false });
  });

  it('gets a 401, not a sign-in page, because it asks the service to suppress the redirect', async () => {
    // The service's behaviour for a rejected PAT: a 203 HTML page unless the header is sent.
    server.use(
      http.get(`https://dev.azure.com/${ORG}/_apis/connectionData`, ({ request }) =>
        request.headers.get('x-tfs-fedauthredirect') === 'Suppress'
          ? HttpResponse.json({ message: 'TF400813: not authorized.', typeKey: 'UnauthorizedRequestException' }, { status: 401 })
          : new HttpResponse(SIGN_IN_PAGE, { status: 203, headers: { 'content-type': 'text/html' } }),
      ),
    );
    const { client } = testClient();
    expect((await getConnectionData(client))._unsafeUnwrapErr()).toMatchObject({ kind: 'Unauthorized', status: 401 });
  });

  it('maps a 203 sign-in page to Unauthorized, for JSON and for body-less calls', async () => {
    const page = (): Response => new HttpResponse(SIGN_IN_PAGE, { status: 203, headers: { 'content-type': 'text/html' } });
    server.use(
      http.get(`https://dev.azure.com/${ORG}/_apis/connectionData`, page),
      http.delete(`https://dev.azure.com/${ORG}/_apis/serviceendpoint/endpoints/:id`, page),
    );
    const { client } = testClient();
    const json = (await getConnectionData(client))._unsafeUnwrapErr();
    const bodyless = (
      await deleteServiceEndpoint(client, '5e47a0d8-c745-44f8-8f93-784f18ff31c4', ['c7e5f0b3-71fa-4429-9fb3-3321963a7c06'])
    )._unsafeUnwrapErr();
    for (const error of [json, bodyless]) {
      expect(error).toMatchObject({ kind: 'Unauthorized', service: 'devops', status: 203, retryable: false });
      expect(error.message).toContain('sign-in page');
    }
    expect(seen).toHaveLength(2);
  });
});
