/**
 * The harnesses' own life cycle: what one call at the top of a file promises every test file.
 */
import { createServer, type AddressInfo } from 'node:net';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { decodeTestToken, makeTestToken } from '../credential';
import { FAST_RETRY, useContractServer, useFake, type TestClientOptions } from './index';

/** A loopback port nothing listens on (bound, then released): only MSW can answer there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
const LOCAL = `http://127.0.0.1:${await closedPort()}/ping`;
const ping = () => http.get(LOCAL, () => HttpResponse.json({ pong: true }));
const PROJECTS = 'https://dev.azure.com/contoso/_apis/projects?api-version=7.1';
const devopsGet = (url: string) =>
  fetch(url, { headers: { authorization: `Bearer ${makeTestToken('499b84ac-1321-427f-aa17-267ca6975798/.default')}` } });

describe('useContractServer', () => {
  const api = useContractServer([ping()]);

  it('answers with the file handlers and logs each request with its body', async () => {
    const res = await fetch(LOCAL, { method: 'GET' });
    expect(await res.json()).toEqual({ pong: true });
    api.use(http.post(LOCAL, async ({ request }) => HttpResponse.json({ posted: await request.text() })));
    await fetch(LOCAL, { method: 'POST', body: 'hello' });
    expect(api.requests.map((r) => [r.method, r.url.pathname, r.body])).toEqual([
      ['GET', '/ping', ''],
      ['POST', '/ping', 'hello'],
    ]);
    expect(api.urls).toEqual([LOCAL, LOCAL]);
  });

  it('drops the previous test overrides and request log', async () => {
    expect(api.requests).toHaveLength(0);
    await expect(fetch(LOCAL, { method: 'POST' })).rejects.toThrow();
  });

  it('fails a request no handler answers (onUnhandledFrame: error)', async () => {
    const failure = await fetch(LOCAL.replace('/ping', '/nobody-answers')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(TypeError);
    expect(String((failure as TypeError).cause)).toMatch(/"error" strategy for the "onUnhandledFrame" option/);
  });

  it('gives client options with a fresh credential and fast retries', () => {
    const a = api.clientOptions();
    const b = api.clientOptions({ organization: 'fabrikam' });
    expect(a).toMatchObject({ organization: 'contoso', retry: FAST_RETRY });
    expect(b.organization).toBe('fabrikam');
    expect(a.credential).not.toBe(b.credential);
  });
});

describe('after a file (here: a describe) ends', () => {
  it('its server is closed: the loopback request reaches the (closed) port', async () => {
    await expect(fetch(LOCAL)).rejects.toThrow();
  });
});

describe('useFake', () => {
  const seen: TestClientOptions[] = [];
  const t = useFake({
    fake: { issuerMode: 'legacy', organization: 'fabrikam' },
    callerClaims: true,
    clients: (options) => {
      seen.push(options);
      return { built: options.organization };
    },
    projects: ['platform'],
  });

  it('serves the fake, with the projects asked for, and logs what reached it', async () => {
    const res = await devopsGet(PROJECTS.replace('contoso', 'fabrikam'));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { value: { name: string }[] }).value.map((p) => p.name)).toEqual(['platform']);
    expect(t.requests.map((r) => r.status)).toEqual([200]);
    t.fake.state.addProject('web');
    t.fake.setOptions({ issuerMode: 'entra' });
  });

  it('resets the state and the request log, and restores the knobs, before each test', () => {
    expect(t.requests).toHaveLength(0);
    expect(t.fake.state.projects().map((p) => p.name)).toEqual(['platform']);
    const endpoint = t.fake.state.addServiceEndpoint({ name: 'sc', projects: 'platform', servicePrincipalId: 'app' });
    expect(t.fake.state.federation(endpoint.id)?.issuer).toMatch(/^https:\/\/vstoken\.dev\.azure\.com\//);
  });

  it('builds the clients once, with the fake organization, the file credential and fast retries', () => {
    expect(t.clients).toEqual({ built: 'fabrikam' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ organization: 'fabrikam', retry: FAST_RETRY });
    expect(seen[0]!.credential).toBe(t.credential);
  });

  it('gives the credential the fake caller claims when asked', async () => {
    t.fake.setPermissions({ deny: ['graph:Application.ReadWrite.All'] });
    const token = await t.credential.getToken('https://graph.microsoft.com/.default');
    const claims = decodeTestToken(`Bearer ${token!.token}`);
    expect(claims).toEqual(expect.objectContaining(t.fake.callerClaims('https://graph.microsoft.com/.default')));
    expect(JSON.stringify(claims)).not.toContain('Application.ReadWrite.All');
  });

  it('lets a test override a route in front of the fake, for that test only', async () => {
    t.use(http.get('https://dev.azure.com/fabrikam/_apis/projects', () => HttpResponse.json({ message: 'down' }, { status: 503 })));
    expect((await devopsGet(PROJECTS.replace('contoso', 'fabrikam'))).status).toBe(503);
    expect(t.requests).toHaveLength(0);
  });

  it('drops that override afterwards', async () => {
    expect((await devopsGet(PROJECTS.replace('contoso', 'fabrikam'))).status).toBe(200);
  });
});

describe("useFake({ reset: 'file' })", () => {
  const t = useFake({ reset: 'file', projects: ['once'], setUp: (fake) => void fake.state.addProject('then') });

  it('seeds once: the projects, then setUp', () => {
    t.fake.state.addProject('later');
    expect(t.fake.state.projects().map((p) => p.name)).toEqual(['once', 'then', 'later']);
  });

  it('and keeps the state between tests', () => {
    expect(t.fake.state.projects().map((p) => p.name)).toEqual(['once', 'then', 'later']);
  });
});
