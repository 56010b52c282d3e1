/** What every step owes its caller: it stops when aborted, and no token ever reaches a Result. */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { createTestCredential, TEST_TENANT_ID } from '@wif/testing';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { bindFederatedCredential } from './bindFederatedCredential';
import { createManualConnection } from './createManualConnection';
import { grantRole } from './grantRole';
import { registerApp } from './registerApp';
import { verifySubject } from './verifySubject';

const { fake, server } = useFake();

/** The test credential, remembering every token it hands out. */
const issued: string[] = [];
const testCredential = createTestCredential();
const credential: TokenCredential = {
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const token = await testCredential.getToken(scopes, options);
    if (token) issued.push(token.token);
    return token;
  },
};
const clients = createClients({ credential, organization: 'contoso', retry: { maxRetries: 0 } });

const SUB = '11111111-2222-3333-4444-555555555555';
const RG_SCOPE = `/subscriptions/${SUB}/resourceGroups/rg-app-prod`;
const CONNECTION_ID = '5a7d2c3e-1f00-4b6a-9c8d-0e1f2a3b4c5d';

/** One call of each step against a seeded fake, with `abortSignal`. */
function everyStep(abortSignal: AbortSignal) {
  fake.state.addProject('platform');
  const app = fake.state.addApplication({ displayName: 'ado-one' });
  const sp = fake.state.addServicePrincipal({ appId: app.appId });
  const endpoint = fake.state.addServiceEndpoint({ name: 'sc-one', projects: 'platform', servicePrincipalId: app.appId });
  const f = fake.state.federation(endpoint.id)!;
  const options = { abortSignal, replication: { delayInMs: 1, maxDelayInMs: 5 } };
  return {
    registerApp: () => registerApp(clients, { displayName: 'ado-two' }, options),
    grantRole: () => grantRole(clients, { scope: RG_SCOPE, role: 'Reader', principalId: sp.id }, options),
    createManualConnection: () =>
      createManualConnection(
        clients,
        {
          project: 'platform',
          name: 'sc-two',
          tenantId: TEST_TENANT_ID,
          appId: app.appId,
          target: { level: 'subscription', subscriptionId: SUB, subscriptionName: 'Prod' },
        },
        options,
      ),
    bindFederatedCredential: () =>
      bindFederatedCredential(clients, { appObjectId: app.id, issuer: f.issuer, subject: f.subject, connectionId: CONNECTION_ID }, options),
    verifySubject: () => verifySubject(clients, { project: 'platform', connectionId: endpoint.id }, options),
  };
}

describe('abortSignal', () => {
  it.each(['registerApp', 'grantRole', 'createManualConnection', 'bindFederatedCredential', 'verifySubject'] as const)(
    '%s returns Aborted and sends nothing when the signal has already fired',
    async (step) => {
      const r = await everyStep(AbortSignal.abort())[step]();
      expect(r._unsafeUnwrapErr().kind).toBe('Aborted');
      expect(fake.requests).toHaveLength(0);
    },
  );

  /** Aborts shortly after the service answered the `n`th request matching `path`: while the step waits. */
  function abortAfter(method: 'get' | 'put', path: string, n: number): AbortSignal {
    const controller = new AbortController();
    let seen = 0;
    server.use(
      http[method](path, () => {
        if (++seen === n) setTimeout(() => controller.abort(), 20);
      }),
    );
    return controller.signal;
  }

  it('registerApp returns Aborted while waiting for a service principal to replicate', async () => {
    fake.setOptions({ replicationLagInMs: 600_000 });
    const app = fake.state.addApplication({ displayName: 'ado-one', uniqueName: 'wif-ado-one', tags: ['wif:managed'] });
    fake.state.addServicePrincipal({ appId: app.appId });
    const abortSignal = abortAfter('get', 'https://graph.microsoft.com/v1.0/servicePrincipals*', 2);
    const started = performance.now();
    const r = await registerApp(clients, { displayName: 'ado-one' }, { abortSignal, replication: { delayInMs: 10_000 } });
    expect(r._unsafeUnwrapErr().kind).toBe('Aborted');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(fake.requests.map((q) => q.operation)).toEqual([
      'applications.get',
      'servicePrincipals.get',
      'servicePrincipals.create',
      'servicePrincipals.get',
    ]);
  });

  it('grantRole returns Aborted while waiting out PrincipalNotFound', async () => {
    const abortSignal = abortAfter(
      'put',
      `https://management.azure.com${RG_SCOPE}/providers/Microsoft.Authorization/roleAssignments/:name`,
      1,
    );
    const started = performance.now();
    const r = await grantRole(
      clients,
      { scope: RG_SCOPE, role: 'Reader', principalId: '0b5c4f9e-0000-4000-8000-00000000abcd' },
      { abortSignal, replication: { delayInMs: 10_000 } },
    );
    expect(r._unsafeUnwrapErr().kind).toBe('Aborted');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(fake.requests.filter((q) => q.operation === 'roleAssignments.create').map((q) => q.status)).toEqual([400]);
  });
});

describe('secrets', () => {
  /** Answers every request with the service's error body, quoting the caller's Authorization header. */
  function echoAuthorization(status: number) {
    const echo = ({ request }: { request: Request }) => {
      const authorization = request.headers.get('authorization') ?? '';
      return HttpResponse.json(
        { error: { code: 'Echo', message: `rejected ${authorization}` }, message: `rejected ${authorization}`, typeKey: 'EchoException' },
        { status },
      );
    };
    server.use(
      http.all('https://graph.microsoft.com/*', echo),
      http.all('https://management.azure.com/*', echo),
      http.all('https://dev.azure.com/*', echo),
    );
  }

  const leaks = (value: unknown): string[] => {
    const text = JSON.stringify(value);
    return [...issued.filter((t) => text.includes(t)), ...['wif-test-signature', 'Bearer ey'].filter((s) => text.includes(s))];
  };

  it.each([401, 403, 400])('no Result of any step holds a token, even when a service quotes it back (%s)', async (status) => {
    echoAuthorization(status);
    const steps = everyStep(new AbortController().signal);
    const results = await Promise.all(Object.values(steps).map((step) => step()));
    expect(issued.length).toBeGreaterThan(0);
    for (const r of results) {
      expect(r.isErr()).toBe(true);
      // The service's message made it into the error, with the token scrubbed out of it.
      expect(JSON.stringify(r)).toMatch(/rejected Bearer \[REDACTED\]/);
      expect(leaks(r)).toEqual([]);
    }
  });

  it('no successful Result holds a token', async () => {
    const steps = everyStep(new AbortController().signal);
    const results = [
      await steps.registerApp(),
      await steps.grantRole(),
      await steps.createManualConnection(),
      await steps.bindFederatedCredential(),
      await steps.verifySubject(),
    ];
    expect(results.every((r) => r.isOk())).toBe(true);
    for (const r of results) expect(leaks(r)).toEqual([]);
  });
});
