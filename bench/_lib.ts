/** Shared helpers of the benchmarks: statistics, an emulator per scenario, clients and request logs. */
import { fork, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emulatorEndpoints, type EmulatorOptions } from '@wif/cli';
import { createClients, type LogEntry, type WifClients } from '@wif/core';
import { createTestCredential, TEST_TENANT_ID } from '@wif/testing';

export const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';

/** The benchmarks' spec: one Contributor connection per name, each on its own app and resource group. */
export function benchSpec(names: readonly string[]): object {
  return {
    organization: 'contoso',
    tenantId: TEST_TENANT_ID,
    connections: names.map((n) => ({
      project: 'platform',
      name: `sc-${n}`,
      app: `ado-${n}`,
      roles: [{ role: 'Contributor', scope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-${n}` }],
    })),
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** An emulator running in its own process (emulatorHost.mjs), so it does not compete with the measured client for one thread. */
export interface RemoteEmulator {
  readonly url: string;
  /** How long seeding the organization took in the emulator's process. */
  readonly seedInMs: number;
  readonly endpoints: { graph: string; arm: string; devops: string; authority: string };
  counts(
    prefix: string,
  ): Promise<{ apps: number; connections: number; credentials: number; assignments: number; requests: number; throttled: number }>;
  /** Requests served so far per service operation (`graph getApplication`: n). */
  operations(): Promise<Record<string, number>>;
  /** The emulator process's CPU time so far (user + system) and its peak resident memory. */
  usage(): Promise<{ cpuInMs: number; maxRssInMb: number }>;
}

export async function withEmulator<T>(
  options: { fake?: EmulatorOptions['fake']; seed?: boolean; org?: { projects: number; perProject: number; appsPerProject?: number } },
  fn: (emu: RemoteEmulator) => Promise<T>,
): Promise<T> {
  const host = fork(join(dirname(fileURLToPath(import.meta.url)), 'emulatorHost.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: process.env['EMU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir=/tmp/i10-prof'] : [],
  });
  const next = <M extends { type: string }>(type: string): Promise<M> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: M): void => {
        if (m.type === type) {
          host.off('message', onMessage);
          resolve(m);
        } else if (m.type === 'error') reject(new Error(JSON.stringify(m)));
      };
      host.on('message', onMessage);
    });
  try {
    const ready = next<{ type: 'ready'; url: string; seedInMs: number }>('ready');
    host.send({ type: 'start', ...options });
    const { url, seedInMs } = await ready;
    const emu: RemoteEmulator = {
      url,
      seedInMs,
      endpoints: emulatorEndpoints(url),
      counts: async (prefix) => {
        const reply = next<{
          type: 'counts';
          apps: number;
          connections: number;
          credentials: number;
          assignments: number;
          requests: number;
          throttled: number;
        }>('counts');
        host.send({ type: 'counts', prefix });
        return reply;
      },
      operations: async () => {
        const reply = next<{ type: 'operations'; byOperation: Record<string, number> }>('operations');
        host.send({ type: 'operations' });
        return (await reply).byOperation;
      },
      usage: async () => {
        const reply = next<{ type: 'usage'; cpuInMs: number; maxRssInMb: number }>('usage');
        host.send({ type: 'usage' });
        const { cpuInMs, maxRssInMb } = await reply;
        return { cpuInMs, maxRssInMb };
      },
    };
    return await fn(emu);
  } finally {
    host.send({ type: 'stop' });
    await new Promise((r) => host.once('exit', r));
  }
}

/** One request as the client saw it: when it started and ended (ms, monotonic). */
export interface Timed {
  readonly startInMs: number;
  readonly endInMs: number;
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
}

/** Clients on the emulator, recording every attempt they send. */
export function recordingClients(emu: Pick<RemoteEmulator, 'endpoints'>, log: Timed[] | undefined): WifClients {
  const logger = (e: LogEntry): void => {
    if (!log || e.method === undefined || e.durationInMs === undefined) return;
    const end = performance.now();
    log.push({ startInMs: end - e.durationInMs, endInMs: end, method: e.method, url: e.url ?? '', status: e.status });
  };
  return createClients({
    credential: createTestCredential(),
    organization: 'contoso',
    endpoints: { graph: emu.endpoints.graph, arm: emu.endpoints.arm, devops: emu.endpoints.devops, authority: emu.endpoints.authority },
    ...(log ? { logger } : {}),
  });
}

/**
 * The longest chain of requests where each starts after the previous one ended: the critical path
 * the run actually followed (requests in parallel do not add to it).
 */
export function measuredDepth(log: readonly Timed[]): { depth: number; chain: Timed[] } {
  const sorted = [...log].sort((a, b) => a.startInMs - b.startInMs);
  const best: { depth: number; prev: number }[] = [];
  sorted.forEach((r, i) => {
    let depth = 1;
    let prev = -1;
    for (let j = 0; j < i; j++) {
      // 1 ms of slack: the client logs the end a little after the server answered.
      if (sorted[j]!.endInMs <= r.startInMs + 1 && best[j]!.depth + 1 > depth) {
        depth = best[j]!.depth + 1;
        prev = j;
      }
    }
    best.push({ depth, prev });
  });
  let at = best.reduce((m, b, i) => (b.depth > (best[m]?.depth ?? 0) ? i : m), 0);
  const chain: Timed[] = [];
  while (at >= 0 && sorted[at]) {
    chain.unshift(sorted[at]!);
    at = best[at]!.prev;
  }
  return { depth: chain.length, chain };
}

/** `GET …/applications(uniqueName='…')` → `GET applications(…)`: a short label for a request. */
export function label(t: Timed): string {
  const path = new URL(t.url).pathname.replace(/^\/(graph\/v1\.0|arm|devops\/contoso)/, '');
  const short = path
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}')
    .replace(/\(uniqueName='[^']*'\)/, "(uniqueName='…')")
    .replace(/\/subscriptions\/\{id\}\/resourceGroups\/[^/]+/, '/{rg}');
  return `${t.method} ${decodeURIComponent(short)}`;
}

export function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** The built `wif` binary. */
export const WIF_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'cli', 'dist', 'wif.cjs');
const TIME = '/usr/bin/time';

/** One whole-process run: exit code, wall time (spawn to exit, start-up included) and peak resident memory. */
export interface ProcessRun {
  readonly code: number | null;
  readonly wallInMs: number;
  readonly maxRssInMb: number;
  /** How the peak was read: `/usr/bin/time` (getrusage of the child) or `/proc` (VmHWM, polled every 20 ms). */
  readonly rssSource: 'time' | 'proc';
  readonly stderr: string;
  /** The machine's 1-minute load average when the process was started. */
  readonly loadAverage: number;
  /**
   * User + system CPU time of the process and the children it waited for (`/usr/bin/time`; for
   * `wif audit`, its audit child included), when measured: it rises much less with the machine's
   * load than the wall time does.
   */
  readonly cpuInMs?: number;
}

/**
 * Spawns `node [nodeFlags] wif.cjs args` as a user would run it, stdout to `stdoutFile` (default
 * /dev/null), and measures it from outside: wall time from spawn to exit, peak RSS from
 * `/usr/bin/time -f %M` when present, else from the child's `/proc/<pid>/status` VmHWM.
 */
export async function runCli(
  args: readonly string[],
  options: { nodeFlags?: readonly string[]; env?: Record<string, string>; stdoutFile?: string; cwd?: string } = {},
): Promise<ProcessRun> {
  const useTime = existsSync(TIME);
  const timeFile = join(tmpdir(), `wif-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const node = [...(options.nodeFlags ?? []), WIF_BIN, ...args];
  const [cmd, argv] = useTime ? [TIME, ['-f', '%M %U %S', '-o', timeFile, process.execPath, ...node]] : [process.execPath, node];
  const out = openSync(options.stdoutFile ?? '/dev/null', 'w');
  const loadAverage = loadavg()[0] ?? 0;
  const t0 = performance.now();
  const child = spawn(cmd, argv, {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, NODE_OPTIONS: '', ...options.env },
    stdio: ['ignore', out, 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 20_000) stderr += d.toString();
  });
  let hwmInKb = 0;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwmInKb = Math.max(hwmInKb, Number(m[1]));
        } catch {
          // The process has exited.
        }
      }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const wallInMs = performance.now() - t0;
  if (poll) clearInterval(poll);
  closeSync(out);
  let cpuInMs: number | undefined;
  if (useTime) {
    // The last line (a non-zero exit adds "Command exited with non-zero status N" before it): "maxRSS user system".
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    const [rss = '0', user = '0', system = '0'] = lines[lines.length - 1]!.trim().split(/\s+/);
    hwmInKb = Number(rss);
    cpuInMs = (Number(user) + Number(system)) * 1000;
    rmSync(timeFile, { force: true });
  }
  return {
    code,
    wallInMs,
    maxRssInMb: hwmInKb / 1024,
    rssSource: useTime ? 'time' : 'proc',
    stderr,
    loadAverage,
    ...(cpuInMs !== undefined ? { cpuInMs } : {}),
  };
}

/** The dependency graph apply follows for one fresh connection, level by level. */
export const CRITICAL_PATH = [
  "GET applications(uniqueName='…')  ∥  GET projects/{project}",
  "PATCH applications(uniqueName='…') (create)  ∥  GET serviceendpoint/endpoints?endpointNames=…",
  'POST servicePrincipals  ∥  POST serviceendpoint/endpoints',
  'PUT roleAssignments/{name}  ∥  POST federatedIdentityCredentials',
  'verify: GET serviceendpoint/endpoints/{id}  ∥  GET applications/{id}  ∥  GET federatedIdentityCredentials',
];
