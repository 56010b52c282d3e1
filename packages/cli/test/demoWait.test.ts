/**
 * scripts/lib/emulator.sh `wait_for_emulator`, the readiness wait of scripts/demo.sh: it waits on the
 * emulator's ready line and its health route, and a log file that does not exist yet is "not yet",
 * never an error (the race that failed the demo at random). Ordering here is driven by the test
 * (a trigger file, a health route that answers 503 a fixed number of times), not by sleeps.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const LIB = fileURLToPath(new URL('../../../scripts/lib/emulator.sh', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs `script` in bash under `set -euo pipefail` (as demo.sh does) with the library sourced. */
function bash(script: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -euo pipefail; source "$LIB"; ${script}`], {
      env: { ...process.env, ...env, LIB },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe('wait_for_emulator (scripts/lib/emulator.sh)', () => {
  let dir = '';
  let server: Server;
  let url = '';
  let unhealthyAnswersLeft = 0;
  let healthRequests = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/_emulator/health') {
        res.writeHead(404).end();
        return;
      }
      healthRequests += 1;
      if (unhealthyAnswersLeft > 0) {
        unhealthyAnswersLeft -= 1;
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"organization":"contoso"}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'wif-wait-'));
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    unhealthyAnswersLeft = 0;
    healthRequests = 0;
  });

  it('waits while the log file does not exist yet, then returns the URL once the ready line is there', async () => {
    const log = join(dir, 'late.log');
    const trigger = join(dir, 'late.trigger');
    // The fake emulator creates its log only after the trigger: every check before that finds no file.
    const fake = `bash -c 'while [ ! -f "$TRIGGER" ]; do sleep 0.05; done; printf "wif emulator\\nexport WIF_EMULATOR_URL=%s\\n" "$URL" > "$LOG"; sleep 30' & pid=$!`;
    const run = bash(`${fake}; url="$(wait_for_emulator "$pid" "$LOG" 20)"; kill "$pid"; echo "got $url"`, {
      LOG: log,
      TRIGGER: trigger,
      URL: url,
    });
    await new Promise((done) => setTimeout(done, 300)); // let it poll a few times with no log file
    await writeFile(trigger, '');
    const r = await run;
    expect(r.err).not.toMatch(/can't read|No such file/);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim()).toBe(`got ${url}`);
  });

  it('does not trust the ready line alone: it waits until the health route answers 2xx', async () => {
    const log = join(dir, 'ready.log');
    await writeFile(log, `export WIF_EMULATOR_URL=${url}\n`);
    unhealthyAnswersLeft = 3;
    const r = await bash(`sleep 30 & pid=$!; url="$(wait_for_emulator "$pid" "$LOG" 20)"; kill "$pid"; echo "$url"`, { LOG: log });
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim()).toBe(url);
    expect(healthRequests).toBe(4); // three 503s, then the 200
  });

  it('fails at once, with the log, when the emulator exits before it is ready', async () => {
    const log = join(dir, 'dead.log');
    await writeFile(log, 'wif: port 4010 is in use\n');
    const r = await bash(`true & pid=$!; wait "$pid"; wait_for_emulator "$pid" "$LOG" 20 || echo "rc=$?"`, { LOG: log });
    expect(r.out.trim()).toBe('rc=1');
    expect(r.err).toContain('port 4010 is in use');
    expect(r.err).toContain('exited before it was ready');
  });

  it('fails when the emulator exits and left no log file at all (no sed error)', async () => {
    const r = await bash(`true & pid=$!; wait "$pid"; wait_for_emulator "$pid" "$LOG" 20 || echo "rc=$?"`, {
      LOG: join(dir, 'never.log'),
    });
    expect(r.out.trim()).toBe('rc=1');
    expect(r.err).not.toMatch(/sed|can't read/);
    expect(r.err).toContain('exited before it was ready');
  });

  it('gives up after the timeout when no ready line comes', async () => {
    const r = await bash(`sleep 30 & pid=$!; wait_for_emulator "$pid" "$LOG" 1 || echo "rc=$?"; kill "$pid"`, {
      LOG: join(dir, 'silent.log'),
    });
    expect(r.out.trim()).toBe('rc=1');
    expect(r.err).toContain('was not ready in 1 s (no ready line)');
  });
});
