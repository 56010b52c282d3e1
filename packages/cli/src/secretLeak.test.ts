/**
 * Secret-leak suite for the CLI (property-based): a random PAT in the environment and random
 * tokens, client secrets and `serviceprincipalkey` values in every answer and error body the
 * services send; nothing the CLI prints — table, JSON, `--verbose` request log, errors — contains one.
 */
import fc from 'fast-check';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import { memoryIo } from '../test/memoryIo';
import { main } from './main';

const URL_ = 'http://127.0.0.1:4099';
const G = '11111111-2222-3333-4444-555555555555';
const { server } = useContractServer();

const alnum = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${min},${max}}$`));
const secrets = fc.record({
  pat: alnum(52, 52),
  jwt: fc.tuple(alnum(10, 40), alnum(10, 80), alnum(10, 40)).map(([a, b, c]) => `eyJ${a}.eyJ${b}.${c}`),
  clientSecret: fc.tuple(alnum(3, 3), fc.integer({ min: 0, max: 9 }), alnum(34, 34)).map(([a, d, b]) => `${a}${d}Q~${b}`),
  key: alnum(30, 50).map((s) => `key${s}`),
});

function leaking(s: { jwt: string; clientSecret: string; key: string }) {
  const echo = (r: Request) => `${r.headers.get('authorization') ?? ''} ${s.jwt} client_secret=${s.clientSecret}`;
  return [
    // The organization answers (the run-wide check before anything else).
    http.get(`${URL_}/devops/contoso/_apis/connectionData`, () => HttpResponse.json({ instanceId: G })),
    // Projects list works, and one project's connections come back with a secret filled in.
    http.get(`${URL_}/devops/contoso/_apis/projects`, () =>
      HttpResponse.json({
        count: 2,
        value: [
          { id: G, name: 'platform', state: 'wellFormed' },
          { id: G.replace('1111', '9999'), name: 'locked', state: 'wellFormed' },
        ],
      }),
    ),
    http.get(`${URL_}/devops/contoso/${G}/_apis/serviceendpoint/endpoints`, ({ request }) =>
      HttpResponse.json({
        count: 1,
        value: [
          {
            id: G,
            name: 'sc-legacy',
            type: 'azurerm',
            description: `pasted: ${s.jwt} "serviceprincipalkey": "${s.key}"`,
            authorization: {
              scheme: 'ServicePrincipal',
              parameters: { tenantid: G, serviceprincipalid: G, serviceprincipalkey: s.key, note: echo(request) },
            },
            data: { creationMode: 'Manual' },
            isReady: true,
            serviceEndpointProjectReferences: [{ projectReference: { id: G, name: 'platform' }, name: 'sc-legacy' }],
          },
        ],
      }),
    ),
    // The other project answers 403 with an error that quotes the Authorization header.
    http.all(`${URL_}/*`, ({ request }) =>
      HttpResponse.json(
        { message: `denied for ${echo(request)}`, typeKey: 'UnauthorizedRequestException' },
        { status: 403, headers: { 'x-vss-e2eid': s.jwt } },
      ),
    ),
  ];
}

describe('the CLI prints no secret', () => {
  it.each([
    ['table', ['audit', '--emulator', URL_, '--devops-auth', 'pat', '--verbose']],
    ['json', ['audit', '--emulator', URL_, '--devops-auth', 'pat', '--json', '--verbose']],
  ])('audit, %s output', async (_mode, argv) => {
    await fc.assert(
      fc.asyncProperty(secrets, async (s) => {
        server.resetHandlers(...leaking(s));
        const io = memoryIo({ env: { AZURE_DEVOPS_EXT_PAT: s.pat } });
        const code = await main(argv, io);
        const printed = io.out() + io.err();
        // It did run and print findings (the secret-based connection), so the check is meaningful.
        expect(code).not.toBe(2);
        expect(printed).toContain('sc-legacy');
        for (const secret of [s.pat, Buffer.from(`:${s.pat}`).toString('base64'), s.jwt, s.clientSecret, s.key]) {
          expect(printed).not.toContain(secret);
        }
      }),
      { numRuns: 10 },
    );
  });

  it('diagnose quotes a pasted log back without the secrets in it', async () => {
    await fc.assert(
      fc.asyncProperty(secrets, async (s) => {
        const io = memoryIo();
        const text = `##[error]AADSTS700213: No matching federated identity record found for presented assertion subject 'sc://contoso/platform/sc-prod'. Authorization: Bearer ${s.jwt} client_secret=${s.clientSecret}`;
        await main(['diagnose', text], io);
        const printed = io.out() + io.err();
        expect(printed).toMatch(/subject/i);
        for (const secret of [s.jwt, s.clientSecret]) expect(printed).not.toContain(secret);
      }),
      { numRuns: 20 },
    );
  });
});
