import { inspect } from 'node:util';
import { redact } from '@wif/http';
import { devopsContractHandlers } from '@wif/testing';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ORG, testClient, useContractServer } from '../../test/server';
import { createOidcToken, type OidcTokenInput } from './oidcToken';

const ORG_ID = '3f6e2a1b-5c4d-4e8f-9a0b-1c2d3e4f5a6b';
const { server, seen } = useContractServer({ organizationId: ORG_ID });
const input: OidcTokenInput = {
  projectId: 'c7e5f0b3-71fa-4429-9fb3-3321963a7c06',
  hubName: 'build',
  planId: '2b8e5f0c-7a1d-4c3e-9b6f-0d4a8c2e1f37',
  jobId: '9d1c3b5a-2e4f-4a6b-8c0d-7e9f1a3b5c7d',
  serviceConnectionId: '1dfdea68-9549-409e-abee-c5da69cfec5f',
};

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('createOidcToken', () => {
  it('POSTs {} to the job oidctoken route and returns a token for the connection', async () => {
    const { client } = testClient();
    const token = (await createOidcToken(client, input))._unsafeUnwrap();
    expect(claims(token.value())).toMatchObject({
      iss: expect.stringMatching(/^https:\/\/login\.microsoftonline\.com\/[0-9a-f-]{36}\/v2\.0$/),
      sub: expect.stringMatching(new RegExp(`/sc/${ORG_ID}/${input.serviceConnectionId}$`)),
    });
    const request = seen[0]!;
    expect(request.method).toBe('POST');
    expect(request.url.pathname).toBe(
      `/${ORG}/${input.projectId}/_apis/distributedtask/hubs/build/plans/${input.planId}/jobs/${input.jobId}/oidctoken`,
    );
    expect(Object.fromEntries(request.url.searchParams)).toEqual({
      serviceConnectionId: input.serviceConnectionId,
      'api-version': '7.1-preview.1',
    });
    expect(request.body).toBe('{}');
    expect(request.headers.get('content-type')).toBe('application/json');
  });

  it('keeps the token out of JSON, strings, inspection and any redacted text', async () => {
    const { client } = testClient();
    const token = (await createOidcToken(client, input))._unsafeUnwrap();
    const jwt = token.value();
    expect(JSON.stringify({ token })).toBe('{"token":"[REDACTED]"}');
    expect(String(token)).not.toContain(jwt);
    expect(inspect(token)).not.toContain(jwt);
  });

  it('registers the token for redaction, whatever its shape', async () => {
    const opaque = 'opaque-token-not-shaped-like-a-jwt-0123456789';
    server.use(
      http.post(`https://dev.azure.com/${ORG}/:project/_apis/distributedtask/hubs/:hub/plans/:plan/jobs/:job/oidctoken`, () =>
        HttpResponse.json({ oidcToken: opaque }),
      ),
    );
    const { client } = testClient();
    const token = (await createOidcToken(client, input))._unsafeUnwrap();
    expect(token.value()).toBe(opaque);
    expect(redact(`client_assertion was ${opaque}`)).toBe('client_assertion was [REDACTED]');
  });

  it('reads a legacy-issuer token when the service answers with one', async () => {
    server.use(...devopsContractHandlers({ organizationId: ORG_ID, issuerFormat: 'vstoken' }));
    const { client } = testClient();
    const token = (await createOidcToken(client, input))._unsafeUnwrap();
    expect(claims(token.value())).toMatchObject({ iss: `https://vstoken.dev.azure.com/${ORG_ID}`, aud: 'api://AzureADTokenExchange' });
  });

  it('is rejected by the handler for a plan id that is not a GUID (400, not retried)', async () => {
    const { client } = testClient();
    const error = (await createOidcToken(client, { ...input, planId: 'plan' }))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'BadRequest', status: 400, retryable: false });
    expect(seen).toHaveLength(1);
  });
});
