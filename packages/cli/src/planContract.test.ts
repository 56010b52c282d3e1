/** `wif plan` / `wif apply` as the contract: refusals, saved plans, prune, stability after apply (against the emulator). */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryIo } from '../test/memoryIo';
import { useEmulator } from '../test/useEmulator';
import { EXIT } from './exitCodes';
import { main } from './main';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SUB = '78c6d91d-b273-427d-a92d-943378c2f496';

const ctx = useEmulator('wif-plan-');

async function wif(args: string[], options: { tty?: boolean; input?: string } = {}) {
  const io = memoryIo({
    cwd: ctx.dir,
    env: { WIF_EMULATOR_URL: ctx.emu.url },
    ...(options.tty ? { tty: true } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

async function specFile(name: string, connections: string[]): Promise<string> {
  const path = join(ctx.dir, name);
  await writeFile(path, `organization: contoso\ntenantId: ${TENANT}\nconnections:\n${connections.join('\n')}\n`);
  return path;
}

const conn = (name: string, extra = '', role = 'Contributor'): string =>
  `  - { project: platform, name: ${name}, app: ado-${name}, scope: /subscriptions/${SUB}/resourceGroups/rg-${name}, roles: [${role}]${extra} }`;
const ours = (names: string[]): string[] =>
  ctx.emu.fake.state
    .serviceEndpoints()
    .map((e) => e.name)
    .filter((n) => names.includes(n))
    .sort();
const writes = (from: number): string[] =>
  ctx.emu.fake.requests
    .slice(from)
    // The preflight's permission evaluation is a POST that writes nothing.
    .filter((r) => r.method !== 'GET' && r.operation !== 'permissions.evaluateBatch')
    .map((r) => `${r.method} ${r.operation}`);

describe('wif apply refuses what the plan refuses', () => {
  it('sends no write for a name taken by a secret-based connection or an unknown role, exits 1 and names the refusal', async () => {
    ctx.emu.fake.state.addServiceEndpoint({ name: 'sc-taken', projects: 'platform', scheme: 'ServicePrincipal', servicePrincipalId: SUB });
    const spec = await specFile('refused.yaml', [conn('sc-taken'), conn('sc-typo', '', 'Contributer')]);
    const before = ctx.emu.fake.requests.length;
    const r = await wif(['apply', '-c', spec, '--yes', '--no-color']);
    expect(r.code).toBe(EXIT.failure);
    expect(writes(before)).toEqual([]);
    expect(`${r.out}${r.err}`).toContain('ConnectionConflict');
    expect(`${r.out}${r.err}`).toContain('No role named "Contributer"');
    expect(r.out).toContain('2 refused (nothing written)');
    // The plan printed first counts their changes in its totals, and says apply makes none of them.
    expect(r.out).toMatch(/Plan for contoso: (\d+) to create, .*2 connection\(s\) refused \(apply makes none of their \1 change\(s\)\)\./);
  });

  it('on a terminal, shows the refusal and asks before writing the rest', async () => {
    ctx.emu.fake.state.addServiceEndpoint({ name: 'sc-taken', projects: 'platform', scheme: 'ServicePrincipal', servicePrincipalId: SUB });
    const spec = await specFile('mixed.yaml', [conn('sc-ok'), conn('sc-taken')]);
    const before = ctx.emu.fake.requests.length;
    const declined = await wif(['apply', '-c', spec, '--no-color'], { tty: true, input: 'n\n' });
    expect(declined.code).toBe(EXIT.failure);
    expect(declined.out).toContain('refused: apply writes nothing for platform/sc-taken');
    expect(declined.err).toContain('Apply these changes to contoso (1 refused connection(s) get no write)? [y/N]');
    expect(writes(before)).toEqual([]);
    // --atomic: the rest is not written either.
    const atomic = await wif(['apply', '-c', spec, '--yes', '--atomic', '--json']);
    expect(atomic.code).toBe(EXIT.failure);
    expect(writes(before)).toEqual([]);
    expect(JSON.parse(atomic.out).connections.map((c: { status: string }) => c.status)).toEqual(['skipped', 'refused']);
  });
});

describe('saved plans', () => {
  it('plan --out then apply --plan converges; a connection edited in between is refused with StalePlan and not written', async () => {
    const spec = await specFile('saved.yaml', [conn('sc-a'), conn('sc-b')]);
    const out = join(ctx.dir, 'p.json');
    expect((await wif(['plan', '-c', spec, '--out', out])).code).toBe(EXIT.ok);
    expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({ format: 'wif-plan', version: 1 });
    const applied = await wif(['apply', '--plan', out, '-c', spec, '--yes']);
    expect(applied.code).toBe(EXIT.ok);
    expect(ours(['sc-a', 'sc-b'])).toEqual(['sc-a', 'sc-b']);

    // A new spec value, planned and saved; then someone edits sc-a in the portal before apply.
    const spec2 = await specFile('saved.yaml', [conn('sc-a', ', description: tier one'), conn('sc-b', ', description: tier two')]);
    expect((await wif(['plan', '-c', spec2, '--out', out])).code).toBe(EXIT.ok);
    const a = ctx.emu.fake.state.serviceEndpoints().find((e) => e.name === 'sc-a')!;
    a.description = 'edited in the portal';
    const before = ctx.emu.fake.requests.length;
    const stale = await wif(['apply', '--plan', out, '-c', spec2, '--yes', '--no-color']);
    expect(stale.code).toBe(EXIT.failure);
    expect(`${stale.out}${stale.err}`).toContain('StalePlan');
    expect(`${stale.out}${stale.err}`).not.toContain('StalePlan: StalePlan');
    expect(a.description).toBe('edited in the portal');
    expect(ctx.emu.fake.state.serviceEndpoints().find((e) => e.name === 'sc-b')!.description).toContain('tier two');
    expect(writes(before).filter((w) => w.startsWith('PUT serviceEndpoints'))).toHaveLength(1);

    // The spec file changed since the plan: the whole plan is refused.
    await specFile('saved.yaml', [conn('sc-a')]);
    const before2 = ctx.emu.fake.requests.length;
    const changed = await wif(['apply', '--plan', out, '-c', spec2, '--yes', '--json']);
    expect(changed.code).toBe(EXIT.failure);
    expect(writes(before2)).toEqual([]);
    expect(JSON.parse(changed.out).connections[0].error).toMatchObject({
      kind: 'StalePlan',
      changed: ['the spec changed since the plan was made'],
    });
  });
});

describe('orphans', () => {
  it('lists a connection removed from the spec under orphans, and apply --prune --yes deletes it', async () => {
    const both = await specFile('orphans.yaml', [conn('sc-keep'), conn('sc-gone', ', shareWith: [web], pipelines: [3]')]);
    ctx.emu.fake.state.addProject('web');
    expect((await wif(['apply', '-c', both, '--yes'])).code).toBe(EXIT.ok);
    const one = await specFile('orphans.yaml', [conn('sc-keep')]);
    const planned = await wif(['plan', '-c', one, '--json']);
    expect(JSON.parse(planned.out).orphans.map((o: { name: string; managed: boolean }) => [o.name, o.managed])).toEqual([
      ['sc-gone', true],
    ]);
    const table = await wif(['plan', '-c', one, '--no-color']);
    expect(table.out).toContain('platform/sc-gone orphan: managed by wif and not in the spec: apply --prune deletes it');
    // The summary's counts do not hold the orphans' delete rows: it says what becomes of them.
    expect(table.out).toContain('1 orphan connection(s) (apply --prune deletes 1).');
    // One with wif's marker on an app wif did not make is listed too, and never deleted.
    const foreign = ctx.emu.fake.state.addServiceEndpoint({
      name: 'sc-foreign',
      projects: 'platform',
      description: 'copied by hand (managed by wif)',
      servicePrincipalId: '00000000-0000-4000-8000-000000000001',
    });
    expect((await wif(['plan', '-c', one, '--no-color'])).out).toContain(
      '2 orphan connection(s) (apply --prune deletes 1; 1 never deleted).',
    );
    ctx.emu.fake.state.deleteServiceEndpoint(foreign.id);

    const endpointsBefore = ctx.emu.fake.state.serviceEndpoints().length;
    const pruned = await wif(['apply', '-c', one, '--prune', '--yes']);
    expect(pruned.code).toBe(EXIT.ok);
    expect(ours(['sc-keep', 'sc-gone'])).toEqual(['sc-keep']);
    expect(
      ctx.emu.fake.state
        .applications()
        .filter((a) => a.displayName.startsWith('ado-sc-'))
        .map((a) => a.displayName),
    ).toEqual(['ado-sc-keep']);
    // Everything else the emulator holds (its demo connections, not made by wif) is untouched.
    expect(ctx.emu.fake.state.serviceEndpoints().length).toBe(endpointsBefore - 1);
  });
});

describe('a plan right after apply', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('plan --exit-code exits 0 while Graph still hides the new principal for 15 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    // 15 s: the apply before the plan (its preflight included) must not outlast the lag in fake time.
    ctx.emu.fake.setOptions({ replicationLagInMs: 15_000, clock: () => Date.now() });
    const spec = await specFile('lag.yaml', [conn('sc-lag')]);
    const drive = async <T>(p: Promise<T>): Promise<T> => {
      let done = false;
      void p.finally(() => (done = true));
      // Small steps: fake time passes only about as fast as the work needs it to.
      for (let i = 0; i < 5_000 && !done; i++) await vi.advanceTimersByTimeAsync(5);
      return p;
    };
    // --skip-verify: nothing in apply waits for the principal to show, as in a pipeline that only applies.
    expect((await drive(wif(['apply', '-c', spec, '--yes', '--skip-verify']))).code).toBe(EXIT.ok);
    const before = ctx.emu.fake.requests.length;
    const planned = await drive(wif(['plan', '-c', spec, '--exit-code', '--json']));
    expect(JSON.parse(planned.out)).toMatchObject({ changes: false });
    expect(planned.code).toBe(EXIT.ok);
    // It was hidden: the plan read the principal more than once before it showed.
    expect(ctx.emu.fake.requests.slice(before).filter((r) => r.operation.startsWith('servicePrincipals')).length).toBeGreaterThan(1);
  });
});

describe('a project that does not exist', () => {
  it('is a connection that cannot be planned (not a refusal), names the closest project, and the orphan listing says so once', async () => {
    const file = await specFile('typo.yaml', [
      `  - { project: plattform, name: sc-typo, app: ado-sc-typo, scope: /subscriptions/${SUB}/resourceGroups/rg-typo, roles: [Reader] }`,
    ]);
    const r = await wif(['plan', '-c', file, '--no-color']);
    expect(r.code).toBe(EXIT.failure);
    const all = r.out + r.err;
    expect(all).toContain('cannot be planned: apply writes nothing for plattform/sc-typo');
    expect(all).not.toContain('refused: apply writes nothing');
    expect(all).toContain('Did you mean "platform"?');
    expect(all).toContain('Orphans could not be looked for: NotFound, the error shown above.');
    expect(all.match(/TF200016/g)).toHaveLength(1);
  });
});
