/**
 * The benchmarks of docs/performance.md, against the emulator (the stateful fake over real HTTP on
 * 127.0.0.1) with injected latency. Every comparison is measured side by side in this one run;
 * times are medians of several runs. Run: `bash scripts/bench.sh` (writes docs/performance.md).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apply, DEFAULT_APPLY_CONCURRENCY, loadSpec, type ResolvedSpec } from '@wif/core';
import { auditOrganization } from '@wif/core/audit';
import { azPerCallInMs, cliAuditScale, cliFleet, cliIdentityAudit, cliOneConnection, mb } from './cli';
import { signInSection } from './signin';
import { startupSection } from './startup';
import {
  benchSpec,
  CRITICAL_PATH,
  fmtMs,
  label,
  measuredDepth,
  median,
  type ProcessRun,
  recordingClients,
  type Timed,
  withEmulator,
} from './_lib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LATENCY_IN_MS = 50;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const QUICK = process.env['BENCH_QUICK'] === '1';
const lines: string[] = [];
const out = (s = ''): void => {
  lines.push(s);
  console.log(s);
};

/** The load on this machine now, to print next to the figures measured under it. */
function loadLine(): string {
  return `Load average when this section started: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores.`;
}

function specFor(names: readonly string[]): ResolvedSpec {
  const spec = loadSpec(JSON.stringify(benchSpec(names)));
  if (spec.isErr()) throw new Error(spec.error.message);
  return spec.value;
}

async function oneConnection(): Promise<{ medianInMs: number }> {
  out('## One connection');
  out();
  out(
    `Fresh apply of one connection (app, service principal, one role, connection, credential, verify) at ${LATENCY_IN_MS} ms per request. ${loadLine()}`,
  );
  out();
  const walls: number[] = [];
  let sample: Timed[] = [];
  let depth = 0;
  await withEmulator({ fake: { latencyInMs: LATENCY_IN_MS } }, async (emu) => {
    for (let i = 0; i < RUNS + 1; i++) {
      const log: Timed[] = [];
      const clients = recordingClients(emu, log);
      const t0 = performance.now();
      const report = await apply(clients, specFor([`one-${i}`]));
      const wall = performance.now() - t0;
      const r = report._unsafeUnwrap();
      if (!r.ok) throw new Error(`apply failed: ${JSON.stringify(r.connections[0]?.error)}`);
      if (i === 0) continue; // warm-up (connection pools, JIT)
      walls.push(wall);
      sample = log;
      depth = measuredDepth(log).depth;
    }
  });
  const work = CRITICAL_PATH.length * LATENCY_IN_MS;
  const observed = depth * LATENCY_IN_MS;
  const m = median(walls);
  out(`The work's own chain: ${CRITICAL_PATH.length} dependent requests × ${LATENCY_IN_MS} ms = **${work} ms**:`);
  out();
  CRITICAL_PATH.forEach((s, i) => out(`${i + 1}. ${s}`));
  out();
  out(
    `Before it, \`apply\` runs its preflight (the caller's permissions, read before any write: docs/decisions/013-preflight-permissions.md) and the plan's reads, so the chain of dependent requests observed at the client is ${depth} deep: **${observed} ms**.`,
  );
  out();
  out('| measure | value |');
  out('|---|---|');
  out(`| wall time, median of ${walls.length} | ${fmtMs(m)} |`);
  out(
    `| ratio to the observed chain, ${depth} × ${LATENCY_IN_MS} ms (target ≤ 1.3×) | **${(m / observed).toFixed(2)}×** ${m / observed <= 1.3 ? '(met)' : '(missed)'} |`,
  );
  out(`| ratio to the work's own chain, ${CRITICAL_PATH.length} × ${LATENCY_IN_MS} ms | ${(m / work).toFixed(2)}× |`);
  out(`| requests sent | ${sample.length} |`);
  out();
  out('Every request of one run, in the order sent:');
  out();
  out('| # | request | status |');
  out('|---|---|---|');
  [...sample].sort((a, b) => a.startInMs - b.startInMs).forEach((t, i) => out(`| ${i + 1} | \`${label(t)}\` | ${t.status ?? ''} |`));
  out();
  return { medianInMs: m };
}

async function fleetRuns(
  retryAfterSeconds: number,
  concurrency?: number,
): Promise<{ wall: number; requests: number; throttled: number }[]> {
  const n = 43;
  const results: { wall: number; requests: number; throttled: number }[] = [];
  // Run 0 warms the client process (JIT, connection pools) and is not counted.
  for (let run = 0; run <= Math.max(3, Math.ceil(RUNS / 2)); run++) {
    await withEmulator({ fake: { latencyInMs: LATENCY_IN_MS, throttleRate: 0.05, retryAfterSeconds, seed: 1000 + run } }, async (emu) => {
      // No request log here: the emulator counts the requests, the client does no extra work.
      const clients = recordingClients(emu, undefined);
      const names = Array.from({ length: n }, (_, i) => `fleet-${run}-${i}`);
      const t0 = performance.now();
      const report = (await apply(clients, specFor(names), concurrency ? { concurrency } : {}))._unsafeUnwrap();
      const wall = performance.now() - t0;
      if (!report.ok) throw new Error(`fleet apply did not converge: ${report.summary.failed} failed`);
      // No duplicates: exactly one app, connection, credential and assignment per connection.
      const c = await emu.counts(`fleet-${run}-`);
      if ([c.apps, c.connections, c.credentials, c.assignments].some((x) => x !== n))
        throw new Error(`duplicates or gaps: ${JSON.stringify(c)}`);
      if (run > 0) results.push({ wall, requests: c.requests, throttled: c.throttled });
    });
  }
  return results;
}

async function fleet(one: number): Promise<number> {
  out("## The seed's fleet: 43 connections, 5% of requests throttled");
  out();
  const n = 43;
  const zero = await fleetRuns(0);
  const oneSecond = await fleetRuns(1);
  const allAtOnce = await fleetRuns(0, 64);
  out(
    `${n} connections applied at the default concurrency (${DEFAULT_APPLY_CONCURRENCY}), ${LATENCY_IN_MS} ms per request, 5% of requests answered 429 + \`Retry-After\`; every run converged, and exactly ${n} apps, connections, credentials and role assignments exist after each (checked: no duplicates, nothing orphaned). ${loadLine()}`,
  );
  out();
  out(
    '| Retry-After on the 429s | concurrency | wall time, median | ratio to one connection (target ≤ 3×) | requests sent, of which 429 |',
  );
  out('|---|---|---|---|---|');
  const rows = [
    [0, `${DEFAULT_APPLY_CONCURRENCY} (default)`, zero],
    [1, `${DEFAULT_APPLY_CONCURRENCY} (default)`, oneSecond],
    [0, '64 (all 43 at once)', allAtOnce],
  ] as const;
  for (const [ra, conc, rs] of rows) {
    const m = median(rs.map((r) => r.wall));
    out(
      `| ${ra} s | ${conc} | ${fmtMs(m)} | **${(m / one).toFixed(2)}×** ${m / one <= 3 ? '(met)' : '(missed)'} | ${median(rs.map((r) => r.requests))}, ${median(rs.map((r) => r.throttled))} |`,
    );
  }
  out();
  const m0 = median(zero.map((r) => r.wall));
  const mAll = median(allAtOnce.map((r) => r.wall));
  out(
    `What separates the default row from the target at \`Retry-After: 0\`: with 32 at once the 43 connections run in two overlapping waves, and the client is one JavaScript thread (its CPU per request: the Start-up section) sharing this machine's ${os.cpus().length} cores with the emulator. All 43 at once take ${fmtMs(mAll)} (${(mAll / one).toFixed(2)}×) against ${fmtMs(m0)} at the default; the default stays at 32 to keep a burst inside the services' throttling budgets (docs/decisions/006-default-concurrency.md).`,
  );
  out();
  out(
    `One connection, for the ratio: ${fmtMs(one)} (above, same run). With \`Retry-After: 1\` every throttled request waits the full second the service asks for — wif honours it rather than hammering a throttled service — and with about ${median(oneSecond.map((r) => r.throttled))} throttled requests spread over ${n} connections, most runs have one on the slowest connection's critical path: the wall time is bounded below by 1 s + the critical path, so 3× of a ${fmtMs(one)} connection cannot be met without ignoring \`Retry-After\`. The \`Retry-After: 0\` row isolates what wif controls: scheduling and retries.`,
  );
  out();
  return m0;
}

async function audit(): Promise<void> {
  out('## Audit');
  out();
  const projects = QUICK ? 200 : 1000;
  const perProject = 10;
  await withEmulator({ seed: false, org: { projects, perProject }, fake: { latencyInMs: LATENCY_IN_MS } }, async (emu) => {
    const clients = recordingClients(emu, []);
    const time = async (concurrency: number | undefined): Promise<{ wall: number; connections: number; findings: number }> => {
      // The walk alone (no governance reads per connection): what the seed's shell loop did.
      const run = auditOrganization(
        { devops: clients.devops },
        { governance: false, ...(concurrency === undefined ? {} : { concurrency }) },
      );
      const t0 = performance.now();
      let findings = 0;
      for await (const _ of run) findings++;
      return { wall: performance.now() - t0, connections: run.stats.connections, findings };
    };
    const concurrent = [] as Awaited<ReturnType<typeof time>>[];
    for (let i = 0; i < 3; i++) concurrent.push(await time(undefined));
    const sequential = await time(1);
    const c = median(concurrent.map((x) => x.wall));
    out(
      `${projects} projects × ${perProject} connections at ${LATENCY_IN_MS} ms per request, the Azure DevOps walk and its per-connection checks (\`auditOrganization\` with the Azure DevOps client only, governance reads off); the same audit one request at a time (the way the seed's shell loop walks projects), in the same run. ${loadLine()}`,
    );
    out();
    out('| measure | value |');
    out('|---|---|');
    out(`| connections audited, findings | ${concurrent[0]!.connections}, ${concurrent[0]!.findings} |`);
    out(`| default concurrency, median of 3 | ${fmtMs(c)} |`);
    out(`| one request at a time | ${fmtMs(sequential.wall)} |`);
    out(`| speed-up (target ≥ 10×) | **${(sequential.wall / c).toFixed(1)}×** ${sequential.wall / c >= 10 ? '(met)' : '(missed)'} |`);
    out();
  });
}

async function cliSection(ctx: BenchContext): Promise<void> {
  out('## What users run: the `wif` CLI as a whole process');
  out();
  // BENCH_CLI_PROJECTS=10000 (a comma-separated list) runs only the audit rows at those sizes, e.g.
  // the biggest row alone: `BENCH_ONLY=cli BENCH_CLI_PROJECTS=10000`; the nightly command runs at the largest.
  const chosen = process.env['BENCH_CLI_PROJECTS']?.split(',').map(Number);
  const sizes = chosen ?? (QUICK ? [100] : [100, 1000, 10_000]);
  const biggest = Math.max(...sizes);
  const one = chosen ? [] : await cliOneConnection(LATENCY_IN_MS, 3);
  const fleetRuns = chosen ? [] : await cliFleet(LATENCY_IN_MS, 3);
  const audits = [] as Awaited<ReturnType<typeof cliAuditScale>>[];
  for (const p of sizes) audits.push(await cliAuditScale(p, p === biggest));
  const source =
    (one[0] ?? audits[0]?.ndjson)?.rssSource === 'time'
      ? "`/usr/bin/time` (the child's getrusage)"
      : "the child's `/proc/<pid>/status` VmHWM, polled every 20 ms";
  out(
    `Each \`wif\` row spawns \`node packages/cli/dist/wif.cjs …\` against the emulator (in a process of its own, not counted), stdout to a file: wall time from spawn to exit, start-up, credential and SDK loading and output writing included; peak resident memory from ${source} (for \`wif audit\`, which runs itself in a child with a small young generation, the larger of the two processes). Default node flags. The SDK column is the same work in-process: the apply rows are the medians above; the audit rows run \`auditOrganization\` with all three clients in a separate process (bench/auditChild.mjs), findings counted and dropped. Each audit row is one run. Load average when this section started: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores.`,
  );
  out();
  if (one[0] && fleetRuns[0]) {
    out('| scenario | `wif` wall | `wif` peak RSS | SDK wall | `wif` ÷ SDK wall | load average |');
    out('|---|---|---|---|---|---|');
    const row = (name: string, runs: readonly ProcessRun[], sdkWall: number | undefined): void => {
      const wall = median(runs.map((r) => r.wallInMs));
      out(
        `| ${name} (median of ${runs.length}) | ${fmtMs(wall)} | ${mb(Math.max(...runs.map((r) => r.maxRssInMb)))} | ${sdkWall === undefined ? '—' : fmtMs(sdkWall)} | ${sdkWall === undefined ? '—' : `${(wall / sdkWall).toFixed(2)}×`} | ${runs[0]!.loadAverage.toFixed(1)} |`,
      );
    };
    row(`\`wif apply\`, one connection, ${LATENCY_IN_MS} ms/request`, one, ctx.oneInMs);
    row('`wif apply`, the 43-connection fleet, 5% throttled, Retry-After 0', fleetRuns, ctx.fleetInMs);
  }
  out();
  out(
    "The audit rows, one emulator per size seeded once for all of its runs (the SDK walk, then `--output ndjson`, `--json` and, at the largest size, the nightly command). CPU is user + system time of the process (for `wif audit`, its audit child included), which grows much less with the machine's load than the wall time; the emulator's CPU during each run is what every run shares (one thread serving all requests).",
  );
  out();
  out(
    '| connections, output | `wif` wall | `wif` CPU | `wif` peak RSS | SDK wall (before, after) / CPU / peak RSS | `wif` ÷ SDK wall (CPU) | emulator CPU during the `wif` run | load average | targets (largest size: < 150 MB, ≤ 2× SDK wall) |',
  );
  out('|---|---|---|---|---|---|---|---|---|');
  for (const a of audits) {
    const big = audits.indexOf(a) === sizes.indexOf(biggest) && !QUICK;
    const n = a.connections.toLocaleString('en');
    const cpu = (x: number | undefined): string => (x === undefined ? '—' : fmtMs(x));
    const runs = [
      [`${n}, \`--output ndjson\` (${a.ndjson.findings.toLocaleString('en')} findings)`, a.ndjson],
      [`${n}, \`--json\``, a.json],
    ] as const;
    for (const [name, r] of runs) {
      const met = r.maxRssInMb < 150 && r.wallInMs <= 2 * a.sdk.wallInMs;
      out(
        `| ${name} | ${fmtMs(r.wallInMs)} | ${cpu(r.cpuInMs)} | ${mb(r.maxRssInMb)} | ${fmtMs(a.sdk.wallInMs)} (${a.sdk.runs.map((x) => fmtMs(x.wallInMs)).join(', ')}) / ${cpu(a.sdk.cpuInMs)} / ${mb(a.sdk.maxRssInMb)} | ${(r.wallInMs / a.sdk.wallInMs).toFixed(2)}×${r.cpuInMs === undefined ? '' : ` (${(r.cpuInMs / a.sdk.cpuInMs).toFixed(2)}×)`} | ${fmtMs(r.emulatorCpuInMs)} (SDK run: ${fmtMs(a.sdk.emulatorCpuInMs)}) | ${r.loadAverage.toFixed(1)} (SDK run: ${a.sdk.loadAverage.toFixed(1)}) | ${big ? (met ? '**met**' : '**missed**') : '—'} |`,
      );
    }
  }
  out();
  out(
    `Seeding the organization in the emulator: ${audits.map((a) => `${a.connections.toLocaleString('en')} connections ${fmtMs(a.seedInMs)}`).join(', ')}; the emulator's peak memory at the largest size ${mb(Math.max(...audits.map((a) => a.emulatorMaxRssInMb)))}.`,
  );
  out();
  const largest = audits[sizes.indexOf(biggest)];
  const nightly = largest?.nightly;
  if (nightly) {
    out(
      `The nightly pipeline's command (examples/pipelines/nightly-audit.yml: \`wif audit --org contoso --fail-on high --output table --output junit=audit.xml --output json=audit.json\`, node flags ${nightly.flags === '(none)' ? 'none' : `\`${nightly.flags}\``}) over ${largest!.connections.toLocaleString('en')} connections: exit ${nightly.code} (4 = findings at or above high; no crash), ${fmtMs(nightly.wallInMs)}, peak ${mb(nightly.maxRssInMb)} (load average ${nightly.loadAverage.toFixed(1)}); JUnit file ${(nightly.junitBytes / 2 ** 20).toFixed(0)} MB, JSON file with ${nightly.jsonFindings.toLocaleString('en')} findings.`,
    );
    out();
  }
  const ops = largest?.operations;
  if (ops) {
    out(
      `Requests the biggest audit row sent (counted by the emulator; a Graph \`$batch\` counts once, the reads it carried are listed apart): ${Object.entries(
        ops,
      )
        .sort((x, y) => y[1] - x[1])
        .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
        .join('; ')}.`,
    );
    out();
  }
  out(
    'The emulator here names one app that does not exist for every connection (read once, then cached: `AppNotFound` and `AppSharedByConnections` on each), so these rows measure the walk, the per-connection checks (governance reads included: pipeline permissions and security roles per connection) and the output; the next section measures identity checks against real apps.',
  );
  out();
}

async function identitySection(): Promise<void> {
  out('## Audit with identity checks, 20 ms per request');
  out();
  const projects = 200;
  out(
    `${projects} projects × 10 connections, full \`wif audit --output ndjson\` (app, federated credentials, service principal, broad roles, governance reads). Served by a replaying server that answers every request after exactly 20 ms (bench/_replay.ts: a warm-up run records the emulator's answers; a Graph \`$batch\` is answered from the recorded reads it carries), so the figure is the CLI's own, as against services that answer from many machines; then one run straight against the emulator at 20 ms, whose single thread adds its own CPU per request. HTTP requests counted at the server (a \`$batch\` counts once); the budget is 1.3 per connection + 1 per distinct app. ${loadLine()}`,
  );
  out();
  out(
    '| apps | `wif` wall, replaying server (median of 3) | target ≤ 3 s | `wif` peak RSS | SDK in-process wall | HTTP requests (budget) | of which identity (walk, Graph, ARM) / governance | most requests in flight at the server | against the emulator at 20 ms | load average |',
  );
  out('|---|---|---|---|---|---|---|---|---|---|');
  for (const appsPerProject of [4, 10]) {
    const r = await cliIdentityAudit(projects, appsPerProject, 20, 3);
    const wall = median(r.replay.map((x) => x.run.wallInMs));
    const x = r.replay[0]!;
    const budget = Math.floor(1.3 * x.connections + x.apps);
    const governance = Object.entries(r.emulator.operations)
      .filter(
        ([k]) =>
          /pipelinePermissions|roleAssignments|checkConfigurations|CheckConfigurations|authorizedResources/.test(k) &&
          k.startsWith('devops'),
      )
      .reduce((n, [, v]) => n + v, 0);
    const http = Object.entries(r.emulator.operations)
      .filter(([k]) => !k.endsWith('(in a $batch)'))
      .reduce((n, [, v]) => n + v, 0);
    out(
      `| ${x.apps} (${appsPerProject} per project of 10) | ${fmtMs(wall)} | ${wall <= 3000 ? 'met' : 'missed'} | ${mb(Math.max(...r.replay.map((y) => y.run.maxRssInMb)))} | ${fmtMs(r.sdk.wallInMs)} | ${x.requests.toLocaleString('en')} (${budget.toLocaleString('en')}) ${x.requests <= budget ? 'met' : 'missed'} | ${(http - governance).toLocaleString('en')} / ${governance.toLocaleString('en')} | ${Math.max(...r.replay.map((y) => y.peakInFlight ?? 0))} | ${fmtMs(r.emulator.run.wallInMs)}, ${r.emulator.requests.toLocaleString('en')} requests | ${x.run.loadAverage.toFixed(1)} |`,
    );
  }
  out();
  out(
    'Per distinct app the audit reads the app, then its federated credentials and its service principal, all three in Graph JSON batches of up to 20 reads (`POST /$batch`; docs/decisions/019-graph-batching.md); per distinct subscription one role-assignment list. The governance reads are counted apart: per project, the connections open to all pipelines (`GET …/_apis/build/authorizedresources?type=endpoint`) and the checks of its connections that may be production-scoped (`POST …/_apis/pipelines/checks/queryconfigurations`, up to 50 connections a request; docs/decisions/021-per-project-governance-reads.md); per connection, its security roles, which have no per-project read in the Azure DevOps REST API. That is about 1.2 governance requests per connection (10 per project), down from 2.1.',
  );
  out();
  const az = azPerCallInMs();
  out(
    az === undefined
      ? "`az` is not on PATH on this machine, so the seed's `az rest` loop was not run here. The figure to compare with: issue 10 measured the seed's loop over the same 200-project organization at **137 s** — about 201 `az` invocations (one `az devops project list`, then one `az rest` per project), ≈ 0.68 s each, most of it `az`'s own start-up."
      : `\`az\` is on PATH: one \`az version\` call (its start-up alone) takes ${fmtMs(az)}, median of 3; the seed's loop over ${projects} projects makes about ${projects + 1} such calls: ≥ ${fmtMs(az * (projects + 1))} before any network time.`,
  );
  out();
}

/** What the sections share: figures one section measures and a later one compares with. */
export interface BenchContext {
  oneInMs?: number;
  fleetInMs?: number;
}

/**
 * The sections of docs/performance.md, in order: a name (for `BENCH_ONLY=one,cli`) and what measures
 * and writes it through `out`. A new benchmark is one more entry here (its own module exporting a
 * function of `(ctx, out)`); docs/performance.md is written only when every section ran.
 */
export interface Section {
  readonly name: string;
  readonly run: (ctx: BenchContext, write: (line?: string) => void) => Promise<void> | void;
}

const SECTIONS: readonly Section[] = [
  {
    name: 'one',
    run: async (ctx) => {
      ctx.oneInMs = (await oneConnection()).medianInMs;
    },
  },
  // A credential that takes a while per token, as users' do (bench/signin.ts).
  { name: 'signin', run: (_ctx, o) => signInSection(o, QUICK ? 1 : 3) },
  {
    name: 'fleet',
    run: async (ctx) => {
      ctx.fleetInMs = await fleet(ctx.oneInMs ?? (await oneConnection()).medianInMs);
    },
  },
  { name: 'audit', run: () => audit() },
  { name: 'cli', run: (ctx) => cliSection(ctx) },
  { name: 'identity', run: () => identitySection() },
  // The start-up figures and the client's CPU per request (bench/startup.ts).
  {
    name: 'startup',
    run: async (_ctx, o) => {
      for (const l of await startupSection({ latencyInMs: LATENCY_IN_MS, runs: RUNS, workChainInMs: CRITICAL_PATH.length * LATENCY_IN_MS }))
        o(l);
    },
  },
];

async function main(): Promise<void> {
  const t0 = performance.now();
  out('# Performance');
  out();
  out('Produced by `bash scripts/bench.sh` (it builds, then runs `bench/run.ts`); every number below comes from one run of it.');
  out(
    `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${os.platform()} ${os.release()}.`,
  );
  out(
    `All against the emulator on 127.0.0.1 with the injected latency stated per scenario. Generated ${new Date().toISOString().slice(0, 10)}. Load average at the start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')} (1, 5, 15 min) on ${os.cpus().length} cores; each section states its own, as every wall time below grows with it.`,
  );
  out();
  const only = process.env['BENCH_ONLY']?.split(',');
  const ctx: BenchContext = {};
  const ran: string[] = [];
  for (const section of SECTIONS) {
    if (only && !only.includes(section.name)) continue;
    await section.run(ctx, out);
    ran.push(section.name);
  }
  const minutes = (performance.now() - t0) / 60_000;
  out('## This run');
  out();
  out(
    `Sections: ${ran.join(', ')}${QUICK ? ' (BENCH_QUICK=1: smaller scenarios)' : ''}. The whole run took **${minutes.toFixed(1)} min** at the load averages stated above (1, 5, 15 min at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}); \`BENCH_QUICK=1 bash scripts/bench.sh\` runs the small scenarios only and writes nothing.`,
  );
  if (!QUICK && ran.length === SECTIONS.length) writeFileSync(join(root, 'docs', 'performance.md'), `${lines.join('\n')}\n`);
}

await main();
