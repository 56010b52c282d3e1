/**
 * End to end: the built `wif` binary (dist/wif.js, built here first) against `wif emulator`, a
 * separate process serving real HTTP on 127.0.0.1. Every wait is bounded; both processes are killed
 * in afterAll.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI_DIR = fileURLToPath(new URL('..', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const WIF = join(CLI_DIR, 'dist', 'wif.js');
const ENV_SET = join(ROOT, 'examples', 'env-set.yaml');

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs a process to its end, killing it after `timeoutInMs`. */
function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutInMs: number },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not finish in ${options.timeoutInMs} ms\n${out}\n${err}`));
    }, options.timeoutInMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** Builds dist/ with tsup (the bin bundles the workspace sources, so it matches this checkout). */
async function build(): Promise<void> {
  const tsupPackage = createRequire(join(ROOT, 'package.json')).resolve('tsup/package.json');
  const { bin } = JSON.parse(await readFile(tsupPackage, 'utf8')) as { bin: Record<string, string> };
  const result = await runProcess(process.execPath, [join(tsupPackage, '..', bin['tsup']!)], {
    cwd: CLI_DIR,
    env: process.env,
    timeoutInMs: 120_000,
  });
  if (result.code !== 0) throw new Error(`tsup failed:\n${result.out}\n${result.err}`);
}

/** Starts `wif emulator --port 0` and resolves with its URL once it prints its ready line. */
function startEmulator(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WIF, 'emulator', '--port', '0'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the emulator printed no ready line in 15 s:\n${out}`));
    }, 15_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /^export WIF_EMULATOR_URL=(\S+)$/m.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited with ${code}:\n${out}`));
    });
  });
}

/** Stops a child and waits (bounded) for it to exit. */
function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

let built = false;

// Each test runs several processes, each bounded at 60 s: on a busy 2-CPU machine 20 s is too tight.
describe('the wif binary against wif emulator', { timeout: 60_000 }, () => {
  let emulator: ChildProcess | undefined;
  let url = '';
  let dir = '';
  const wif = (...args: string[]): Promise<Run> =>
    runProcess(process.execPath, [WIF, ...args], {
      cwd: dir,
      env: { ...process.env, WIF_EMULATOR_URL: url, NO_COLOR: '1' },
      timeoutInMs: 60_000,
    });

  beforeAll(async () => {
    await build();
    built = true;
    dir = await mkdtemp(join(tmpdir(), 'wif-e2e-'));
    ({ child: emulator, url } = await startEmulator());
  }, 180_000);

  afterAll(async () => {
    await stop(emulator);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers --version and --help from the bundle', async () => {
    const version = await wif('--version');
    expect(version.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await wif('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('Exit codes:');
  });

  it('refuses a Node.js older than 22 at once with exit 2, before loading anything that needs a newer one', async () => {
    // The system's Node (20 on these machines; Node 24 comes from tools/bootstrap) runs the built bin.
    const system = '/usr/bin/node';
    const found = (
      await runProcess(system, ['-p', 'process.versions.node'], { cwd: dir, env: process.env, timeoutInMs: 10_000 })
    ).out.trim();
    expect(Number(found.split('.')[0]), `${system} must be older than Node 22 for this test`).toBeLessThan(22);
    for (const args of [['--version'], ['plan', '-c', ENV_SET], ['emulator', '--port', '0']]) {
      const r = await runProcess(system, [WIF, ...args], { cwd: dir, env: { ...process.env, WIF_EMULATOR_URL: url }, timeoutInMs: 10_000 });
      expect(r.err).toBe(`wif needs Node.js 22 or newer (found ${found}).\n`);
      expect(r.out).toBe('');
      expect(r.code).toBe(2);
    }
  });

  it('applies the environment set', async () => {
    const r = await wif('apply', '-c', ENV_SET, '--yes');
    expect(r.err).not.toMatch(/FAILED/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/3 converged \(3 created/);
  });

  it('verifies every connection by a real token exchange', async () => {
    const r = await wif('verify', '-c', ENV_SET, '--exchange', '--json');
    expect(r.code, r.out + r.err).toBe(0);
    const doc = JSON.parse(r.out) as { ok: boolean; connections: Array<{ subject: string; exchange: string }> };
    expect(doc.connections).toHaveLength(3);
    expect(doc.connections.every((c) => c.subject === 'ok' && c.exchange === 'ok')).toBe(true);
  });

  it('catches a broken subject, and diagnose explains it from the error text and the live connection', async () => {
    const broken = (await (
      await fetch(`${url}/_emulator/break-subject`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ connection: 'sc-platform-prod', project: 'platform' }),
      })
    ).json()) as {
      before: string;
    };
    const verify = await wif('verify', '-c', ENV_SET, '--exchange');
    expect(verify.code).toBe(1);
    expect(verify.err).toContain('SubjectMismatch');
    expect(verify.err).toContain('hint: differs only in letter case');

    const text = `AADSTS700213: No matching federated identity record found for presented assertion subject '${broken.before}'.`;
    const diagnose = await wif('diagnose', text, '--connection', 'sc-platform-prod', '--config', ENV_SET);
    expect(diagnose.code).toBe(0);
    expect(diagnose.out).toContain('SubjectMismatch');
    expect(diagnose.out).toContain('differs only in letter case');

    // sync repairs it: the credential is rebound to what the connection presents.
    expect((await wif('sync', '-c', ENV_SET, '--detect-only')).code).toBe(3);
    expect((await wif('sync', '-c', ENV_SET, '--yes')).code).toBe(0);
    expect((await wif('verify', '-c', ENV_SET, '--connection', 'sc-platform-prod')).code).toBe(0);
  }, 60_000);

  it('audits the organization and fails the gate on high findings (exit 4)', async () => {
    const r = await wif('audit', '--fail-on', 'high');
    expect(r.code).toBe(4);
    expect(r.out).toContain('SecretBased');
    expect(r.out).toContain('LegacyIssuer');
  });

  it('migrates a seeded secret-based connection: start, status, finish --force', async () => {
    const target = ['--connection', 'sc-shared-deploy', '--project', 'shared'];
    const start = await wif('migrate', 'start', ...target);
    expect(start.code, start.err).toBe(0);
    expect(start.out).toContain('sc-shared-deploy-wif');
    const status = await wif('migrate', 'status', '--json');
    expect(JSON.parse(status.out)).toMatchObject({ migrations: [{ oldConnection: { name: 'sc-shared-deploy' }, phase: 'soaking' }] });
    const finish = await wif('migrate', 'finish', ...target, '--force', '--yes');
    expect(finish.code, finish.err).toBe(0);
    expect(finish.out).toContain('finished');
    const after = await wif('audit', '--json');
    const names = (JSON.parse(after.out) as { findings: Array<{ connection: { name: string } | null }> }).findings.map(
      (f) => f.connection?.name,
    );
    expect(names).not.toContain('sc-shared-deploy');
  }, 60_000);
});

/** Starts `wif emulator --tls --port 0 --json` and resolves with its ready document. */
function startTlsEmulator(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; doc: { url: string; caFile: string } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WIF, 'emulator', '--tls', '--port', '0', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the emulator printed no ready document in 15 s:\n${out}`));
    }, 15_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        const doc = JSON.parse(out) as { url: string; caFile: string };
        clearTimeout(timer);
        resolve({ child, doc });
      } catch {
        // not complete yet
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited with ${code}:\n${out}`));
    });
  });
}

describe('the wif binary against wif emulator --tls', () => {
  let emulator: ChildProcess | undefined;
  let doc = { url: '', caFile: '' };
  let dir = '';
  let stateDir = '';
  const wif = (env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> =>
    runProcess(process.execPath, [WIF, ...args], {
      cwd: dir,
      // NODE_EXTRA_CA_CERTS is not set: wif trusts the emulator's CA itself (from the state directory).
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '', WIF_EMULATOR_URL: doc.url, NO_COLOR: '1', ...env },
      timeoutInMs: 60_000,
    });

  beforeAll(async () => {
    if (!built) await build();
    dir = await mkdtemp(join(tmpdir(), 'wif-e2e-tls-'));
    stateDir = join(dir, 'state');
    ({ child: emulator, doc } = await startTlsEmulator({ ...process.env, WIF_STATE_DIR: stateDir, NO_COLOR: '1' }));
  }, 180_000);

  afterAll(async () => {
    await stop(emulator);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints an https url and the CA file kept in the state directory', async () => {
    expect(doc.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(doc.caFile).toBe(join(stateDir, 'emulator-ca.pem'));
    expect(await readFile(doc.caFile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  // One process per test, each with the same bound as the plain-HTTP tests' processes.
  it('plans over TLS', async () => {
    const plan = await wif({ WIF_STATE_DIR: stateDir }, 'plan', '-c', ENV_SET);
    expect(plan.code, plan.out + plan.err).toBe(0);
  }, 60_000);

  it('applies over TLS', async () => {
    const apply = await wif({ WIF_STATE_DIR: stateDir }, 'apply', '-c', ENV_SET, '--yes');
    expect(apply.code, apply.out + apply.err).toBe(0);
    expect(apply.out).toMatch(/3 converged \(3 created/);
  }, 60_000);

  it('verifies over TLS, with a token exchange', async () => {
    const verify = await wif({ WIF_STATE_DIR: stateDir }, 'verify', '-c', ENV_SET, '--exchange', '--json');
    expect(verify.code, verify.out + verify.err).toBe(0);
    const report = JSON.parse(verify.out) as { connections: Array<{ subject: string; exchange: string }> };
    expect(report.connections.map((c) => `${c.subject}/${c.exchange}`)).toEqual(['ok/ok', 'ok/ok', 'ok/ok']);
  }, 60_000);

  it('still verifies the certificate: without the CA, wif refuses the emulator', async () => {
    const r = await wif({ WIF_STATE_DIR: join(dir, 'elsewhere') }, 'plan', '-c', ENV_SET, '--json');
    expect(r.code).toBe(1);
    expect(r.out + r.err).toMatch(/TLS certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    expect(r.out).toContain('"retryable": false');
  }, 60_000);
});

// Runs after the suite above, which builds dist/ (run the whole file).
describe('two `wif migrate start` processes on one journal', () => {
  let emulator: ChildProcess | undefined;
  let url = '';
  let dir = '';
  const wif = (...args: string[]): Promise<Run> =>
    runProcess(process.execPath, [WIF, ...args], {
      cwd: dir,
      env: { ...process.env, WIF_EMULATOR_URL: url, NO_COLOR: '1' },
      timeoutInMs: 90_000,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wif-journal-race-'));
    ({ child: emulator, url } = await startEmulator());
  }, 60_000);

  afterAll(async () => {
    await stop(emulator);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('20 rounds: each records both migrations, or refuses one with a lock message; none loses an update', async () => {
    const outcomes: string[] = [];
    for (let round = 1; round <= 20; round++) {
      const journal = join(dir, `journal-${round}.json`);
      const [a, b] = await Promise.all([
        wif(
          'migrate',
          'start',
          '--connection',
          'sc-shared-deploy',
          '--project',
          'shared',
          '--new-name',
          `sd-r${round}`,
          '--journal',
          journal,
        ),
        wif(
          'migrate',
          'start',
          '--connection',
          'sc-platform-automatic',
          '--project',
          'platform',
          '--new-name',
          `pa-r${round}`,
          '--journal',
          journal,
        ),
      ]);
      const status = await wif('migrate', 'status', '--journal', journal, '--json');
      const recorded = (JSON.parse(status.out) as { migrations: Array<{ oldConnection: { name: string }; phase: string }> }).migrations;
      const phaseOf = (name: string): string | undefined => recorded.find((m) => m.oldConnection.name === name)?.phase;
      for (const [run, name] of [
        [a, 'sc-shared-deploy'],
        [b, 'sc-platform-automatic'],
      ] as const) {
        if (run.code === 0) {
          // A process that said it succeeded has its whole migration in the journal.
          expect(phaseOf(name), `round ${round}: ${name}\n${run.err}`).toBe('soaking');
        } else {
          expect(run.err, `round ${round}: ${name}`).toMatch(/is locked by process \d+ on .+ \(since /);
        }
      }
      outcomes.push(`${a.code}/${b.code}`);
    }
    expect(outcomes).toHaveLength(20);
  }, 600_000);
});
