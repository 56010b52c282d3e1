import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../test/memoryIo';
import { useEmulator } from '../../test/useEmulator';
import { EXIT } from '../exitCodes';
import { main } from '../main';
import { createPrinter } from '../output';
import { printWhoami } from './whoami';

const ENV_SET = fileURLToPath(new URL('../../../../examples/env-set.yaml', import.meta.url));
const SUB = '/subscriptions/78c6d91d-b273-427d-a92d-943378c2f496';
const PROD = `${SUB}/resourceGroups/rg-platform-prod`;
const DEV = `${SUB}/resourceGroups/rg-platform-dev`;

const ctx = useEmulator('wif-whoami-');

async function wif(args: string[]) {
  const io = memoryIo({ cwd: ctx.dir, env: { WIF_EMULATOR_URL: ctx.emu.url, NO_COLOR: '1' } });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}
const deny = (body: unknown) =>
  fetch(`${ctx.emu.url}/_emulator/permissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

interface Check {
  service: string;
  scope: string;
  permission: string;
  status: string;
  fix?: string;
  connections: string[];
}

describe('wif whoami', () => {
  it('--json: the caller, and one entry per (service, scope or project, permission), all granted', async () => {
    const r = await wif(['whoami', '-c', ENV_SET, '--json']);
    expect(r.code).toBe(EXIT.ok);
    const body = JSON.parse(r.out) as { ok: boolean; caller: { display: string; entra: unknown; devops: unknown }; checks: Check[] };
    expect(body.ok).toBe(true);
    expect(body.caller.entra).toBeDefined();
    expect(body.caller.devops).toBeDefined();
    const keys = body.checks.map((c) => `${c.service} | ${c.scope} | ${c.permission} | ${c.status}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        `arm | ${DEV} | Microsoft.Authorization/roleAssignments/write | granted`,
        `arm | ${PROD} | Microsoft.Authorization/roleAssignments/write | granted`,
        'devops | project platform | ServiceEndpoints/Create | granted',
      ]),
    );
    // One entry per (service, scope, permission): no duplicates although three connections need them.
    expect(new Set(keys).size).toBe(keys.length);
    expect(body.checks.find((c) => c.service === 'devops')!.connections).toHaveLength(3);
  });

  it('names what the emulator denies, with the fix, and exits 1', async () => {
    expect(
      (await deny({ deny: [`arm:Microsoft.Authorization/roleAssignments/write@${PROD}`, 'devops:ServiceEndpoints/Create@platform'] }))
        .status,
    ).toBe(200);
    const r = await wif(['whoami', '-c', ENV_SET]);
    expect(r.code).toBe(EXIT.failure);
    expect(r.out).toContain(`Role Based Access Control Administrator on ${PROD}, or Owner`);
    expect(r.out).toContain('Endpoint Creator in project platform');
    expect(r.out).toMatch(/granted.*\n?/);
    // The totals say which count blocks: a missing permission is a plan refusal, an unknown one a hint.
    expect(r.out).toContain('2 missing (plan refuses the connections that need them), 0 unknown (a hint only: never blocks).');
    const json = JSON.parse((await wif(['whoami', '-c', ENV_SET, '--json'])).out) as { checks: Check[] };
    expect(
      json.checks
        .filter((c) => c.status === 'missing')
        .map((c) => c.scope)
        .sort(),
    ).toEqual([PROD, 'project platform']);
    expect(json.checks.find((c) => c.scope === DEV)!.status).toBe('granted');
  });

  it('sees a Graph permission the emulator takes away (the emulator credential mints its tokens without it)', async () => {
    await deny({ deny: ['graph:Application.ReadWrite.All'] });
    const json = JSON.parse((await wif(['whoami', '-c', ENV_SET, '--json'])).out) as { checks: Check[] };
    expect(json.checks.filter((c) => c.service === 'graph').every((c) => c.status === 'missing')).toBe(true);
  });

  it('without a spec, says only who the caller is, sending no permission read', async () => {
    const before = ctx.emu.fake.requests.length;
    const r = await wif(['whoami', '--json']);
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, checks: [] });
    expect(ctx.emu.fake.requests.slice(before).map((q) => q.operation)).toEqual(['connectionData.get']);
  });

  it('the emulator refuses a deny entry it does not understand', async () => {
    const res = await deny({ deny: ['devops:ServiceEndpoints/Fly'] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('Fly');
    expect((await deny({ nope: 1 })).status).toBe(400);
  });

  it('prints service and spec text so it cannot start a logging command or carry an escape', async () => {
    const io = memoryIo();
    const printer = createPrinter(io, { json: false, color: false }, { redact: (t) => t, redactDeep: (v) => v });
    const hostile = '##vso[task.setvariable variable=x]1\u001b[31m';
    printWhoami(
      { printer },
      {
        caller: { display: hostile, devops: { id: 'd1', displayName: `##[error]${hostile}` } },
        checks: [
          {
            service: 'arm',
            permission: 'p',
            scope: hostile,
            status: 'missing',
            confidence: 'authoritative',
            evidence: hostile,
            fix: hostile,
            connections: [],
          },
        ],
        summary: { granted: 0, missing: 1, unknown: 0 },
      },
    );
    expect(io.out()).toContain('vso[task.setvariable');
    expect(io.out()).not.toMatch(/##(vso)?\[/i);
    expect(io.out()).not.toContain('\u001b');
  });
});

describe('wif plan and apply when a permission is missing', () => {
  it('plan names the missing role assignment write, its scope and the fix, and exits 1; apply --yes sends no write for those connections', async () => {
    await deny({ deny: [`arm:Microsoft.Authorization/roleAssignments/write@${PROD}`] });
    const planned = await wif(['plan', '-c', ENV_SET]);
    expect(planned.code).toBe(EXIT.failure);
    expect(planned.err).toContain('PermissionMissing');
    expect(planned.err).toContain(`lacks Microsoft.Authorization/roleAssignments/write on ${PROD}`);
    expect(planned.err).toContain(`Role Based Access Control Administrator on ${PROD}, or Owner`);
    expect(planned.out).toContain('refused: apply writes nothing for platform/sc-platform-prod');
    expect(planned.out).toContain('refused: apply writes nothing for platform/sc-platform-prod-readonly');
    expect(planned.out).not.toContain('refused: apply writes nothing for platform/sc-platform-dev');
    const json = JSON.parse((await wif(['plan', '-c', ENV_SET, '--json'])).out) as {
      connections: { name: string; error?: { kind: string; permission: string; scope: string; fix: string } }[];
    };
    expect(json.connections.filter((c) => c.error).map((c) => [c.name, c.error!.kind, c.error!.scope])).toEqual([
      ['sc-platform-prod', 'PermissionMissing', PROD],
      ['sc-platform-prod-readonly', 'PermissionMissing', PROD],
    ]);

    const before = ctx.emu.fake.requests.length;
    const applied = await wif(['apply', '-c', ENV_SET, '--yes']);
    expect(applied.code).toBe(EXIT.failure);
    const writes = ctx.emu.fake.requests
      .slice(before)
      .filter((r) => r.method !== 'GET' && r.operation !== 'permissions.evaluateBatch')
      .map((r) => `${r.method} ${r.path}`);
    expect(writes.filter((w) => /prod/i.test(w))).toEqual([]);
    expect(writes.length).toBeGreaterThan(0); // sc-platform-dev proceeds
    const names = ctx.emu.fake.state.serviceEndpoints().map((e) => e.name);
    expect(names).toContain('sc-platform-dev');
    expect(names).not.toContain('sc-platform-prod');
    expect(names).not.toContain('sc-platform-prod-readonly');
  });
});
