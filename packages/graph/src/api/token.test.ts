import { inspect } from 'node:util';
import { createTransport } from '@wif/http';
import { decodeTestToken, entraContractHandlers, makeTestToken, serviceError } from '@wif/testing';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import { createEntraTokenClient, requestTokenWithClientAssertion } from './token';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = '631a96bc-a705-4eda-9f99-fdaf9f54f6a2';
const ARM_SCOPE = 'https://management.azure.com/.default';
const TOKEN_URL = `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`;

const { server } = useContractServer(entraContractHandlers());

const entra = createEntraTokenClient({ retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } });
/** An Azure DevOps OIDC token stand-in: JWT-shaped, valid for 5 minutes. */
const assertion = (): string => makeTestToken('api://AzureADTokenExchange/.default', { sub: 'sc://contoso/web/prod' });
const input = () => ({ tenantId: TENANT, clientId: CLIENT_ID, scope: ARM_SCOPE, clientAssertion: assertion() });

describe('requestTokenWithClientAssertion', () => {
  it('exchanges the assertion for a token usable as a credential for that scope', async () => {
    const before = Date.now();
    const handle = (await requestTokenWithClientAssertion(entra, input()))._unsafeUnwrap();
    expect(handle).toMatchObject({ tokenType: 'Bearer', scope: ARM_SCOPE });
    // expires_in of entra-token-success-example.json: 3599 s
    expect(handle.expiresOnTimestamp).toBeGreaterThanOrEqual(before + 3_599_000);
    expect(handle.expiresOnTimestamp).toBeLessThanOrEqual(Date.now() + 3_599_000);
    const token = await handle.asCredential().getToken([ARM_SCOPE]);
    expect(decodeTestToken(`Bearer ${token?.token}`)).toMatchObject({ aud: 'https://management.azure.com', tid: TENANT, appid: CLIENT_ID });
  });

  it('sends the five form fields the endpoint requires', async () => {
    let form: Record<string, string> = {};
    let contentType: string | null = null;
    let authorization: string | null = 'unset';
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        contentType = request.headers.get('content-type');
        authorization = request.headers.get('authorization');
        form = Object.fromEntries(new URLSearchParams(await request.text()));
        return HttpResponse.json({ token_type: 'Bearer', expires_in: 3599, access_token: 'x'.repeat(20) });
      }),
    );
    const i = input();
    expect((await requestTokenWithClientAssertion(entra, i)).isOk()).toBe(true);
    expect(contentType).toBe('application/x-www-form-urlencoded');
    expect(authorization).toBeNull();
    expect(form).toEqual({
      client_id: CLIENT_ID,
      scope: ARM_SCOPE,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: i.clientAssertion,
      grant_type: 'client_credentials',
    });
  });

  it('uses the authority of a sovereign cloud', async () => {
    server.use(...entraContractHandlers({ baseUrl: 'https://login.microsoftonline.us' }));
    const gov = createEntraTokenClient({ cloud: 'AzureUSGovernment' });
    expect(
      (await requestTokenWithClientAssertion(gov, { ...input(), scope: 'https://management.usgovcloudapi.net/.default' })).isOk(),
    ).toBe(true);
  });

  it.each([
    ['a scope without /.default', { scope: 'https://management.azure.com/user_impersonation' }, 'BadRequest', 'invalid_scope', 70011],
    ['an empty assertion', { clientAssertion: '' }, 'Unauthorized', 'invalid_client', 7000218],
    ['an assertion that is not a JWT', { clientAssertion: 'not-a-jwt-at-all' }, 'BadRequest', 'invalid_request', 50027],
    ['a client id that is not a GUID', { clientId: 'my-app' }, 'BadRequest', 'unauthorized_client', 700016],
    ['an empty scope', { scope: '' }, 'BadRequest', 'invalid_request', 900144],
  ])('is rejected for %s', async (_, change, kind, code, aadsts) => {
    const e = (await requestTokenWithClientAssertion(entra, { ...input(), ...change }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind, code, errorCodes: [aadsts], requestId: expect.any(String), retryable: false });
  });

  it('is rejected for an expired assertion (AADSTS700024)', async () => {
    const expired = makeTestToken('api://AzureADTokenExchange/.default', { exp: Math.floor(Date.now() / 1000) - 60 });
    const e = (await requestTokenWithClientAssertion(entra, { ...input(), clientAssertion: expired }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ code: 'invalid_client', errorCodes: [700024] });
  });

  it('maps AADSTS70021 (no matching federated credential) without retrying', async () => {
    let calls = 0;
    server.use(
      http.post(TOKEN_URL, () => {
        calls++;
        return serviceError(
          'entra',
          400,
          'invalid_grant',
          'AADSTS70021: No matching federated identity record found for presented assertion.',
        );
      }),
    );
    const e = (await requestTokenWithClientAssertion(entra, input()))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'BadRequest', code: 'invalid_grant', errorCodes: [70021], retryable: false });
    expect(calls).toBe(1);
  });

  it.each([429, 503])('retries %i with bounded backoff, then succeeds', async (status) => {
    let calls = 0;
    server.use(
      http.post(TOKEN_URL, () =>
        ++calls < 3
          ? serviceError('entra', status, 'temporarily_unavailable', 'AADSTS90033: A transient error has occurred.', { 'Retry-After': '0' })
          : HttpResponse.json({ token_type: 'Bearer', expires_in: 3599, access_token: 'y'.repeat(20) }),
      ),
    );
    expect((await requestTokenWithClientAssertion(entra, input())).isOk()).toBe(true);
    expect(calls).toBe(3);
  });

  it('maps 429 with Retry-After once retries are used up', async () => {
    server.use(
      http.post(TOKEN_URL, () => serviceError('entra', 429, 'temporarily_unavailable', 'AADSTS90033: Busy.', { 'Retry-After': '2' })),
    );
    const e = (await requestTokenWithClientAssertion(createEntraTokenClient({ retry: { maxRetries: 0 } }), input()))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'Throttled', retryable: true, retryAfterInMs: 2000, errorCodes: [90033] });
  });

  it('never shows the assertion or the token, even when Entra echoes them', async () => {
    // Not JWT-shaped, so only its registration as a secret can keep it out of the error.
    const clientAssertion = 'opaque-assertion-value-0123456789';
    const secretToken = 'entra-access-token-0123456789';
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        const form = new URLSearchParams(await request.text());
        return serviceError('entra', 400, 'invalid_client', `AADSTS50027: Malformed assertion ${form.get('client_assertion')}.`);
      }),
    );
    const e = (await requestTokenWithClientAssertion(entra, { ...input(), clientAssertion }))._unsafeUnwrapErr();
    expect(e.message).toContain('Malformed assertion [REDACTED]');
    expect(JSON.stringify(e)).not.toContain(clientAssertion);

    server.use(http.post(TOKEN_URL, () => HttpResponse.json({ token_type: 'Bearer', expires_in: 3599, access_token: secretToken })));
    const handle = (await requestTokenWithClientAssertion(entra, input()))._unsafeUnwrap();
    expect(`${JSON.stringify(handle)} ${inspect(handle)} ${String(handle)}`).not.toContain(secretToken);
  });
});

describe('AccessTokenHandle.asCredential', () => {
  it('refuses another scope and an expired token', async () => {
    const handle = (await requestTokenWithClientAssertion(entra, input()))._unsafeUnwrap();
    await expect(handle.asCredential().getToken('https://graph.microsoft.com/.default')).rejects.toThrow(
      /issued for https:\/\/management\.azure\.com/,
    );
    server.use(http.post(TOKEN_URL, () => HttpResponse.json({ token_type: 'Bearer', expires_in: 0, access_token: 'z'.repeat(20) })));
    const expired = (await requestTokenWithClientAssertion(entra, input()))._unsafeUnwrap();
    await expect(expired.asCredential().getToken(ARM_SCOPE)).rejects.toThrow(/expired/);
  });

  it('authenticates another client (the exchanged token calls ARM)', async () => {
    const handle = (await requestTokenWithClientAssertion(entra, input()))._unsafeUnwrap();
    let audience: string | undefined;
    server.use(
      http.get('https://management.azure.com/subscriptions', ({ request }) => {
        audience = decodeTestToken(request.headers.get('authorization'))?.aud;
        return HttpResponse.json({ value: [] });
      }),
    );
    const arm = createTransport({
      service: 'arm',
      baseUrl: 'https://management.azure.com',
      auth: { kind: 'bearer', credential: handle.asCredential(), scope: ARM_SCOPE },
    });
    expect((await arm.send({ method: 'GET', path: '/subscriptions', operation: 'GET subscriptions' })).isOk()).toBe(true);
    expect(audience).toBe('https://management.azure.com');
  });
});
