import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { AUDIT_CHECK_OF } from '@wif/core/audit';
import { DOMParser, type Element } from '@xmldom/xmldom';
import Ajv from 'ajv-draft-04';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryIo } from '../../test/memoryIo';
import { useEmulator } from '../../test/useEmulator';
import sarifSchema from '../../test/__fixtures__/sarif-schema-2.1.0.json' with { type: 'json' };
import { EXIT } from '../exitCodes';
import { main } from '../main';

const ctx = useEmulator('wif-audit-', (e) => {
  // A connection whose name a pipeline log would read as a logging command, with a terminal escape.
  e.fake.state.addServiceEndpoint({
    name: '##vso[task.setvariable variable=x]pwned \u001b[31mred',
    projects: 'platform',
    scheme: 'ServicePrincipal',
    servicePrincipalId: '0b6c2c1e-9a41-4d7e-8f2b-5c3d4e5f6a7b',
  });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function wif(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ cwd: ctx.dir, env: { WIF_EMULATOR_URL: ctx.emu.url, ...env } });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

type Finding = { code: string; severity: string; connection: { name: string } | null };

describe('wif audit outputs', () => {
  it('streams ndjson: one finding per line, then one summary line, the same findings as the JSON document', async () => {
    const nd = await wif(['audit', '--output', 'ndjson']);
    expect(nd.code).toBe(EXIT.ok);
    const lines = nd.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = lines.pop()!;
    expect(last).toMatchObject({
      ok: true,
      incomplete: null,
      organization: 'contoso',
      stats: { complete: true },
      summary: { total: lines.length },
    });
    expect(lines.map((f) => f['code'])).toEqual(expect.arrayContaining(['SecretBased', 'LegacyIssuer', 'AppNotFound']));

    const doc = await wif(['audit', '--json']);
    const parsed = JSON.parse(doc.out) as { findings: Finding[]; summary: { total: number }; ok: boolean; incomplete: null };
    expect(parsed.findings.map((f) => `${f.connection?.name} ${f.code}`).sort()).toEqual(
      lines.map((f) => `${(f['connection'] as { name: string }).name} ${f['code'] as string}`).sort(),
    );
    expect(parsed).toMatchObject({ ok: true, incomplete: null, summary: { total: lines.length } });
    // Text from the service cannot start a logging command or carry an escape, in either format.
    for (const out of [nd.out, doc.out]) {
      expect(out).not.toMatch(/##vso\[/);
      expect(out).not.toContain('\u001b');
    }
    expect(parsed.findings.some((f) => f.connection?.name.startsWith('##vso[task.setvariable'))).toBe(true);
  });

  it('writes JUnit XML that parses and has the structure PublishTestResults@2 reads, and JSON to a file in the same run', async () => {
    const r = await wif(['audit', '--fail-on', 'high', '--output', 'junit', '--output', 'json=audit.json']);
    expect(r.code).toBe(EXIT.findings);
    const errors: string[] = [];
    const xml = new DOMParser({ onError: (level, message) => void errors.push(`${level}: ${message}`) }).parseFromString(r.out, 'text/xml');
    expect(errors).toEqual([]);
    expect(r.out).not.toMatch(/##vso\[/);
    expect(r.out).not.toContain('\u001b');
    const root = xml.documentElement!;
    expect(root.tagName).toBe('testsuites');
    const suites = Array.from(root.getElementsByTagName('testsuite'));
    const doc = JSON.parse(await readFile(join(ctx.dir, 'audit.json'), 'utf8')) as { findings: Finding[]; stats: { connections: number } };
    expect(suites).toHaveLength(doc.stats.connections);
    let failures = 0;
    for (const suite of suites) {
      // The attributes of the JUnit schema: name, tests, failures, errors, time, timestamp, hostname; counts that match.
      for (const a of ['name', 'tests', 'failures', 'errors', 'time', 'timestamp', 'hostname']) expect(suite.hasAttribute(a)).toBe(true);
      expect(suite.getAttribute('timestamp')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      const cases = children(suite, 'testcase');
      expect(Number(suite.getAttribute('tests'))).toBe(cases.length);
      const failed = cases.filter((c) => children(c, 'failure').length > 0);
      expect(Number(suite.getAttribute('failures'))).toBe(failed.length);
      expect(Number(suite.getAttribute('errors'))).toBe(cases.filter((c) => children(c, 'error').length > 0).length);
      for (const c of cases) {
        expect(c.getAttribute('name')).not.toBe('');
        expect(c.getAttribute('classname')).not.toBe('');
        expect(Number.isFinite(Number(c.getAttribute('time')))).toBe(true);
        for (const f of children(c, 'failure')) expect(f.getAttribute('message')).toMatch(/^\w+: /);
      }
      expect(children(suite, 'properties')).toHaveLength(1);
      failures += failed.length;
    }
    // A failure per check with a finding at or above --fail-on (high, critical); medium ones pass.
    // Several codes can come from one check (ProductionWithoutApproval and …BranchControl from roles).
    const atOrAbove = new Set(
      doc.findings
        .filter((f) => f.severity === 'high' || f.severity === 'critical')
        .map((f) => `${f.connection?.name} ${AUDIT_CHECK_OF[f.code as keyof typeof AUDIT_CHECK_OF] ?? f.code}`),
    );
    expect(failures).toBe(atOrAbove.size);
    const names = suites.flatMap((s) => children(s, 'testcase')).map((c) => c.getAttribute('name'));
    expect(names).toContain('sc-platform-legacy: issuer');
    expect(names).toContain('sc-platform-legacy: federatedCredential');
  });

  it('writes SARIF that validates against the SARIF 2.1.0 JSON schema', async () => {
    const r = await wif(['audit', '--output', 'sarif']);
    expect(r.code).toBe(EXIT.ok);
    const log = JSON.parse(r.out) as {
      runs: Array<{ results: Array<{ ruleId: string; level: string }>; invocations: Array<{ executionSuccessful: boolean }> }>;
    };
    const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
    const validate = ajv.compile(sarifSchema);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    expect(log.runs[0]!.results.find((x) => x.ruleId === 'SecretBased')?.level).toBe('error');
    expect(log.runs[0]!.invocations[0]!.executionSuccessful).toBe(true);
    // The validator is not lenient: a result without a message is refused.
    const broken = structuredClone(log) as { runs: Array<{ results: Array<Record<string, unknown>> }> };
    delete broken.runs[0]!.results[0]!['message'];
    expect(validate(broken)).toBe(false);
  });

  it('refuses an unknown format, or two outputs on stdout, before any request', async () => {
    const before = ctx.emu.fake.requests.length;
    expect((await wif(['audit', '--output', 'xml'])).code).toBe(EXIT.usage);
    expect((await wif(['audit', '--output', 'junit', '--output', 'sarif'])).code).toBe(EXIT.usage);
    const unwritable = await wif(['audit', '--output', `json=${join(ctx.dir, 'no-such-dir', 'audit.json')}`]);
    expect(unwritable.code).toBe(EXIT.usage);
    expect(unwritable.err).toMatch(/Cannot write the audit output to .*no-such-dir.*audit\.json: ENOENT/);
    expect(ctx.emu.fake.requests.length).toBe(before);
  });
});

describe('wif audit of an organization it cannot read exits 1, whatever --fail-on says', () => {
  it('without credentials: the cause is sign-in', async () => {
    // Only the environment credential, with nothing in the environment: it fails at once, before any request.
    vi.stubEnv('AZURE_TOKEN_CREDENTIALS', 'EnvironmentCredential');
    for (const name of [
      'AZURE_TENANT_ID',
      'AZURE_CLIENT_ID',
      'AZURE_CLIENT_SECRET',
      'AZURE_CLIENT_CERTIFICATE_PATH',
      'AZURE_USERNAME',
      'AZURE_DEVOPS_EXT_PAT',
      'SYSTEM_ACCESSTOKEN',
    ])
      vi.stubEnv(name, '');
    for (const failOn of ['info', 'critical']) {
      const r = await wif(['audit', '--org', 'contoso', '--fail-on', failOn, '--output', 'ndjson'], { WIF_EMULATOR_URL: '' });
      expect(r.code).toBe(EXIT.failure);
      expect(r.err).toContain('cause: sign-in');
      expect(r.err).toMatch(/az login/);
      const summary = JSON.parse(r.out.trimEnd().split('\n').pop()!) as { ok: boolean; incomplete: { cause: string } };
      expect(summary).toMatchObject({ ok: false, incomplete: { cause: 'sign-in' } });
    }
  });

  it('with the emulator down: the cause is the network', async () => {
    const port = await closedPort();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const running = wif(['audit', '--fail-on', 'critical'], { WIF_EMULATOR_URL: `http://127.0.0.1:${port}` });
      let done = false;
      void running.finally(() => (done = true));
      // Connection refused comes from the socket; the retry backoff waits run on the fake clock.
      while (!done) {
        await new Promise((r) => setImmediate(r));
        vi.advanceTimersByTime(1_000);
      }
      const r = await running;
      expect(r.code).toBe(EXIT.failure);
      expect(r.err).toContain('cause: network');
      expect(r.err).toMatch(/could not be reached/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('for a wrong organization: the cause is not-found, and the fix names --org', async () => {
    const r = await wif(['audit', '--org', 'fabrikam', '--fail-on', 'critical', '--json']);
    expect(r.code).toBe(EXIT.failure);
    const doc = JSON.parse(r.out) as { ok: boolean; incomplete: { cause: string; fix: string }; findings: Finding[] };
    expect(doc).toMatchObject({ ok: false, incomplete: { cause: 'not-found' } });
    expect(doc.incomplete.fix).toContain('--org');
    expect(doc.findings.map((f) => f.code)).toEqual(['OrganizationUnreadable']);
  });

  it('when a governance read is refused: the run is incomplete (exit 1 whatever --fail-on says), and the fix names the scope', async () => {
    ctx.emu.fake.failRequests({ service: 'devops', path: /_apis\/build\/authorizedresources/, status: 403, times: 1_000 });
    const r = await wif(['audit', '--fail-on', 'critical', '--json']);
    expect(r.code).toBe(EXIT.failure);
    const doc = JSON.parse(r.out) as { ok: boolean; incomplete: { cause: string; message: string; fix: string }; findings: Finding[] };
    expect(doc).toMatchObject({ ok: false, incomplete: { cause: 'permission' } });
    expect(doc.incomplete.message).toMatch(/checks, pipeline access or security roles of \d+ connection/);
    expect(doc.incomplete.fix).toContain('vso.build');
    expect(doc.findings.filter((f) => f.code === 'GovernanceUnreadable').length).toBeGreaterThan(0);
  });
});

function children(e: Element, tag: string): Element[] {
  return Array.from(e.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).tagName === tag);
}

/** A port on 127.0.0.1 that nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('redactRecord', () => {
  it('redacts the connection once and every finding, the same as redactDeep of the whole record', async () => {
    const { redactDeep } = await import('@wif/core');
    const { redactRecord } = await import('./audit');
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVl';
    const connection = {
      id: 'c1',
      name: `sc ${jwt}`,
      type: 'azurerm',
      scheme: 'WorkloadIdentityFederation',
      projects: [{ id: 'p', name: 'web' }],
    } as unknown as NonNullable<Parameters<typeof redactRecord>[1]['connection']>;
    const finding = (message: string) =>
      ({
        schemaVersion: 1,
        code: 'SecretBased',
        severity: 'high',
        organization: 'contoso',
        connection,
        project: null,
        message,
        fix: 'fix',
        details: { note: `Bearer ${jwt}` },
      }) as unknown as Parameters<typeof redactRecord>[1]['findings'][number];
    const raw = { connection, checks: ['authentication'], findings: [finding(`one ${jwt}`), finding('two')] } as Parameters<
      typeof redactRecord
    >[1];
    const out = redactRecord({ redactDeep }, raw);
    expect(out).toEqual(redactDeep(raw));
    expect(JSON.stringify(out)).not.toContain('c2lnbmF0dXJlLXZhbHVl');
    // One redacted connection object shared by the record and its findings.
    expect(out.findings[0]!.connection).toBe(out.connection);
  });
});
