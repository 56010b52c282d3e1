/**
 * The benchmarks of what users run: the built `wif` CLI spawned as a whole process (start-up,
 * credential and SDK loading, output writing included), wall time and peak RSS measured from
 * outside, next to the SDK in-process figures of the same run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchSpec, fmtMs, median, type ProcessRun, runCli, withEmulator } from './_lib';
import { startReplay } from './_replay';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'wif-bench-cli-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const mb = (x: number): string => `${x.toFixed(0)} MB`;

function specFile(names: readonly string[]): string {
  const file = join(work, `spec-${names[0]}.json`);
  writeFileSync(file, JSON.stringify(benchSpec(names)));
  return file;
}

function must(run: ProcessRun, what: string, codes: readonly number[] = [0]): ProcessRun {
  if (run.code === null || !codes.includes(run.code)) throw new Error(`${what} exited ${run.code}: ${run.stderr.slice(-2000)}`);
  return run;
}

/** `wif apply` of one fresh connection, 50 ms per request; median of `runs` (plus one warm-up of the machine's caches). */
export async function cliOneConnection(latencyInMs: number, runs: number): Promise<ProcessRun[]> {
  const out: ProcessRun[] = [];
  await withEmulator({ fake: { latencyInMs } }, async (emu) => {
    for (let i = 0; i <= runs; i++) {
      const r = must(await runCli(['apply', '-c', specFile([`cli-one-${i}`]), '--yes', '--emulator', emu.url]), 'wif apply (one)');
      if (i > 0) out.push(r);
    }
  });
  return out;
}

/** `wif apply` of the 43-connection fleet, each run on a fresh emulator with 5% of requests throttled (Retry-After 0). */
export async function cliFleet(latencyInMs: number, runs: number): Promise<ProcessRun[]> {
  const out: ProcessRun[] = [];
  for (let run = 0; run < runs; run++) {
    await withEmulator({ fake: { latencyInMs, throttleRate: 0.05, retryAfterSeconds: 0, seed: 2000 + run } }, async (emu) => {
      const names = Array.from({ length: 43 }, (_, i) => `clifleet-${run}-${i}`);
      const r = must(await runCli(['apply', '-c', specFile(names), '--yes', '--emulator', emu.url]), 'wif apply (fleet)');
      const c = await emu.counts(`clifleet-${run}-`);
      if ([c.apps, c.connections, c.credentials, c.assignments].some((x) => x !== 43))
        throw new Error(`CLI fleet: duplicates or gaps: ${JSON.stringify(c)}`);
      out.push(r);
    });
  }
  return out;
}

/** What the emulator spent on one run: its CPU time (user + system) while that run went on. */
export interface EmulatorShare {
  readonly emulatorCpuInMs: number;
}

/** One SDK walk in its own process (bench/auditChild.mjs). */
export interface SdkWalk extends EmulatorShare {
  readonly wallInMs: number;
  readonly maxRssInMb: number;
  readonly cpuInMs: number;
  readonly findings: number;
  readonly connections: number;
  readonly loadAverage: number;
}

export interface AuditScaleRow {
  readonly projects: number;
  readonly connections: number;
  /** Seeding the organization in the emulator (once per row, shared by every run of the row). */
  readonly seedInMs: number;
  /** The emulator process's peak resident memory over the row. */
  readonly emulatorMaxRssInMb: number;
  /** The SDK walk, run before and after the two CLI runs: wall, CPU, load and emulator CPU are their means, memory the larger. */
  readonly sdk: SdkWalk & { readonly runs: readonly SdkWalk[] };
  readonly ndjson: ProcessRun & EmulatorShare & { findings: number };
  readonly json: ProcessRun & EmulatorShare & { findings: number };
  readonly nightly?: ProcessRun & EmulatorShare & { junitBytes: number; jsonFindings: number; flags: string };
  /** Requests the emulator served for the `--output ndjson` run, per operation. */
  readonly operations: Record<string, number>;
}

/**
 * The node flags the nightly pipeline example gives the audit: its NODE_OPTIONS, if it sets one, and
 * any flag between `node` and the script in its `wif:` variable (`wif: node --flag "…/wif.mjs"`).
 */
export function nightlyNodeFlags(): string[] {
  const yml = readFileSync(join(root, 'examples', 'pipelines', 'nightly-audit.yml'), 'utf8');
  const options = /^\s*NODE_OPTIONS:\s*(.*)$/m.exec(yml)?.[1]?.replace(/^['"]|['"]$/g, '') ?? '';
  const inline = /^\s*wif:\s*node((?:\s+-[^\s"']+)*)\s/m.exec(yml)?.[1] ?? '';
  return `${options} ${inline}`.split(/\s+/).filter(Boolean);
}

/**
 * The audit of `projects × 10` connections with no injected latency, on one emulator seeded once
 * for the whole row: the SDK in a process of its own (auditChild.mjs, all three clients, findings
 * counted and dropped), then `wif audit --output ndjson` and `wif audit --json` spawned, stdout to a
 * file, then the SDK again (the two SDK walks bracket the CLI runs); with `nightly`, also the command of examples/pipelines/nightly-audit.yml with its node flags
 * (the table to stdout, JUnit and JSON to files). Each run also reports the emulator's CPU time
 * during it (the emulator is one thread serving every request, so it bounds every run alike).
 * Progress goes to stderr (a 100,000-connection row takes minutes).
 */
export async function cliAuditScale(projects: number, nightly: boolean): Promise<AuditScaleRow> {
  const say = (s: string): void => void process.stderr.write(`[bench cli ${projects}×10] ${s} (load ${loadavg()[0]!.toFixed(1)})\n`);
  return withEmulator({ seed: false, org: { projects, perProject: 10 }, fake: { latencyInMs: 0 } }, async (emu) => {
    say(`seeded in ${fmtMs(emu.seedInMs)}`);
    /** `fn` with the emulator's CPU time over it. */
    const share = async <T>(what: string, fn: () => Promise<T>): Promise<T & EmulatorShare> => {
      const before = (await emu.usage()).cpuInMs;
      const r = await fn();
      const emulatorCpuInMs = (await emu.usage()).cpuInMs - before;
      const w = r as { wallInMs?: number; maxRssInMb?: number; cpuInMs?: number };
      say(
        `${what}: ${fmtMs(w.wallInMs ?? 0)}, CPU ${fmtMs(w.cpuInMs ?? 0)}, peak ${mb(w.maxRssInMb ?? 0)}, emulator CPU ${fmtMs(emulatorCpuInMs)}`,
      );
      return { ...r, emulatorCpuInMs };
    };
    type SdkRun = SdkWalk;
    const sdkWalk = (what: string): Promise<SdkRun> => {
      const loadAverage = loadavg()[0] ?? 0;
      return share(what, async () => ({
        ...(JSON.parse(await child(join(root, 'bench', 'auditChild.mjs'), [emu.url, 'identity'])) as Omit<
          SdkRun,
          'loadAverage' | 'emulatorCpuInMs'
        >),
        loadAverage,
      }));
    };
    const sdkBefore = await sdkWalk('SDK walk (before)');
    const lines = (file: string): number => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    const ndFile = join(work, `audit-${projects}.ndjson`);
    const opsBefore = await emu.operations();
    const nd = await share('wif audit --output ndjson', async () =>
      must(await runCli(['audit', '--output', 'ndjson', '--emulator', emu.url], { stdoutFile: ndFile }), 'wif audit --output ndjson'),
    );
    const ndFindings = lines(ndFile) - 1;
    const operations = Object.fromEntries(
      Object.entries(await emu.operations())
        .map(([k, v]) => [k, v - (opsBefore[k] ?? 0)] as const)
        .filter(([, v]) => v > 0),
    );
    rmSync(ndFile);
    const jsonFile = join(work, `audit-${projects}.json`);
    const json = await share('wif audit --json', async () =>
      must(await runCli(['audit', '--json', '--emulator', emu.url], { stdoutFile: jsonFile }), 'wif audit --json'),
    );
    const doc = JSON.parse(readFileSync(jsonFile, 'utf8')) as { findings: unknown[] };
    rmSync(jsonFile);
    // The SDK walk again after the two CLI runs: the machine's load drifts over minutes, and the mean
    // of a walk before and one after puts the SDK in the same window as the CLI runs it is compared with.
    const sdkAfter = await sdkWalk('SDK walk (after)');
    const both = [sdkBefore, sdkAfter];
    const mean = (f: (r: SdkRun) => number): number => (f(sdkBefore) + f(sdkAfter)) / 2;
    const sdk: AuditScaleRow['sdk'] = {
      wallInMs: mean((r) => r.wallInMs),
      cpuInMs: mean((r) => r.cpuInMs),
      maxRssInMb: Math.max(...both.map((r) => r.maxRssInMb)),
      findings: sdkBefore.findings,
      connections: sdkBefore.connections,
      loadAverage: mean((r) => r.loadAverage),
      emulatorCpuInMs: mean((r) => r.emulatorCpuInMs),
      runs: both,
    };
    let nightlyRun: AuditScaleRow['nightly'];
    if (nightly) {
      const flags = nightlyNodeFlags();
      const junit = join(work, 'audit.xml');
      const r = await share('the nightly pipeline command', async () =>
        must(
          // The pipeline's command line: the table to the log, JUnit and JSON to files.
          await runCli(
            [
              'audit',
              '--org',
              'contoso',
              '--fail-on',
              'high',
              '--output',
              'table',
              '--output',
              'junit=audit.xml',
              '--output',
              'json=audit.json',
              '--emulator',
              emu.url,
            ],
            { nodeFlags: flags, cwd: work },
          ),
          'the nightly pipeline command',
          [0, 4],
        ),
      );
      const nightlyDoc = JSON.parse(readFileSync(join(work, 'audit.json'), 'utf8')) as { findings: unknown[] };
      nightlyRun = { ...r, junitBytes: statSync(junit).size, jsonFindings: nightlyDoc.findings.length, flags: flags.join(' ') || '(none)' };
      rmSync(junit);
      rmSync(join(work, 'audit.json'));
    }
    return {
      projects,
      connections: sdk.connections,
      seedInMs: emu.seedInMs,
      emulatorMaxRssInMb: (await emu.usage()).maxRssInMb,
      sdk,
      ndjson: { ...nd, findings: ndFindings },
      json: { ...json, findings: doc.findings.length },
      ...(nightlyRun ? { nightly: nightlyRun } : {}),
      operations,
    };
  });
}

export interface IdentityAuditRun {
  readonly run: ProcessRun;
  readonly connections: number;
  readonly apps: number;
  readonly requests: number;
  readonly findings: number;
  /** The most requests open at once at the server (replaying server only). */
  readonly peakInFlight?: number;
}

/**
 * `wif audit --output ndjson` with identity checks over `projects × 10` connections, `appsPerProject`
 * apps per project, at `latencyInMs` per request, served by a replaying server (./_replay.ts: a warm-up
 * run records the emulator's answers, the measured runs get them back after exactly `latencyInMs`);
 * requests counted at that server. Also the SDK in-process over the same server, for comparison, and
 * one run straight against the emulator with the same latency (its own CPU per request included).
 */
export async function cliIdentityAudit(
  projects: number,
  appsPerProject: number,
  latencyInMs: number,
  runs: number,
): Promise<{
  replay: IdentityAuditRun[];
  sdk: { wallInMs: number; maxRssInMb: number; peakInFlight?: number };
  emulator: IdentityAuditRun & { operations: Record<string, number> };
}> {
  const once = async (url: string, count: () => Promise<number>, peak?: () => number): Promise<IdentityAuditRun> => {
    const before = await count();
    const file = join(work, 'identity.ndjson');
    const run = must(await runCli(['audit', '--output', 'ndjson', '--emulator', url], { stdoutFile: file }), 'wif audit (identity)');
    const requests = (await count()) - before;
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    rmSync(file);
    const summary = JSON.parse(lines[lines.length - 1]!) as { stats: { connections: number }; summary: { total: number } };
    return {
      run,
      connections: summary.stats.connections,
      apps: projects * appsPerProject,
      requests,
      findings: summary.summary.total,
      ...(peak ? { peakInFlight: peak() } : {}),
    };
  };
  const replayed = await withEmulator(
    { seed: false, org: { projects, perProject: 10, appsPerProject }, fake: { latencyInMs: 0 } },
    async (emu) => {
      const replay = await startReplay(emu.url, latencyInMs);
      try {
        await once(replay.url, async () => replay.requests); // records every answer
        const out: IdentityAuditRun[] = [];
        for (let i = 0; i < runs; i++) {
          replay.reset();
          out.push(
            await once(
              replay.url,
              async () => replay.requests,
              () => replay.peakInFlight,
            ),
          );
        }
        replay.reset();
        const sdk = JSON.parse(await child(join(root, 'bench', 'auditChild.mjs'), [replay.url, 'identity'])) as {
          wallInMs: number;
          maxRssInMb: number;
        };
        return { replay: out, sdk: { ...sdk, peakInFlight: replay.peakInFlight } };
      } finally {
        await replay.close();
      }
    },
  );
  const emulator = await withEmulator(
    { seed: false, org: { projects, perProject: 10, appsPerProject }, fake: { latencyInMs } },
    async (emu) => ({ ...(await once(emu.url, async () => (await emu.counts('-')).requests)), operations: await emu.operations() }),
  );
  return { ...replayed, emulator };
}

/** The seed's `az rest` loop, if `az` is on PATH: the time of one `az version` call (its start-up), for the per-call figure. */
export function azPerCallInMs(): number | undefined {
  try {
    execFileSync('az', ['version'], { stdio: 'ignore', timeout: 60_000 });
  } catch {
    return undefined;
  }
  const xs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    execFileSync('az', ['version'], { stdio: 'ignore', timeout: 60_000 });
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

function child(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [script, ...args], {
      cwd: join(root, 'bench'),
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let text = '';
    c.stdout.on('data', (d: Buffer) => (text += d.toString()));
    c.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`${script} exited ${code}`))));
  });
}

export { fmtMs, mb };
