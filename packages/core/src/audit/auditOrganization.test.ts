import { BUILT_IN_ROLES } from '@wif/arm';
import { createTestCredential, serviceError, TEST_TENANT_ID, type FakeServiceEndpoint } from '@wif/testing';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { useFake } from '@wif/testing/vitest';
import { createClients } from '../workflows/clients';
import { auditOrganization, type AuditOptions } from './auditOrganization';
import { auditFindingSchema, type AuditFinding } from './findings';

const { fake, server } = useFake();
/** Lets `n` turns of the event loop pass (no wall-clock time involved). */
const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};
const DEVOPS = 'https://dev.azure.com/contoso';
// Before the retirement date by more than 180 days: a legacy connection is `medium`.
const EARLY = Date.parse('2026-01-01T00:00:00Z');

const clients = () =>
  createClients({ credential: createTestCredential(), organization: 'contoso', retry: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } });

async function all(options: AuditOptions = {}, which: { graph?: boolean; arm?: boolean } = { graph: true, arm: true }) {
  const c = clients();
  const run = auditOrganization(
    { devops: c.devops, graph: which.graph ? c.graph : undefined, arm: which.arm ? c.arm : undefined },
    { clock: () => EARLY, ...options },
  );
  const findings: AuditFinding[] = [];
  for await (const f of run) findings.push(f);
  return { findings, stats: run.stats };
}

const brief = (fs: readonly AuditFinding[]) =>
  fs.map((f) => `${f.connection?.name ?? f.project?.name ?? '-'} ${f.code} ${f.severity}`).sort();

/** A WIF connection with its own single-tenant app, service principal and a matching credential. */
function healthy(
  name: string,
  projects: string | string[],
  extra: { federation?: 'legacy'; signInAudience?: string } = {},
): { endpoint: FakeServiceEndpoint; appObjectId: string; spId: string } {
  const app = fake.state.addApplication({
    displayName: `app-${name}`,
    ...(extra.signInAudience ? { signInAudience: extra.signInAudience } : {}),
  });
  const sp = fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
  const endpoint = fake.state.addServiceEndpoint({
    name,
    projects,
    servicePrincipalId: app.appId,
    ...(extra.federation ? { federation: extra.federation } : {}),
  });
  const fed = fake.state.federation(endpoint.id)!;
  fake.state.addFederatedCredential(app.id, { name: `fic-${name}`, issuer: fed.issuer, subject: fed.subject });
  return { endpoint, appObjectId: app.id, spId: sp.id };
}

function secretBased(name: string, project: string, init: { creationMode?: 'Automatic'; authenticationType?: string } = {}): void {
  const app = fake.state.addApplication({ displayName: `app-${name}` });
  fake.state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
  fake.state.addServiceEndpoint({
    name,
    projects: project,
    scheme: 'ServicePrincipal',
    servicePrincipalId: app.appId,
    ...(init.creationMode ? { creationMode: init.creationMode } : {}),
    ...(init.authenticationType ? { parameters: { authenticationType: init.authenticationType } } : {}),
  });
}

describe('auditOrganization', () => {
  it('walks 250 projects across pages and reports every kind of finding once per connection', async () => {
    for (let i = 0; i < 250; i++) fake.state.addProject(`p${String(i).padStart(3, '0')}`);
    const sub = `/subscriptions/${fake.state.subscriptionId}`;

    healthy('sc-ok', 'p000');
    const owner = healthy('sc-owner', 'p010');
    fake.state.addRoleAssignment({ scope: sub, roleDefinitionId: BUILT_IN_ROLES.Owner, principalId: owner.spId });
    const contributor = healthy('sc-contributor', 'p020');
    fake.state.addRoleAssignment({ scope: sub, roleDefinitionId: BUILT_IN_ROLES.Contributor, principalId: contributor.spId });
    const narrow = healthy('sc-narrow', 'p030');
    fake.state.addRoleAssignment({
      scope: `${sub}/resourceGroups/rg-app`,
      roleDefinitionId: BUILT_IN_ROLES.Contributor,
      principalId: narrow.spId,
    });

    secretBased('sc-secret-auto', 'p101', { creationMode: 'Automatic' });
    secretBased('sc-secret-cert', 'p102', { authenticationType: 'spnCertificate' });
    healthy('sc-legacy', 'p103', { federation: 'legacy' });
    healthy('sc-shared', ['p104', 'p105', 'p249']);
    const notReady = healthy('sc-not-ready', 'p106');
    notReady.endpoint.isReady = false;
    const failed = healthy('sc-failed', 'p107');
    failed.endpoint.operationStatus = { state: 'Failed', statusMessage: 'Could not assign the role.' };

    // A credential missing, one with a subject differing in case, one with a wrong audience.
    const noFic = fake.state.addApplication({ displayName: 'app-no-fic' });
    fake.state.addServicePrincipal({ appId: noFic.appId, createdAt: 0 });
    fake.state.addServiceEndpoint({ name: 'sc-no-fic', projects: 'p200', servicePrincipalId: noFic.appId });
    const cased = healthy('sc-cased', 'p201', { federation: 'legacy' });
    const casedFic = fake.state.federatedCredentials(cased.appObjectId)[0]!;
    casedFic.subject = casedFic.subject.replace('sc-cased', 'SC-Cased');
    const audience = healthy('sc-audience', 'p202');
    fake.state.federatedCredentials(audience.appObjectId)[0]!.audiences = ['api://other'];

    // Two connections on one app; a multi-tenant app; an app that does not exist.
    const twin = healthy('sc-twin-a', 'p210');
    const twinAppId = fake.state.application(twin.appObjectId)!.appId;
    const twinB = fake.state.addServiceEndpoint({ name: 'sc-twin-b', projects: 'p211', servicePrincipalId: twinAppId });
    const twinFed = fake.state.federation(twinB.id)!;
    fake.state.addFederatedCredential(twin.appObjectId, { name: 'fic-twin-b', issuer: twinFed.issuer, subject: twinFed.subject });
    healthy('sc-multi', 'p220', { signInAudience: 'AzureADMultipleOrgs' });
    fake.state.addServiceEndpoint({ name: 'sc-ghost', projects: 'p230', servicePrincipalId: '0b6c2c1e-9a41-4d7e-8f2b-5c3d4e5f6a7b' });
    // Not azurerm: outside the default audit.
    fake.state.addServiceEndpoint({ name: 'docker-hub', projects: 'p240', type: 'dockerregistry', scheme: 'UsernamePassword' });

    const { findings, stats } = await all();

    expect(brief(findings)).toEqual(
      [
        'sc-audience AudienceMismatch high',
        'sc-cased CredentialMismatch high',
        'sc-cased LegacyIssuer medium',
        'sc-contributor BroadRole medium',
        // Contributor at subscription scope is production-scoped: it needs approval and branch control.
        'sc-contributor ProductionWithoutApproval high',
        'sc-contributor ProductionWithoutBranchControl high',
        'sc-failed NotReady high',
        'sc-ghost AppNotFound high',
        'sc-legacy LegacyIssuer medium',
        'sc-multi MultiTenantApp high',
        'sc-no-fic CredentialMissing high',
        'sc-not-ready NotReady high',
        'sc-owner BroadRole high',
        'sc-owner ProductionWithoutApproval high',
        'sc-owner ProductionWithoutBranchControl high',
        'sc-secret-auto AutomaticMode medium',
        'sc-secret-auto SecretBased critical',
        'sc-secret-cert SecretBased critical',
        'sc-shared SharedAcrossProjects low',
        'sc-twin-b AppSharedByConnections medium',
      ].sort(),
    );
    // Worded for an app or a managed identity alike: the connection names a client id.
    expect(findings.find((f) => f.code === 'AppSharedByConnections')?.message).toBe(
      `"sc-twin-b" signs in as client id ${twinAppId.toLowerCase()} (an app or a managed identity), which "sc-twin-a" uses too: their pipelines share one identity, and each can use the roles granted for the other.`,
    );
    expect(stats).toEqual({
      projects: 250,
      unreadableProjects: 0,
      connections: 17,
      unreadableIdentities: 0,
      unreadableGovernance: 0,
      findings: findings.length,
      complete: true,
    });
    // Pages of 100: three project list calls; each project's connections listed once, failed ones included.
    expect(fake.requests.filter((r) => r.operation === 'projects.list')).toHaveLength(3);
    const lists = fake.requests.filter((r) => r.operation === 'serviceEndpoints.list');
    expect(lists).toHaveLength(250);
    // Every record follows the documented schema, and no stored secret parameter leaks into it.
    for (const f of findings) expect(auditFindingSchema.parse(f)).toEqual(f);
    expect(JSON.stringify(findings)).not.toMatch(/serviceprincipalkey/i);

    const shared = findings.find((f) => f.code === 'SharedAcrossProjects')!;
    expect(shared.connection!.projects.map((p) => p.name)).toEqual(['p104', 'p105', 'p249']);
    const mismatch = findings.find((f) => f.code === 'CredentialMismatch')!;
    expect(mismatch.details).toMatchObject({ field: 'subject', hint: 'differs only in letter case' });
    expect(findings.find((f) => f.code === 'SecretBased' && f.connection!.name === 'sc-secret-auto')!.details).toMatchObject({
      convertibleInPlace: true,
    });
    expect(findings.find((f) => f.code === 'BroadRole' && f.severity === 'high')!.details).toMatchObject({ role: 'Owner', scope: sub });
  });

  it('audits every connection type when asked, and flags a stored password', async () => {
    fake.state.addProject('web');
    fake.state.addServiceEndpoint({
      name: 'docker-hub',
      projects: 'web',
      type: 'dockerregistry',
      scheme: 'UsernamePassword',
      parameters: { password: 'x' },
    });
    const { findings } = await all({ connectionType: null });
    expect(brief(findings)).toEqual(['docker-hub SecretBased critical']);
  });

  it('flags a workload-identity connection whose app still holds a live secret or certificate, never its value; not an expired one', async () => {
    fake.state.addProject('web');
    const leaky = healthy('sc-leaky', 'web');
    const expired = healthy('sc-expired', 'web');
    healthy('sc-clean', 'web');
    const app = (id: string) => fake.state.application(id)!;
    const secret = {
      keyId: 'a1b2c3d4-0000-4000-8000-000000000001',
      displayName: 'left from the conversion',
      endDateTime: '2027-06-01T00:00:00Z',
      hint: 'Qx~',
      secretText: null,
    };
    app(leaky.appObjectId).properties = {
      ...app(leaky.appObjectId).properties,
      passwordCredentials: [secret],
      keyCredentials: [
        {
          keyId: 'a1b2c3d4-0000-4000-8000-000000000002',
          displayName: 'CN=deploy',
          endDateTime: null,
          type: 'AsymmetricX509Cert',
          usage: 'Verify',
          key: 'MIIB',
        },
      ],
    };
    app(expired.appObjectId).properties = {
      ...app(expired.appObjectId).properties,
      passwordCredentials: [{ ...secret, endDateTime: '2025-12-31T00:00:00Z' }],
    };
    const { findings } = await all();
    expect(brief(findings)).toEqual(['sc-leaky AppHasSecret high']);
    const f = findings[0]!;
    expect(f.details).toEqual({ secrets: 2, keyIds: `${secret.keyId},a1b2c3d4-0000-4000-8000-000000000002`, kinds: 'secret,certificate' });
    expect(f.message).toContain('"left from the conversion") valid until 2027-06-01T00:00:00Z');
    expect(JSON.stringify(f)).not.toContain('Qx~');
    expect(auditFindingSchema.parse(JSON.parse(JSON.stringify(f)))).toBeTruthy();
  });

  it("says when a secret-based connection stops working: its app's last secret within 30 days, or all expired", async () => {
    fake.state.addProject('web');
    const withSecrets = (name: string, ends: string[]) => {
      secretBased(name, 'web');
      const e = fake.state.serviceEndpoints().find((x) => x.name === name)!;
      const app = fake.state.applicationByAppId(e.parameters['serviceprincipalid']!)!;
      app.properties = {
        ...app.properties,
        passwordCredentials: ends.map((end, i) => ({ keyId: `k${i}`, displayName: null, endDateTime: end, hint: 'abc', secretText: null })),
      };
    };
    // The audit's clock is 2026-01-01.
    withSecrets('sc-soon', ['2025-06-01T00:00:00Z', '2026-01-05T00:00:00Z']);
    withSecrets('sc-month', ['2026-01-20T00:00:00Z']);
    withSecrets('sc-gone', ['2025-12-01T00:00:00Z']);
    withSecrets('sc-later', ['2026-01-05T00:00:00Z', '2027-01-01T00:00:00Z']);
    const { findings } = await all();
    const expiring = findings.filter((f) => f.code === 'SecretExpiring');
    expect(expiring.map((f) => `${f.connection!.name} ${f.severity} ${String(f.details['days'])}`).sort()).toEqual([
      'sc-gone high -31',
      'sc-month medium 19',
      'sc-soon high 4',
    ]);
    expect(expiring.find((f) => f.connection!.name === 'sc-gone')!.message).toContain('the connection cannot authenticate');
    expect(expiring.find((f) => f.connection!.name === 'sc-soon')!.message).toContain('all expire by 2026-01-05T00:00:00.000Z (in 4 days)');
    // A secret-based connection is not told its app holds a secret: that is what it is (SecretBased says so).
    expect(findings.filter((f) => f.code === 'AppHasSecret')).toEqual([]);
  });

  it('rates the legacy issuer by the time left before its retirement, and not at all for a sovereign cloud', async () => {
    fake.state.addProject('web');
    healthy('sc-legacy', 'web', { federation: 'legacy' });
    const gov = healthy('sc-gov', 'web', { federation: 'legacy' });
    gov.endpoint.data['environment'] = 'AzureUSGovernment';
    const at = async (iso: string) => brief((await all({ clock: () => Date.parse(iso) }, {})).findings);
    expect(await at('2026-01-01T00:00:00Z')).toEqual(['sc-gov LegacyIssuer low', 'sc-legacy LegacyIssuer medium']);
    expect(await at('2027-03-01T00:00:00Z')).toEqual(['sc-gov LegacyIssuer low', 'sc-legacy LegacyIssuer high']);
    expect(await at('2027-07-02T00:00:00Z')).toEqual(['sc-gov LegacyIssuer low', 'sc-legacy LegacyIssuer critical']);
  });

  it('reports a project it cannot read as a finding and audits the others', async () => {
    const locked = fake.state.addProject('locked');
    fake.state.addProject('open');
    secretBased('sc-hidden', 'locked');
    secretBased('sc-visible', 'open');
    server.use(
      http.get(`${DEVOPS}/${locked.id}/_apis/serviceendpoint/endpoints`, () =>
        serviceError(
          'devops',
          403,
          'AccessCheckException',
          'Access denied. The caller needs View permissions on service connections to perform the action.',
        ),
      ),
    );
    const { findings, stats } = await all();
    expect(brief(findings)).toEqual(['locked ProjectUnreadable high', 'sc-visible SecretBased critical']);
    const unreadable = findings.find((f) => f.code === 'ProjectUnreadable')!;
    expect(unreadable.project).toEqual({ id: locked.id, name: 'locked' });
    expect(unreadable.details).toMatchObject({ errorKind: 'Forbidden', status: 403, errorCode: 'AccessCheckException' });
    expect(stats).toMatchObject({ projects: 1, unreadableProjects: 1, complete: true });
  });

  it('reports a project list that fails part-way, audits what it got, and is not complete', async () => {
    for (let i = 0; i < 150; i++) fake.state.addProject(`p${i}`);
    secretBased('sc-first-page', 'p5');
    secretBased('sc-second-page', 'p120');
    server.use(
      http.get(`${DEVOPS}/_apis/projects`, ({ request }) =>
        new URL(request.url).searchParams.has('continuationToken')
          ? serviceError('devops', 401, 'UnauthorizedRequestException', 'TF400813: not authorized.')
          : undefined,
      ),
    );
    const { findings, stats } = await all();
    expect(brief(findings)).toEqual(['- OrganizationUnreadable critical', 'sc-first-page SecretBased critical']);
    expect(stats).toMatchObject({ projects: 100, complete: false });
  });

  it('reports an app it cannot read instead of skipping the connection', async () => {
    fake.state.addProject('web');
    healthy('sc-ok', 'web');
    // Refused inside the JSON batch that carries the read: the batch itself is 200.
    fake.failRequests({
      service: 'graph',
      method: 'GET',
      path: /^\/applications\(/,
      status: 403,
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
    });
    const { findings } = await all();
    expect(brief(findings)).toEqual(['sc-ok IdentityUnreadable medium']);
    expect(findings[0]!.details).toMatchObject({ status: 403, errorCode: 'Authorization_RequestDenied' });
  });

  it('checks only Azure DevOps without Graph, and skips identities of another tenant', async () => {
    fake.state.addProject('web');
    fake.state.addServiceEndpoint({ name: 'sc-ghost', projects: 'web', servicePrincipalId: '0b6c2c1e-9a41-4d7e-8f2b-5c3d4e5f6a7b' });
    fake.state.addServiceEndpoint({
      name: 'sc-foreign',
      projects: 'web',
      servicePrincipalId: '1b6c2c1e-9a41-4d7e-8f2b-5c3d4e5f6a7b',
      tenantId: '9c1f2e3d-4b5a-4c6d-8e7f-0a1b2c3d4e5f',
    });
    expect(brief((await all({}, {})).findings)).toEqual([]);
    expect(fake.requests.some((r) => r.service === 'graph')).toBe(false);
    expect(brief((await all({ tenantId: TEST_TENANT_ID })).findings)).toEqual(['sc-foreign OtherTenant info', 'sc-ghost AppNotFound high']);
  });

  it('keeps at most `concurrency` projects in flight, and more than one', async () => {
    for (let i = 0; i < 40; i++) fake.state.addProject(`p${i}`);
    let inFlight = 0;
    let peak = 0;
    server.use(
      http.get(/\/_apis\/serviceendpoint\/endpoints$/, async ({ request }) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        try {
          // Event-loop turns, not milliseconds: every request the walk would start at once arrives first.
          await turns(10);
          return await fake.handle(request);
        } finally {
          inFlight -= 1;
        }
      }),
    );
    const { stats } = await all({ concurrency: 4 });
    expect(stats.projects).toBe(40);
    expect(peak).toBe(4);
  });

  it('reads lazily: a consumer that stops early stops the walk', async () => {
    for (let i = 0; i < 250; i++) {
      fake.state.addProject(`p${i}`);
      secretBased(`sc-${i}`, `p${i}`);
    }
    const c = clients();
    const run = auditOrganization({ devops: c.devops }, { concurrency: 2, highWaterMark: 1 });
    for await (const f of run) {
      expect(f.code).toBe('SecretBased');
      break;
    }
    const before = fake.requests.length;
    await turns(200);
    expect(fake.requests.length).toBe(before);
    expect(fake.requests.filter((r) => r.operation === 'projects.list')).toHaveLength(1);
    expect(fake.requests.filter((r) => r.operation === 'serviceEndpoints.list').length).toBeLessThan(10);
    expect(run.stats.complete).toBe(false);
  });

  it('stops on abort without reporting the aborted reads as findings', async () => {
    for (let i = 0; i < 20; i++) {
      fake.state.addProject(`p${i}`);
      secretBased(`sc-${i}`, `p${i}`);
    }
    const controller = new AbortController();
    const c = clients();
    const run = auditOrganization({ devops: c.devops }, { concurrency: 1, abortSignal: controller.signal });
    const seen: AuditFinding[] = [];
    for await (const f of run) {
      seen.push(f);
      if (seen.length === 3) controller.abort();
    }
    expect(seen.length).toBeLessThan(20);
    expect(seen.every((f) => f.code === 'SecretBased')).toBe(true);
    expect(run.stats.complete).toBe(false);
  });
});
