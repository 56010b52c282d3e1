/**
 * Fault injection: 20% of requests fail — 429 with Retry-After, 503, connection resets, and
 * timeouts where the service *did* the work but the answer never arrived (the nastiest case: a
 * retried POST meets its own earlier success). An environment-set apply still converges, with
 * nothing duplicated and nothing orphaned; a second apply changes nothing.
 */
import { createFake, createTestCredential, type Fake, seededRandom, TEST_TENANT_ID } from '@wif/testing';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, createClients, loadSpec, type WifClients } from '../src/index';

const SUB = '11111111-2222-3333-4444-555555555555';
const TIMEOUT_IN_MS = 150;

const spec = loadSpec(`
organization: contoso
tenantId: ${TEST_TENANT_ID}
environments:
  - project: platform
    name: sc-shop
    subscriptionId: ${SUB}
    subscriptionName: Shop
    dev: { resourceGroup: rg-shop-dev, pipelines: [3] }
    prod: { resourceGroup: rg-shop-prod, pipelines: [4] }
    extraRoles:
      - { role: Reader, scope: /subscriptions/${SUB}/resourceGroups/rg-tfstate }
`)._unsafeUnwrap();

describe.each([11, 22, 33])('apply with one request in five failing (seed %i)', (seed) => {
  // 5% each of 429, 503 and connection resets come from the fake's own knobs; 5% are timeouts: the
  // fake does the work, then the answer is held past the client's per-attempt timeout. Served over
  // real HTTP on 127.0.0.1, so resets and timeouts are real socket events.
  // The fake's own seeded PRNG (mulberry32), so that a failing seed can be replayed.
  const random = seededRandom(seed);
  let timeouts = 0;
  let fake!: Fake;
  let clients!: WifClients;
  const http = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers.set(k, v);
      const method = req.method ?? 'GET';
      const body = chunks.length && method !== 'GET' ? Buffer.concat(chunks) : undefined;
      const response = await fake.handle(new Request(`${origin}${req.url ?? '/'}`, { method, headers, ...(body ? { body } : {}) }));
      if (response.type === 'error') return void req.socket.destroy();
      if (random() < 0.05) {
        timeouts++;
        await new Promise((r) => setTimeout(r, TIMEOUT_IN_MS * 3));
        if (req.socket.destroyed) return;
      }
      const text = Buffer.from(await response.arrayBuffer());
      response.headers.forEach((v, k) => k !== 'content-length' && k !== 'connection' && res.setHeader(k, v));
      res.writeHead(response.status, { 'content-length': text.length }).end(text);
    })().catch(() => res.destroy());
  });
  let origin = '';
  beforeAll(async () => {
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const address = http.address();
    origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const endpoints = { graph: `${origin}/graph/v1.0`, arm: `${origin}/arm`, devops: `${origin}/devops`, authority: `${origin}/entra` };
    fake = createFake({
      seed,
      throttleRate: 0.05,
      serverErrorRate: 0.05,
      resetRate: 0.05,
      retryAfterSeconds: 0,
      baseUrls: { graph: endpoints.graph, arm: endpoints.arm, devops: endpoints.devops, entra: endpoints.authority },
    });
    fake.state.addProject('platform');
    clients = createClients({
      credential: createTestCredential(),
      organization: 'contoso',
      endpoints,
      retry: { maxRetries: 10, retryDelayInMs: 1, maxRetryDelayInMs: 5 },
      timeoutInMs: TIMEOUT_IN_MS,
    });
  });
  afterAll(() => {
    http.closeAllConnections();
    http.close();
  });
  const options = { replication: { maxAttempts: 10, delayInMs: 1, maxDelayInMs: 5 } };

  it('converges, creates exactly one of everything, and a second apply changes nothing', async () => {
    const first = (await apply(clients, spec, options))._unsafeUnwrap();
    expect(first.connections.map((c) => [c.name, c.status, c.error?.kind])).toEqual(
      spec.connections.map((c) => [c.name, 'converged', undefined]),
    );
    const failures = fake.requests.filter((r) => r.status === 429 || r.status === 503 || r.status === 0).length;
    expect(failures + timeouts).toBeGreaterThan(0);

    const s = fake.state;
    const apps = s.applications();
    expect(apps).toHaveLength(3);
    expect(s.servicePrincipals()).toHaveLength(3);
    expect(s.serviceEndpoints()).toHaveLength(3);
    for (const app of apps) expect(s.federatedCredentials(app.id)).toHaveLength(1);
    // Each connection: its own role plus the shared Terraform-state reader role, once each.
    expect(s.roleAssignments()).toHaveLength(6);
    // Pipelines authorised exactly as named.
    for (const e of s.serviceEndpoints()) {
      const perms = s.pipelinePermissions(e.projectReferences[0]!.projectId, e.id);
      const ids = (perms?.pipelines ?? []).filter((p) => p.authorized).map((p) => p.id);
      expect(ids).toEqual(e.name.endsWith('-dev') ? [3] : e.name.endsWith('-prod') ? [4] : []);
    }
    // Every connection's trust chain was verified.
    expect(first.connections.every((c) => c.trustChain?.subject !== undefined)).toBe(true);

    const before = fake.requests.length;
    const second = (await apply(clients, spec, options))._unsafeUnwrap();
    expect(second.ok).toBe(true);
    expect(second.connections.every((c) => c.outcome === 'unchanged')).toBe(true);
    const writes = fake.requests.slice(before).filter((r) => r.method !== 'GET' && r.status >= 200 && r.status < 300);
    expect(writes).toEqual([]);
  });
});
