import { describe, expect, it } from 'vitest';
import { useFreshFakes } from '../vitest/_freshFakes';
import { decodeTestToken } from '../credential';
import { ARM, call, DEVOPS, ENTRA, testClock } from './_testClient';
import { type FakeOptions } from './index';

const { start } = useFreshFakes();

const ARM_SCOPE = 'https://management.azure.com/.default';
const SUB = '/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const PLAN = '11111111-2222-3333-4444-555555555555';

/** A project, an app with its SP, and a WIF connection for it; the FIC is left to each test. */
function setup(options: FakeOptions = {}, signInAudience = 'AzureADMyOrg') {
  const fake = start(options);
  const project = fake.state.addProject('P');
  const app = fake.state.addApplication({ displayName: 'wif-app', signInAudience });
  const sp = fake.state.addServicePrincipal({ appId: app.appId });
  const endpoint = fake.state.addServiceEndpoint({ name: 'conn', projects: 'P', servicePrincipalId: app.appId });
  const federation = fake.state.federation(endpoint.id)!;
  const trust = (overrides: { issuer?: string; subject?: string; audiences?: string[] } = {}) =>
    fake.state.addFederatedCredential(app.id, { name: 'ado', issuer: federation.issuer, subject: federation.subject, ...overrides });
  const mint = async (): Promise<string> =>
    (
      await call(
        'POST',
        `${DEVOPS}/${project.id}/_apis/distributedtask/hubs/build/plans/${PLAN}/jobs/${PLAN}/oidctoken?serviceConnectionId=${endpoint.id}&api-version=7.1-preview.1`,
        {
          json: {},
        },
      )
    ).body.oidcToken;
  const exchange = (assertion: string, clientId = app.appId, scope = ARM_SCOPE) =>
    call('POST', `${ENTRA}/${fake.state.tenantId}/oauth2/v2.0/token`, {
      form: {
        client_id: clientId,
        scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        grant_type: 'client_credentials',
      },
    });
  return { fake, app, sp, endpoint, trust, mint, exchange };
}

async function expectAadsts(
  response: Promise<{ status: number; body: { error_codes: number[]; error: string } }>,
  code: number,
): Promise<void> {
  const r = await response;
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.body.error_codes).toEqual([code]);
}

describe('token exchange', () => {
  it.each(['entra', 'legacy'] as const)(
    'exchanges a %s-format pipeline token for an access token of the service principal',
    async (issuerMode) => {
      const { sp, app, trust, mint, exchange, fake } = setup({ issuerMode });
      trust();
      const r = await exchange(await mint());
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
      const claims = decodeTestToken(`Bearer ${r.body.access_token as string}`);
      expect(claims).toMatchObject({ aud: 'https://management.azure.com', oid: sp.id, appid: app.appId, tid: fake.state.tenantId });
    },
  );

  it('fails with AADSTS700016 for an unknown app and AADSTS7000229 for an app without a service principal', async () => {
    const { fake, trust, mint, exchange } = setup();
    trust();
    await expectAadsts(exchange(await mint(), '22222222-2222-2222-2222-222222222222'), 700016);
    const lonely = fake.state.addApplication({ displayName: 'no-sp' });
    const fed = fake.state.federation(fake.state.serviceEndpoints()[0]!.id)!;
    fake.state.addFederatedCredential(lonely.id, { name: 'x', issuer: fed.issuer, subject: fed.subject });
    await expectAadsts(exchange(await mint(), lonely.appId), 7000229);
  });

  it('fails with AADSTS50027 for a malformed assertion and AADSTS700027 for a bad signature', async () => {
    const { trust, mint, exchange } = setup();
    trust();
    await expectAadsts(exchange('not-a-jwt'), 50027);
    const [h, p, s] = (await mint()).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'forged' })).toString(
      'base64url',
    );
    await expectAadsts(exchange(`${h}.${forged}.${s}`), 700027);
  });

  it('fails with AADSTS700024 once the assertion expired (5 minutes for the legacy format)', async () => {
    const clock = testClock();
    const { trust, mint, exchange } = setup({ issuerMode: 'legacy', clock: clock.read });
    trust();
    const assertion = await mint();
    clock.advance(299_000);
    expect((await exchange(assertion)).status).toBe(200);
    clock.advance(1_000);
    await expectAadsts(exchange(assertion), 700024);
  });

  it('fails with AADSTS70025 without FICs and AADSTS70052 for a multitenant app with the Entra issuer', async () => {
    const first = setup();
    await expectAadsts(first.exchange(await first.mint()), 70025);
    const multi = setup({}, 'AzureADMultipleOrgs');
    multi.trust();
    await expectAadsts(multi.exchange(await multi.mint()), 70052);
  });

  it('fails with AADSTS700211 / 700213 / 700212 for an issuer / subject / audience mismatch', async () => {
    const issuer = setup();
    issuer.trust({ issuer: 'https://vstoken.dev.azure.com/other' });
    await expectAadsts(issuer.exchange(await issuer.mint()), 700211);
    const subject = setup();
    subject.trust({ subject: 'sc://contoso/P/other' });
    await expectAadsts(subject.exchange(await subject.mint()), 700213);
    const audience = setup();
    audience.trust({ audiences: ['api://somethingElse'] });
    await expectAadsts(audience.exchange(await audience.mint()), 700212);
  });

  it('fails with AADSTS70021 while a new FIC propagates', async () => {
    const clock = testClock();
    const { trust, mint, exchange } = setup({ ficPropagationInMs: 60_000, clock: clock.read });
    trust();
    const assertion = await mint();
    await expectAadsts(exchange(assertion), 70021);
    clock.advance(60_000);
    expect((await exchange(assertion)).status).toBe(200);
  });

  it('uses the connection subject of the moment: a renamed legacy connection no longer matches its FIC', async () => {
    const { fake, endpoint, trust, mint, exchange } = setup({ issuerMode: 'legacy' });
    trust();
    fake.state.renameServiceEndpoint(endpoint.id, 'renamed');
    await expectAadsts(exchange(await mint()), 700213);
  });
});

describe('ARM authorization of an exchanged token', () => {
  it('allows only what its role assignments grant; the operator token may do anything', async () => {
    const { fake, sp, trust, mint, exchange } = setup();
    trust();
    const token: string = (await exchange(await mint())).body.access_token;
    const assignment = (scope: string, name: string) =>
      `${ARM}${scope}/providers/Microsoft.Authorization/roleAssignments/${name}?api-version=2022-04-01`;
    const listUrl = `${ARM}${SUB}/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`;
    const put = {
      properties: {
        roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
        principalId: sp.id,
        principalType: 'ServicePrincipal',
      },
    };

    const denied = await call('GET', listUrl, { token });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('AuthorizationFailed');

    fake.state.addRoleAssignment({ scope: SUB, roleDefinitionId: READER, principalId: sp.id });
    expect((await call('GET', listUrl, { token })).status).toBe(200);
    const write = await call('PUT', assignment(`${SUB}/resourceGroups/rg`, '33333333-3333-4333-8333-333333333333'), { token, json: put });
    expect(write.status).toBe(403);
    expect(write.body.error.message).toContain('Microsoft.Authorization/roleAssignments/write');

    fake.state.addRoleAssignment({ scope: `${SUB}/resourceGroups/rg`, roleDefinitionId: OWNER, principalId: sp.id });
    expect(
      (await call('PUT', assignment(`${SUB}/resourceGroups/rg`, '33333333-3333-4333-8333-333333333333'), { token, json: put })).status,
    ).toBe(201);
    expect((await call('PUT', assignment(SUB, '44444444-4444-4444-8444-444444444444'), { token, json: put })).status).toBe(403);
    // The platform operator's test token is not limited by role assignments.
    const operator = await call('PUT', assignment(SUB, '44444444-4444-4444-8444-444444444444'), {
      json: { properties: { ...put.properties, roleDefinitionId: OWNER } },
    });
    expect(operator.status).toBe(201);
  });
});
