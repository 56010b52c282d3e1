/**
 * Every runbook of examples/ runs here against the emulator (over real HTTP on 127.0.0.1), as a
 * child process under tsx, exactly as a user would run it with WIF_EMULATOR_URL set.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '@wif/cli';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

const here = join(import.meta.dirname, '..');
let emu: Emulator;
beforeAll(async () => {
  emu = (await startEmulator({ port: 0 }))._unsafeUnwrap();
});
afterAll(async () => {
  await emu.close();
});

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@wif/source', script, ...args], {
      cwd: here,
      env: { ...process.env, WIF_EMULATOR_URL: emu.url, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill(), 50_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('example runbooks against the emulator', () => {
  it('env-set.ts vends dev, prod and prod-readonly, each verified; a second run changes nothing', async () => {
    const first = await run('env-set.ts', ['env-set.yaml']);
    expect(first.code, first.out).toBe(0);
    for (const name of ['sc-platform-dev', 'sc-platform-prod', 'sc-platform-prod-readonly'])
      expect(first.out).toMatch(new RegExp(`${name}\\s+converged\\s+created\\s+verified`));
    const second = await run('env-set.ts', ['env-set.yaml']);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/plan: 0 to create, 0 to update/);
    expect(second.out.match(/converged\s+unchanged/g)).toHaveLength(3);
  });

  it('nightly-audit.ts fails the night on the seeded secret-based connection, and passes with a higher threshold', async () => {
    const high = await run('nightly-audit.ts', ['contoso', 'high']);
    expect(high.code, high.out).toBe(1);
    expect(high.out).toMatch(/sc-shared-deploy/);
    expect(high.out).toMatch(/threshold high: FAIL/);
    const never = await run('nightly-audit.ts', ['contoso', 'never']);
    expect(never.code, never.out).toBe(0);
  });

  it('migrate.ts moves the secret-based connection to WIF and, forced past the soak, cleans up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wif-migrate-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const journal = join(dir, 'journal.json');
    const soaking = await run('migrate.ts', ['shared', 'sc-shared-deploy'], { WIF_JOURNAL: journal });
    expect(soaking.code, soaking.out).toBe(0);
    expect(soaking.out).toMatch(/new connection ready/);
    expect(soaking.out).toMatch(/soaking/);
    const forced = await run('migrate.ts', ['shared', 'sc-shared-deploy', '--force'], { WIF_JOURNAL: journal });
    expect(forced.code, forced.out).toBe(0);
    expect(forced.out).toMatch(/old connection, its role assignments and its app removed/);
    expect(emu.fake.state.serviceEndpoints().some((e) => e.name === 'sc-shared-deploy')).toBe(false);
    expect(emu.fake.state.serviceEndpoints().some((e) => e.name === 'sc-shared-deploy-wif')).toBe(true);
  });
});
