import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BUILT_IN_ROLES } from '@wif/arm';
import { redact } from '@wif/http';
import { createTestCredential } from '@wif/testing';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { auditConnections, auditOrganization, type AuditRecord } from './auditOrganization';
import { AUDIT_CODES, FIXES, readFailureCause, type ReadFailureCause, unreadableFix, type AuditFinding } from './findings';

const { fake, server } = useFake();
const EARLY = Date.parse('2026-01-01T00:00:00Z');

const clients = (credential: TokenCredential = createTestCredential()) =>
  createClients({ credential, organization: 'contoso', retry: { maxRetries: 1, retryDelayInMs: 1, maxRetryDelayInMs: 5 } });

/** `apps` apps, each with a service principal, and `perApp` WIF connections on each (own credential each), spread over projects. */
function organization(apps: number, perApp: number): void {
  const projects = Array.from({ length: 5 }, (_, i) => fake.state.addProject(`p${i}`));
  let n = 0;
  for (let a = 0; a < apps; a++) {
    const app = fake.state.addApplication({ displayName: `app-${a}` });
    const sp = fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
    if (a === 0)
      fake.state.addRoleAssignment({
        scope: `/subscriptions/${fake.state.subscriptionId}`,
        roleDefinitionId: BUILT_IN_ROLES.Owner,
        principalId: sp.id,
      });
    for (let c = 0; c < perApp; c++) {
      const endpoint = fake.state.addServiceEndpoint({
        name: `sc-${a}-${c}`,
        projects: projects[n++ % projects.length]!.name,
        servicePrincipalId: app.appId,
      });
      const fed = fake.state.federation(endpoint.id)!;
      fake.state.addFederatedCredential(app.id, { name: `fic-${a}-${c}`, issuer: fed.issuer, subject: fed.subject });
    }
  }
}

async function records(c = clients(), options: Parameters<typeof auditConnections>[1] = {}) {
  const run = auditConnections(c, { clock: () => EARLY, ...options });
  const out: AuditRecord[] = [];
  for await (const r of run) out.push(r);
  return { records: out, stats: run.stats };
}

/** Reads of one operation, sent on their own or inside a Graph `$batch`. */
const count = (operation: string): number => fake.requests.filter((r) => r.operation === operation).length;
/** HTTP requests of one service (a `$batch` counts once, whatever it carried). */
const httpRequests = (service: string): number => fake.requests.filter((r) => r.service === service && !r.batched).length;

describe('audit identity checks at scale', () => {
  it('reads each app, its credentials and its service principal once, and each scope once, however many connections share them', async () => {
    organization(3, 8);
    const { records: rs, stats } = await records();
    expect(stats).toMatchObject({ connections: 24, complete: true, unreadableIdentities: 0 });
    expect(count('applications.get')).toBe(3);
    expect(count('federatedIdentityCredentials.list')).toBe(3);
    expect(count('servicePrincipals.get')).toBe(3);
    expect(count('roleAssignments.list')).toBe(1);
    // The 9 Graph reads went out in JSON batches: at most one per round (app reads, then credentials + service principals).
    expect(count('POST $batch')).toBe(httpRequests('graph'));
    expect(httpRequests('graph')).toBeLessThanOrEqual(2);
    // Sharing is still reported, and the cached role list still finds app-0's Owner for each of its 8 connections.
    const findings = rs.flatMap((r) => r.findings);
    expect(findings.filter((f) => f.code === 'AppSharedByConnections')).toHaveLength(21);
    expect(
      findings
        .filter((f) => f.code === 'BroadRole')
        .map((f) => f.connection!.name)
        .sort(),
    ).toEqual(Array.from({ length: 8 }, (_, c) => `sc-0-${c}`).sort());
  });

  it('yields one record per connection with every check that ran, passing ones included', async () => {
    organization(1, 1);
    fake.state.addServiceEndpoint({
      name: 'sc-secret',
      projects: 'p1',
      scheme: 'ServicePrincipal',
      servicePrincipalId: '0b6c2c1e-9a41-4d7e-8f2b-5c3d4e5f6a7b',
    });
    const { records: rs } = await records();
    const byName = new Map(rs.map((r) => [r.connection?.name, r]));
    expect(byName.get('sc-0-0')).toMatchObject({
      checks: ['authentication', 'issuer', 'readiness', 'creationMode', 'sharing', 'app', 'federatedCredential', 'roles'],
    });
    // Contributor at subscription scope: production-scoped, so approval and branch control are checked too.
    expect(byName.get('sc-0-0')!.findings.map((f) => f.code)).toEqual([
      'BroadRole',
      'ProductionWithoutApproval',
      'ProductionWithoutBranchControl',
    ]);
    // No app: no credential or role check ran on it.
    expect(byName.get('sc-secret')).toMatchObject({ checks: ['authentication', 'issuer', 'readiness', 'creationMode', 'sharing', 'app'] });
    expect(
      byName
        .get('sc-secret')!
        .findings.map((f) => f.code)
        .sort(),
    ).toEqual(['AppNotFound', 'SecretBased']);
  });

  it('reads the credential list and the service principal of one app in one JSON batch, and never has more batches in flight than the pool is wide', async () => {
    organization(12, 1);
    let inFlight = 0;
    let peak = 0;
    const batches: string[][] = [];
    server.use(
      http.post(/graph\.microsoft\.com\/v1\.0\/\$batch$/, async ({ request }) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        try {
          const body = (await request.clone().json()) as { requests: { url: string }[] };
          batches.push(body.requests.map((r) => r.url));
          await new Promise((r) => setTimeout(r, 10));
          return await fake.handle(request);
        } finally {
          inFlight -= 1;
        }
      }),
    );
    const { stats } = await records(clients(), { identityConcurrency: 2, concurrency: 1 });
    expect(stats).toMatchObject({ connections: 12, unreadableIdentities: 0 });
    expect(peak).toBeLessThanOrEqual(2);
    // Some batch carries an app's credential list together with its service principal.
    const app = fake.state.applications()[0]!;
    expect(
      batches.some(
        (b) =>
          b.some((u) => u.includes(`/applications/${app.id}/federatedIdentityCredentials`)) &&
          b.some((u) => u.includes(app.appId) && u.startsWith('/servicePrincipals')),
      ),
    ).toBe(true);
    // 36 reads (12 apps × app, credentials, service principal) in far fewer requests.
    expect(count('applications.get') + count('federatedIdentityCredentials.list') + count('servicePrincipals.get')).toBe(36);
    expect(batches.length).toBeLessThan(12);
  });

  it("tries again, in the pool, batches still throttled after the transport's retries: every connection is checked", async () => {
    organization(6, 1);
    let throttled = 0;
    server.use(
      http.post(/graph\.microsoft\.com\/v1\.0\/\$batch$/, ({ request }) => {
        // The first batches are throttled past the transport's retries; Retry-After: 0 keeps the test fast.
        if (throttled++ < 3) {
          return new Response(JSON.stringify({ error: { code: 'TooManyRequests', message: 'Too many requests.' } }), {
            status: 429,
            headers: { 'content-type': 'application/json', 'retry-after': '0' },
          });
        }
        return fake.handle(request);
      }),
    );
    const { records: rs, stats } = await records(clients(), { identityConcurrency: 8 });
    expect(stats).toMatchObject({ connections: 6, unreadableIdentities: 0 });
    expect(rs.flatMap((r) => r.findings).filter((f) => f.code === 'IdentityUnreadable')).toEqual([]);
    expect(count('applications.get')).toBe(6);
  });

  it('retries a read throttled inside its batch on its own (Retry-After of the sub-response), and every connection is checked', async () => {
    organization(6, 1);
    let rewritten = 0;
    server.use(
      http.post(/graph\.microsoft\.com\/v1\.0\/\$batch$/, async ({ request }) => {
        const answer = (await (await fake.handle(request)).json()) as {
          responses: { id: string; status: number; headers?: object; body?: unknown }[];
        };
        // The first two sub-responses of the run: 429 with their own Retry-After: 0.
        const responses = answer.responses.map((r) =>
          rewritten++ < 2
            ? {
                id: r.id,
                status: 429,
                headers: { 'Retry-After': '0' },
                body: { error: { code: 'TooManyRequests', message: 'Slow down.' } },
              }
            : r,
        );
        return Response.json({ responses });
      }),
    );
    const { records: rs, stats } = await records(clients(), { identityConcurrency: 8 });
    expect(stats).toMatchObject({ connections: 6, unreadableIdentities: 0 });
    expect(rs.flatMap((r) => r.findings).filter((f) => f.code === 'IdentityUnreadable')).toEqual([]);
    expect(rewritten).toBeGreaterThan(2);
  });
});

describe('an organization the audit cannot read', () => {
  const first = async (c: ReturnType<typeof clients>): Promise<AuditFinding[]> => {
    const run = auditOrganization(c, { clock: () => EARLY });
    const out: AuditFinding[] = [];
    for await (const f of run) out.push(f);
    expect(run.stats.complete).toBe(false);
    return out;
  };

  it('names a failed sign-in as the cause, with a sign-in fix', async () => {
    const noCredential: TokenCredential = {
      getToken: (): Promise<AccessToken> =>
        Promise.reject(Object.assign(new Error('No credential was available.'), { name: 'CredentialUnavailableError' })),
    };
    const [f] = await first(clients(noCredential));
    expect(f).toMatchObject({ code: 'OrganizationUnreadable', details: { cause: 'sign-in', errorKind: 'Authentication' } });
    expect(f!.fix).toMatch(/az login/);
  });

  it('names the network as the cause when nothing answers', async () => {
    server.use(http.get(/dev\.azure\.com\/contoso\/_apis\/projects/, () => Response.error()));
    const [f] = await first(clients());
    expect(f).toMatchObject({ code: 'OrganizationUnreadable', details: { cause: 'network', errorKind: 'Network' } });
    expect(f!.fix).toMatch(/could not be reached/);
  });

  it('names a wrong organization when Azure DevOps answers 404 for it', async () => {
    // What the emulator answers for an organization it does not serve; the real service's exact
    // answer for an unknown organization is not in our recorded examples, so only the status counts here.
    server.use(http.get(/dev\.azure\.com\/fabrikam\/_apis\/projects/, () => Response.json({ message: 'Not found.' }, { status: 404 })));
    const c = createClients({ credential: createTestCredential(), organization: 'fabrikam', retry: { maxRetries: 0 } });
    const [f] = await first(c);
    expect(f).toMatchObject({ code: 'OrganizationUnreadable', details: { cause: 'not-found' } });
    expect(f!.fix).toContain('no organization named "fabrikam"');
  });
});

describe('fix texts', () => {
  it('survive redaction unchanged (no word that redaction reads as a token)', () => {
    const causes: ReadFailureCause[] = ['network', 'sign-in', 'permission', 'not-found', 'throttled', 'service'];
    const texts = [
      ...AUDIT_CODES.map((c) => FIXES[c]),
      ...causes.flatMap((cause) => AUDIT_CODES.map((c) => unreadableFix(c, cause, { organization: 'contoso', service: 'devops' }))),
    ];
    for (const t of texts) expect(redact(t)).toBe(t);
  });

  it('map every error kind to a cause', () => {
    expect(
      ['Network', 'Authentication', 'Unauthorized', 'Forbidden', 'NotFound', 'Throttled', 'ServiceUnavailable'].map(readFailureCause),
    ).toEqual(['network', 'sign-in', 'sign-in', 'permission', 'not-found', 'throttled', 'service']);
  });
});
