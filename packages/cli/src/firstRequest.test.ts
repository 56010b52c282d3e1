/**
 * The run's first request (the access check) is sent before the rest of the SDK loads (decision
 * 027), and what the command then does is what it did when it read the spec and sent the check
 * itself: the same output, the same errors, nothing sent that it would not send.
 */
import diagnostics from 'node:diagnostics_channel';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryIo } from '../test/memoryIo';
import { useEmulator } from '../test/useEmulator';
import { EXIT } from './exitCodes';
import { main } from './main';

// What happened, in order: requests the client created, and the first import of @wif/core's root.
const events = vi.hoisted(() => [] as string[]);
vi.mock('@wif/core', async (importOriginal) => {
  events.push('import @wif/core');
  return importOriginal();
});

// Every token the run's credential is asked for, by service (the emulator's credential, counted).
vi.mock('@wif/testing/credential', async (importOriginal) => {
  const original = await importOriginal<typeof import('@wif/testing/credential')>();
  return {
    ...original,
    createTestCredential: (...args: Parameters<typeof original.createTestCredential>) => {
      const inner = original.createTestCredential(...args);
      return Object.assign(Object.create(inner) as typeof inner, {
        getToken: (scope: string | string[], options?: Parameters<typeof inner.getToken>[1]) => {
          const s = String(scope);
          events.push(`token ${/graph/.test(s) ? 'graph' : /management/.test(s) ? 'arm' : 'devops'}`);
          return inner.getToken(scope, options);
        },
      });
    },
  };
});

const onRequest = (message: unknown): void => {
  const { request } = message as { request: { method: string; path: string } };
  events.push(`${request.method} ${request.path.split('?')[0] ?? ''}`);
};
beforeEach(() => diagnostics.subscribe('http.client.request.start', onRequest));
afterEach(() => diagnostics.unsubscribe('http.client.request.start', onRequest));

const ctx = useEmulator('wif-first-request-');

async function wif(args: string[]): Promise<{ code: number; out: string; err: string; ops: string[] }> {
  const io = memoryIo({ cwd: ctx.dir, env: { WIF_EMULATOR_URL: ctx.emu.url } });
  const from = ctx.emu.fake.requests.length;
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err(), ops: ctx.emu.fake.requests.slice(from).map((r) => `${r.method} ${r.operation}`) };
}

async function specFile(name: string, head = ''): Promise<string> {
  const sub = ctx.emu.fake.state.subscriptionId;
  const file = join(ctx.dir, `${name}-${ctx.emu.port}.yaml`);
  const spec = {
    organization: 'contoso',
    tenantId: ctx.emu.fake.state.tenantId,
    connections: [
      { project: 'platform', name: `sc-${name}`, app: `ado-${name}`, roles: [{ role: 'Reader', scope: `/subscriptions/${sub}` }] },
    ],
  };
  await writeFile(file, `${head}${JSON.stringify(spec)}\n`);
  return file;
}

describe('the first request, sent while the SDK loads', () => {
  it('wif plan: the access check is on its way before @wif/core is imported, and read once', async () => {
    const r = await wif(['plan', '-c', await specFile('first')]);
    expect(r.code, r.err).toBe(EXIT.ok);
    const check = events.findIndex((e) => e.endsWith('/_apis/connectionData'));
    const root = events.indexOf('import @wif/core');
    expect(check).toBeGreaterThanOrEqual(0);
    expect(root).toBeGreaterThan(check);
    expect(r.ops.filter((o) => o === 'GET connectionData.get')).toHaveLength(1);
  });

  it("wif plan asks for each token once, all of them before the plan's first read (while the check is in flight)", async () => {
    events.length = 0;
    const r = await wif(['plan', '-c', await specFile('tokens')]);
    expect(r.code, r.err).toBe(EXIT.ok);
    const tokens = events.filter((e) => e.startsWith('token '));
    expect([...tokens].sort()).toEqual(['token arm', 'token devops', 'token graph']);
    const firstRead = events.findIndex((e) => e.endsWith('/_apis/projects/platform'));
    expect(firstRead).toBeGreaterThan(0);
    for (const t of tokens) expect(events.indexOf(t)).toBeLessThan(firstRead);
  });

  it('wif audit asks for its Graph and ARM tokens as it starts, before its first Graph request, once each', async () => {
    await wif(['apply', '-c', await specFile('audited'), '--yes']);
    events.length = 0;
    const r = await wif(['audit', '--json']);
    expect(r.code, r.err).not.toBe(EXIT.usage);
    const tokens = events.filter((e) => e.startsWith('token '));
    expect([...tokens].sort()).toEqual(['token arm', 'token devops', 'token graph']);
    // Before the walk's first Azure DevOps request, and so long before the first Graph request.
    const walk = events.findIndex((e) => e.includes('/_apis/'));
    expect(events.findIndex((e) => e.includes('/graph/'))).toBeGreaterThan(walk);
    for (const t of tokens) expect(events.indexOf(t)).toBeLessThan(walk);
  });

  // The tokens a command asks for, in order, and whether each came before the first request after the check.
  function tokensBeforeWork(): { tokens: string[]; early: boolean } {
    const check = events.findIndex((e) => e.endsWith('/_apis/connectionData'));
    const work = events.findIndex((e, i) => i > check && /^(GET|POST|PUT|PATCH|DELETE) /.test(e));
    const tokens = events.filter((e) => e.startsWith('token '));
    return { tokens, early: check >= 0 && work > check && tokens.every((t) => events.indexOf(t) < work) };
  }

  it('wif migrate start asks for its Graph and ARM tokens while the check is in flight, once each', async () => {
    events.length = 0;
    const journal = ['--journal', join(ctx.dir, `journal-${ctx.emu.port}.json`)];
    const r = await wif(['migrate', 'start', '--connection', 'sc-shared-deploy', '--project', 'shared', ...journal]);
    expect(r.code, r.err).toBe(EXIT.ok);
    const { tokens, early } = tokensBeforeWork();
    expect([...tokens].sort()).toEqual(['token arm', 'token devops', 'token graph']);
    expect(early).toBe(true);
  });

  it('wif diagnose --connection asks for Graph and ARM while the check is in flight; from the text alone, for none', async () => {
    await wif(['apply', '-c', await specFile('diagnosed'), '--yes']);
    const text = "AADSTS700213: No matching federated identity record found for presented assertion subject 'sc://contoso/platform/sc-x'";
    events.length = 0;
    const r = await wif(['diagnose', text, '--connection', 'sc-diagnosed', '--project', 'platform']);
    expect(r.code, r.err).not.toBe(EXIT.usage);
    const { tokens, early } = tokensBeforeWork();
    expect([...tokens].sort()).toEqual(['token arm', 'token devops', 'token graph']);
    expect(early).toBe(true);
    events.length = 0;
    await wif(['diagnose', text]);
    expect(events.filter((e) => e.startsWith('token '))).toEqual([]);
  });

  it("the spec's warnings are printed once, as the command reads the spec", async () => {
    const r = await wif(['plan', '-c', await specFile('warned', '%YAML 1.3\n---\n')]);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(r.err.match(/warning: .*Unsupported YAML version 1\.3/g)).toHaveLength(1);
  });

  it('an organization that contradicts the spec: exit 2 and nothing sent', async () => {
    const r = await wif(['plan', '-c', await specFile('other-org'), '--org', 'fabrikam']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('The spec names organization "contoso" but --org (or WIF_ORG) says "fabrikam"');
    expect(r.ops).toEqual([]);
  });

  it('apply that would need a confirmation nobody can give: exit 2 and nothing sent', async () => {
    const r = await wif(['apply', '-c', await specFile('unconfirmed')]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.ops).toEqual([]);
  });

  it('plan --out where the plan cannot be saved: exit 2 before any request, saying why', async () => {
    const spec = await specFile('unsaved');
    const missing = await wif(['plan', '-c', spec, '--out', join(ctx.dir, 'no-such-dir', 'plan.json')]);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toMatch(/Cannot save the plan to .*plan\.json: there is no directory .*no-such-dir/);
    expect(missing.ops).toEqual([]);
    const directory = await wif(['plan', '-c', spec, '--out', ctx.dir]);
    expect(directory.code).toBe(EXIT.usage);
    expect(directory.err).toContain('it exists and is not a regular file');
    expect(directory.ops).toEqual([]);
    // A new file in a directory that exists is fine: the plan is made and saved.
    expect((await wif(['plan', '-c', spec, '--out', join(ctx.dir, 'saved.json')])).code).toBe(EXIT.ok);
  });

  it('an invalid spec: its validation error, and nothing sent', async () => {
    const file = join(ctx.dir, 'invalid.yaml');
    await writeFile(file, 'organization: contoso\nconnections: 3\n');
    const r = await wif(['plan', '-c', file]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/connections/);
    expect(r.ops).toEqual([]);
  });
});
