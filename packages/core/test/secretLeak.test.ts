/**
 * Secret-leak suite (property-based): random access tokens, PATs, Entra client secrets and
 * `serviceprincipalkey` values are placed in credentials, response bodies, error bodies and headers;
 * none may appear in any log line, error, Result, thrown stack or JSON output of the SDK.
 */
import fc from 'fast-check';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import {
  createClients,
  grantRole,
  PersonalAccessTokenCredential,
  redactDeep,
  registerApp,
  verifySubject,
  type LogEntry,
} from '../src/index';

const { server } = useContractServer();

const G = '11111111-2222-3333-4444-555555555555';
const alnum = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${min},${max}}$`));
/** Shapes of secrets seen in the wild: opaque tokens, JWTs, Entra client secrets, PATs. */
const secrets = fc.record({
  token: alnum(32, 64).map((s) => `tok${s}`),
  jwt: fc.tuple(alnum(10, 40), alnum(10, 80), alnum(10, 40)).map(([a, b, c]) => `eyJ${a}.eyJ${b}.${c}`),
  clientSecret: fc.tuple(alnum(3, 3), fc.integer({ min: 0, max: 9 }), alnum(34, 34)).map(([a, d, b]) => `${a}${d}Q~${b}`),
  pat: alnum(52, 52),
  key: alnum(30, 50).map((s) => `key${s}`),
});

function leakingHandlers(s: { token: string; jwt: string; clientSecret: string; key: string }) {
  const echo = (request: Request) => `${request.headers.get('authorization') ?? ''} ${s.clientSecret} ${s.jwt}`;
  return [
    // Graph answers an error that echoes the Authorization header and other secrets, with a secret header.
    http.all('https://graph.microsoft.com/v1.0/*', ({ request }) =>
      HttpResponse.json(
        {
          error: {
            code: 'Request_BadRequest',
            message: `bad request from ${echo(request)} client_secret=${s.clientSecret}`,
            innerError: { 'request-id': s.jwt },
          },
        },
        { status: 400, headers: { 'x-debug-token': s.token, 'request-id': s.jwt } },
      ),
    ),
    // ARM: 403 echoing the token, and a 429 storm carrying secrets in headers first.
    http.all('https://management.azure.com/*', ({ request }) =>
      HttpResponse.json(
        { error: { code: 'AuthorizationFailed', message: `The client with token ${echo(request)} does not have authorization` } },
        { status: 403, headers: { 'x-ms-request-id': s.token } },
      ),
    ),
    // Azure DevOps returns a connection whose secret is (wrongly) filled in, and echoes the PAT.
    http.all('https://dev.azure.com/*', ({ request }) =>
      HttpResponse.json({
        id: G,
        name: `sc ${echo(request)}`,
        type: 'azurerm',
        url: 'https://management.azure.com/',
        authorization: {
          scheme: 'ServicePrincipal',
          parameters: { tenantid: G, serviceprincipalid: G, serviceprincipalkey: s.key, authenticationType: 'spnKey' },
        },
        data: { note: `"serviceprincipalkey": "${s.key}"` },
        isReady: true,
      }),
    ),
  ];
}

describe('no secret leaks out of the SDK', () => {
  it('in logs, errors, Results, JSON or stacks, whatever the services send back', async () => {
    await fc.assert(
      fc.asyncProperty(secrets, async (s) => {
        server.resetHandlers(...leakingHandlers(s));
        const logs: LogEntry[] = [];
        const clients = createClients({
          credential: { getToken: async () => ({ token: s.token, expiresOnTimestamp: Date.now() + 3_600_000 }) },
          devopsCredential: new PersonalAccessTokenCredential(s.pat),
          organization: 'contoso',
          logger: (e) => logs.push(e),
          retry: { maxRetries: 0 },
        });
        const results = [
          await registerApp({ graph: clients.graph }, { displayName: 'ado-app' }),
          await grantRole({ arm: clients.arm }, { scope: `/subscriptions/${G}/resourceGroups/rg`, role: 'Reader', principalId: G }),
          await verifySubject({ graph: clients.graph, devops: clients.devops }, { project: 'platform', connectionId: G }),
        ];
        const outputs = [
          ...logs.map((l) => JSON.stringify(l)),
          ...results.map((r) => JSON.stringify(r)),
          ...results.map((r) => JSON.stringify(redactDeep(r))),
          ...results.map((r) => (r.isErr() ? r.error.message : '')),
          ...results.map((r) => new Error(JSON.stringify(r)).stack ?? ''),
          String(clients.devops),
          JSON.stringify(new PersonalAccessTokenCredential(s.pat)),
        ].join('\n');
        expect(results.every((r) => r.isErr())).toBe(true);
        for (const secret of [s.token, s.jwt, s.clientSecret, s.pat, Buffer.from(`:${s.pat}`).toString('base64'), s.key]) {
          expect(outputs).not.toContain(secret);
        }
      }),
      { numRuns: 25 },
    );
  });
});
