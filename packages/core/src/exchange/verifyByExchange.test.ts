import { randomUUID } from 'node:crypto';
import { createEntraTokenClient } from '@wif/graph';
import type { LogEntry } from '@wif/http';
import { createTestCredential, makeTestToken, serviceError, TEST_TENANT_ID } from '@wif/testing';
import { http, type HttpHandler } from 'msw';
import { ok, safeTry } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { bindFederatedCredential } from '../steps/bindFederatedCredential';
import { createManualConnection } from '../steps/createManualConnection';
import { grantRole } from '../steps/grantRole';
import { registerApp } from '../steps/registerApp';
import { verifySubject } from '../steps/verifySubject';
import { createClients } from '../workflows/clients';
import type { OidcSource } from './types';
import { verifyByExchange } from './verifyByExchange';

const DEVOPS_SCOPE = '499b84ac-1321-427f-aa17-267ca6975798/.default';
const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
const RG = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-platform-prod`;
const OIDC_ROUTE = 'https://dev.azure.com/contoso/:project/_apis/distributedtask/hubs/:hub/plans/:plan/jobs/:job/oidctoken';
const TOKEN_ROUTE = 'https://login.microsoftonline.com/:tenant/oauth2/v2.0/token';
const FAST = { delayInMs: 2, maxDelayInMs: 10, maxAttempts: 40 };

const { fake, server } = useFake({ setUp: () => (mark = 0) });

const logs: LogEntry[] = [];
const clients = {
  ...createClients({
    credential: createTestCredential(),
    organization: 'contoso',
    retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5 },
    logger: (e) => logs.push(e),
  }),
  entra: createEntraTokenClient({ retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } }),
};
const replication = { delayInMs: 1, maxDelayInMs: 5 };

/** The five steps of examples/vend-one.ts: register → grant (Contributor on the RG) → connect → bind → verify. */
async function vend() {
  const project = fake.state.addProject('platform');
  const result = await safeTry(async function* () {
    const app = yield* registerApp({ graph: clients.graph }, { displayName: 'ado-sc-platform-prod' }, { replication });
    yield* grantRole(
      { arm: clients.arm },
      { scope: RG, role: 'Contributor', principalId: app.value.servicePrincipalObjectId },
      { replication },
    );
    const sc = yield* createManualConnection(
      { devops: clients.devops },
      {
        project: 'platform',
        name: 'sc-platform-prod',
        tenantId: TEST_TENANT_ID,
        appId: app.value.appId,
        target: { level: 'subscription', subscriptionId: SUBSCRIPTION, subscriptionName: 'Platform Prod' },
      },
    );
    yield* bindFederatedCredential(
      { graph: clients.graph },
      { appObjectId: app.value.applicationObjectId, issuer: sc.value.issuer, subject: sc.value.subject, connectionId: sc.value.id },
    );
    yield* verifySubject(clients, { project: 'platform', connectionId: sc.value.id });
    return ok({ app: app.value, sc: sc.value });
  });
  const { app, sc } = result._unsafeUnwrap();
  mark = fake.requests.length;
  logs.length = 0;
  const devops: OidcSource = { kind: 'devops', projectId: project.id, planId: randomUUID(), jobId: randomUUID() };
  return { project, app, sc, devops };
}

/** Wraps the fake's OIDC and token routes to see every token it hands out. */
function captureIssuedTokens(): { tokens: string[]; oidcHeaders: Headers[] } {
  const seen = { tokens: [] as string[], oidcHeaders: [] as Headers[] };
  const through = (route: string): HttpHandler =>
    http.post(route, async ({ request }) => {
      if (route === OIDC_ROUTE) seen.oidcHeaders.push(request.headers);
      const response = await fake.handle(request);
      const body = (await response.clone().json()) as { oidcToken?: string; access_token?: string };
      for (const t of [body.oidcToken, body.access_token]) if (t) seen.tokens.push(t);
      return response;
    });
  server.use(through(OIDC_ROUTE), through(TOKEN_ROUTE));
  return seen;
}

/** Requests since the vend: what verifyByExchange sent. */
let mark = 0;
const sent = () => fake.requests.slice(mark);
const count = (operation: string): number => sent().filter((r) => r.operation === operation).length;

describe('verifyByExchange', () => {
  it('proves a freshly vended connection end to end, and no token shows anywhere', async () => {
    const { app, sc, devops } = await vend();
    const issued = captureIssuedTokens();
    const report = (
      await verifyByExchange(clients, { project: 'platform', connectionId: sc.id }, { oidc: devops, logger: (e) => logs.push(e) })
    )._unsafeUnwrap();

    expect(report).toMatchObject({
      connection: { id: sc.id, name: 'sc-platform-prod', project: 'platform' },
      appId: app.appId,
      tenantId: TEST_TENANT_ID,
      issuer: sc.issuer,
      subject: sc.subject,
      scope: RG,
      scopeSource: 'roleAssignment',
      exchangeAttempts: 1,
      propagationWaitInMs: 0,
    });
    for (const t of Object.values(report.timings)) expect(t).toBeGreaterThanOrEqual(0);
    expect(report.timings.totalInMs).toBeGreaterThanOrEqual(report.timings.exchangeInMs + report.timings.armInMs);
    // The ARM call was made with the exchanged token, at the scope, atScope().
    const armCall = sent().at(-1);
    expect(armCall).toMatchObject({
      service: 'arm',
      operation: 'roleAssignments.list',
      status: 200,
      path: `${RG}/providers/Microsoft.Authorization/roleAssignments`,
    });
    expect(count('servicePrincipals.get')).toBe(1);
    expect(count('oidcToken.create')).toBe(1);
    expect(count('token')).toBe(1);

    expect(issued.tokens).toHaveLength(2);
    const everything = JSON.stringify({ report, logs });
    for (const token of issued.tokens) expect(everything).not.toContain(token);
    expect(logs.some((l) => l.message.includes('token issued after 1 attempt'))).toBe(true);
  });

  it('calls the scope it is given, where a role inherited from above is enough', async () => {
    const { sc, devops } = await vend();
    const site = `${RG}/providers/Microsoft.Web/sites/web1`;
    const report = (
      await verifyByExchange(clients, { project: 'platform', connectionId: sc.id, scope: site }, { oidc: devops })
    )._unsafeUnwrap();
    expect(report).toMatchObject({ scope: site, scopeSource: 'input' });
    expect(sent().at(-1)).toMatchObject({
      operation: 'roleAssignments.list',
      status: 200,
      path: `${site}/providers/Microsoft.Authorization/roleAssignments`,
    });
    expect(count('servicePrincipals.get')).toBe(0);
  });

  it('fails at the exchange with 700213 and a diagnosis that says where the subject differs', async () => {
    const { app, sc, devops } = await vend();
    const [fic] = fake.state.federatedCredentials(app.applicationObjectId);
    fic!.subject = `${sc.subject.slice(0, -1)}X`;
    const issued = captureIssuedTokens();
    const e = (
      await verifyByExchange(clients, { project: 'platform', connectionId: sc.id }, { oidc: devops, propagation: FAST })
    )._unsafeUnwrapErr();

    expect(e).toMatchObject({ kind: 'ExchangeFailed', stage: 'exchange', code: 'invalid_client', errorCodes: [700213], status: 400 });
    if (e.kind !== 'ExchangeFailed') throw new Error('unreachable');
    expect(e.diagnosis).toMatchObject({ cause: 'SubjectMismatch', confidence: 'certain' });
    expect(e.diagnosis?.evidence).toContain(`first difference at position ${sc.subject.length - 1}`);
    expect(e.diagnosis?.evidence).toContain(`connection subject: ${sc.subject}`);
    expect(count('token')).toBe(1);
    const everything = JSON.stringify(e);
    for (const token of issued.tokens) expect(everything).not.toContain(token);
  });

  it('waits out propagation (AADSTS70021) with a fresh OIDC token per attempt, and says how long', async () => {
    const { app, sc, devops } = await vend();
    // The fake's clock stands still except when a propagation retry is logged: two attempts fail,
    // the third is past the window, whatever the load on the machine.
    let now = Date.now();
    fake.setOptions({ ficPropagationInMs: 150, clock: () => now });
    // As if the credential had just been written.
    fake.state.federatedCredentials(app.applicationObjectId)[0]!.writtenAt = now;
    const report = (
      await verifyByExchange(
        clients,
        { project: 'platform', connectionId: sc.id },
        {
          oidc: devops,
          propagation: FAST,
          logger: (l) => {
            logs.push(l);
            if (l.message.includes('(propagation); retrying')) now += 100;
          },
        },
      )
    )._unsafeUnwrap();
    fake.setOptions({ clock: Date.now });

    expect(report.exchangeAttempts).toBeGreaterThan(1);
    expect(report.propagationWaitInMs).toBeGreaterThan(0);
    expect(report.propagationWaitInMs).toBeLessThanOrEqual(report.timings.totalInMs);
    expect(count('token')).toBe(report.exchangeAttempts);
    expect(count('oidcToken.create')).toBe(report.exchangeAttempts);
    // The live check runs once, on the first 70021, not on every attempt.
    expect(count('federatedIdentityCredentials.list')).toBe(1);
    expect(logs.filter((l) => l.message.includes('(propagation); retrying')).length).toBe(report.exchangeAttempts - 1);
  });

  it('gives up on propagation after the attempts it was allowed', async () => {
    const { sc, devops } = await vend();
    fake.setOptions({ ficPropagationInMs: 60_000 });
    const e = (
      await verifyByExchange(
        clients,
        { project: 'platform', connectionId: sc.id },
        { oidc: devops, propagation: { ...FAST, maxAttempts: 3 } },
      )
    )._unsafeUnwrapErr();
    expect(e).toMatchObject({
      kind: 'ExchangeFailed',
      stage: 'exchange',
      errorCodes: [70021],
      diagnosis: { cause: 'CredentialPropagation' },
    });
    expect(e.message).toMatch(/after 3 attempts over \d+ ms of propagation/);
    expect(count('token')).toBe(3);
  });

  it('does not wait when AADSTS70021 is a real mismatch', async () => {
    const { app, sc, devops } = await vend();
    fake.state.federatedCredentials(app.applicationObjectId)[0]!.subject = sc.subject.toUpperCase();
    // Real Entra often answers a subject mismatch with plain 70021 (the fake says 700213).
    server.use(
      http.post(TOKEN_ROUTE, () =>
        serviceError('entra', 400, 'invalid_client', 'AADSTS70021: No matching federated identity record found for presented assertion.'),
      ),
    );
    const e = (
      await verifyByExchange(clients, { project: 'platform', connectionId: sc.id }, { oidc: devops, propagation: FAST })
    )._unsafeUnwrapErr();
    expect(e).toMatchObject({
      kind: 'ExchangeFailed',
      stage: 'exchange',
      errorCodes: [70021],
      diagnosis: { cause: 'SubjectMismatch', confidence: 'certain' },
    });
    expect(count('oidcToken.create')).toBe(1);
  });

  it('fails at ARM with 403 AuthorizationFailed when the service principal has no role at the scope', async () => {
    const { app, sc, devops } = await vend();
    const scope = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-other`;
    const e = (await verifyByExchange(clients, { project: 'platform', connectionId: sc.id, scope }, { oidc: devops }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'ExchangeFailed', stage: 'arm', status: 403, code: 'AuthorizationFailed' });
    if (e.kind !== 'ExchangeFailed') throw new Error('unreachable');
    expect(e.diagnosis).toMatchObject({ cause: 'RoleAssignmentMissing', confidence: 'certain' });
    expect(e.diagnosis?.summary).toContain(
      `${app.servicePrincipalObjectId} has no role at '${scope}' or above; it has Contributor at ${RG}`,
    );
  });

  it('gets the OIDC token the way a pipeline job does (System.OidcRequestUri + System.AccessToken)', async () => {
    const { project, sc } = await vend();
    const issued = captureIssuedTokens();
    const accessToken = makeTestToken(DEVOPS_SCOPE, { oid: 'build-service' });
    const requestUri = `https://dev.azure.com/contoso/${project.id}/_apis/distributedtask/hubs/build/plans/${randomUUID()}/jobs/${randomUUID()}/oidctoken`;
    const report = (
      await verifyByExchange(
        clients,
        { project: 'platform', connectionId: sc.id },
        { oidc: { kind: 'pipeline', requestUri, accessToken }, logger: (l) => logs.push(l) },
      )
    )._unsafeUnwrap();

    expect(report.exchangeAttempts).toBe(1);
    expect(issued.oidcHeaders[0]?.get('authorization')).toBe(`Bearer ${accessToken}`);
    const oidcRequest = sent().find((r) => r.operation === 'oidcToken.create');
    expect(oidcRequest).toMatchObject({ method: 'POST', status: 200, path: new URL(requestUri).pathname });
    const everything = JSON.stringify({ report, logs });
    for (const token of [accessToken, ...issued.tokens]) expect(everything).not.toContain(token);
  });

  it('sends api-version and serviceConnectionId on the request URI', async () => {
    const { project, sc } = await vend();
    let url: URL | undefined;
    server.use(
      http.post(OIDC_ROUTE, ({ request }) => {
        url = new URL(request.url);
        return fake.handle(request);
      }),
    );
    const requestUri = `https://dev.azure.com/contoso/${project.id}/_apis/distributedtask/hubs/build/plans/${randomUUID()}/jobs/${randomUUID()}/oidctoken`;
    (
      await verifyByExchange(
        clients,
        { project: 'platform', connectionId: sc.id },
        { oidc: { kind: 'pipeline', requestUri, accessToken: makeTestToken(DEVOPS_SCOPE) } },
      )
    )._unsafeUnwrap();
    expect(Object.fromEntries(url!.searchParams)).toEqual({ 'api-version': '7.1-preview.1', serviceConnectionId: sc.id });
  });

  it('refuses a multi-tenant app behind the Entra issuer (AADSTS70052)', async () => {
    const { app, sc, devops } = await vend();
    fake.state.application(app.applicationObjectId)!.signInAudience = 'AzureADMultipleOrgs';
    const e = (await verifyByExchange(clients, { project: 'platform', connectionId: sc.id }, { oidc: devops }))._unsafeUnwrapErr();
    expect(e).toMatchObject({
      kind: 'ExchangeFailed',
      stage: 'exchange',
      errorCodes: [70052],
      diagnosis: { cause: 'MultiTenantApp', confidence: 'certain' },
    });
  });

  it("fails at the OIDC stage when the job's project does not have the connection", async () => {
    const { sc } = await vend();
    const other = fake.state.addProject('other');
    const e = (
      await verifyByExchange(
        clients,
        { project: 'platform', connectionId: sc.id },
        { oidc: { kind: 'devops', projectId: other.id, planId: randomUUID(), jobId: randomUUID() } },
      )
    )._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'ExchangeFailed', stage: 'oidc', status: 404, diagnosis: { cause: 'ConnectionNotShared' } });
    expect(count('token')).toBe(0);
  });

  it('refuses a connection on a secret: there is nothing to exchange', async () => {
    fake.state.addProject('platform');
    const app = fake.state.addApplication({ displayName: 'old' });
    const sc = fake.state.addServiceEndpoint({
      name: 'sc-old',
      projects: 'platform',
      scheme: 'ServicePrincipal',
      servicePrincipalId: app.appId,
    });
    const e = (
      await verifyByExchange(
        clients,
        { project: 'platform', connectionId: sc.id },
        { oidc: { kind: 'devops', projectId: randomUUID(), planId: randomUUID(), jobId: randomUUID() } },
      )
    )._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'ConnectionConflict', reason: 'UsesSecret' });
    expect(count('oidcToken.create')).toBe(0);
  });

  it.each([
    [
      'a plain-HTTP request URI',
      { kind: 'pipeline', requestUri: 'http://dev.azure.com/contoso/x/oidctoken', accessToken: 'job-token-0123456789' },
      'oidc.requestUri',
    ],
    [
      'an empty job token',
      { kind: 'pipeline', requestUri: 'https://dev.azure.com/contoso/x/oidctoken', accessToken: '' },
      'oidc.accessToken',
    ],
    ['a plan id that is not a GUID', { kind: 'devops', projectId: randomUUID(), planId: 'plan', jobId: randomUUID() }, 'oidc.planId'],
  ] as const)('refuses %s before sending anything', async (_, oidc, path) => {
    const e = (await verifyByExchange(clients, { project: 'platform', connectionId: randomUUID() }, { oidc }))._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: 'Validation', problems: [{ path }] });
    expect(JSON.stringify(e)).not.toContain('job-token-0123456789');
    expect(fake.requests).toEqual([]);
  });
});
