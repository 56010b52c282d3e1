/**
 * The benchmarks of docs/performance.md, against the emulator (the stateful fake over real HTTP on
 * 127.0.0.1) with injected latency. Every comparison is measured side by side in this one run;
 * times are medians of several runs. Run: `bash scripts/bench.sh` (writes docs/performance.md).
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apply, auditOrganization, loadSpec, type ResolvedSpec } from '@wif/core';
import { TEST_TENANT_ID } from '@wif/testing';
import { fmtMs, label, measuredDepth, median, recordingClients, SUBSCRIPTION, type Timed, withEmulator } from './_lib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LATENCY_IN_MS = 50;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const QUICK = process.env['BENCH_QUICK'] === '1';
const lines: string[] = [];
const out = (s = ''): void => {
  lines.push(s);
  console.log(s);
};

function specFor(names: readonly string[]): ResolvedSpec {
  const spec = loadSpec(
    JSON.stringify({
      organization: 'contoso',
      tenantId: TEST_TENANT_ID,
      connections: names.map((n) => ({
        project: 'platform',
        name: `sc-${n}`,
        app: `ado-${n}`,
        roles: [{ role: 'Contributor', scope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-${n}` }],
      })),
    }),
  );
  if (spec.isErr()) throw new Error(spec.error.message);
  return spec.value;
}

/** The dependency graph apply follows for one fresh connection, level by level. */
const CRITICAL_PATH = [
  "GET applications(uniqueName='…')  ∥  GET projects/{project}",
  "PATCH applications(uniqueName='…') (create)  ∥  GET serviceendpoint/endpoints?endpointNames=…",
  'POST servicePrincipals  ∥  POST serviceendpoint/endpoints',
  'PUT roleAssignments/{name}  ∥  POST federatedIdentityCredentials',
  'verify: GET serviceendpoint/endpoints/{id}  ∥  GET applications/{id}  ∥  GET federatedIdentityCredentials',
];

async function oneConnection(): Promise<{ medianInMs: number }> {
  out('## One connection');
  out();
  out(`Fresh apply of one connection (app, service principal, one role, connection, credential, verify) at ${LATENCY_IN_MS} ms per request.`);
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
  const critical = CRITICAL_PATH.length * LATENCY_IN_MS;
  const m = median(walls);
  out(`Critical path: ${CRITICAL_PATH.length} dependent requests × ${LATENCY_IN_MS} ms = **${critical} ms**:`);
  out();
  CRITICAL_PATH.forEach((s, i) => out(`${i + 1}. ${s}`));
  out();
  out('| measure | value |');
  out('|---|---|');
  out(`| wall time, median of ${walls.length} | ${fmtMs(m)} |`);
  out(`| ratio to the critical path (target ≤ 1.3×) | **${(m / critical).toFixed(2)}×** ${m / critical <= 1.3 ? '(met)' : '(missed)'} |`);
  out(`| requests sent | ${sample.length} |`);
  out(`| longest chain of dependent requests observed | ${depth} |`);
  out();
  out('Every request of one run, in the order sent (none that the work does not need):');
  out();
  out('| # | request | status |');
  out('|---|---|---|');
  [...sample].sort((a, b) => a.startInMs - b.startInMs).forEach((t, i) => out(`| ${i + 1} | \`${label(t)}\` | ${t.status ?? ''} |`));
  out();
  return { medianInMs: m };
}

async function fleet(one: number): Promise<void> {
  out('## The seed\'s fleet: 43 connections, 5% of requests throttled');
  out();
  const n = 43;
  const results: { wall: number; requests: number; throttled: number }[] = [];
  for (let run = 0; run < Math.max(3, Math.ceil(RUNS / 2)); run++) {
    await withEmulator({ fake: { latencyInMs: LATENCY_IN_MS, throttleRate: 0.05, retryAfterSeconds: 1, seed: 1000 + run } }, async (emu) => {
      const log: Timed[] = [];
      const clients = recordingClients(emu, log);
      const names = Array.from({ length: n }, (_, i) => `fleet-${run}-${i}`);
      const t0 = performance.now();
      const report = (await apply(clients, specFor(names)))._unsafeUnwrap();
      const wall = performance.now() - t0;
      if (!report.ok) throw new Error(`fleet apply did not converge: ${report.summary.failed} failed`);
      // No duplicates: exactly one app, connection, credential and assignment per connection.
      const s = emu.fake.state;
      const apps = s.applications().filter((a) => a.displayName.startsWith(`ado-fleet-${run}-`)).length;
      const eps = s.serviceEndpoints().filter((e) => e.name.startsWith(`sc-fleet-${run}-`)).length;
      const fics = s.applications().filter((a) => a.displayName.startsWith(`ado-fleet-${run}-`)).reduce((k, a) => k + s.federatedCredentials(a.id).length, 0);
      const ras = s.roleAssignments().filter((r) => r.scope.includes(`rg-fleet-${run}-`)).length;
      if ([apps, eps, fics, ras].some((x) => x !== n)) throw new Error(`duplicates or gaps: apps ${apps}, connections ${eps}, credentials ${fics}, assignments ${ras}`);
      results.push({ wall, requests: log.length, throttled: log.filter((t) => t.status === 429).length });
    });
  }
  const m = median(results.map((r) => r.wall));
  out(`${n} connections applied at the default concurrency, ${LATENCY_IN_MS} ms per request, 5% of requests answered 429 with \`Retry-After: 1\`; all converged, and exactly ${n} apps, connections, credentials and role assignments exist after each run (checked).`);
  out();
  out('| measure | value |');
  out('|---|---|');
  out(`| wall time, median of ${results.length} runs | ${fmtMs(m)} |`);
  out(`| one connection (same run, no throttling) | ${fmtMs(one)} |`);
  out(`| ratio (target ≤ 3×) | **${(m / one).toFixed(2)}×** ${m / one <= 3 ? '(met)' : '(missed)'} |`);
  out(`| requests sent (median), of which answered 429 | ${median(results.map((r) => r.requests))}, ${median(results.map((r) => r.throttled))} |`);
  out();
}

async function audit(): Promise<void> {
  out('## Audit');
  out();
  const projects = QUICK ? 200 : 1000;
  const perProject = 10;
  await withEmulator({ seed: false, fake: { latencyInMs: LATENCY_IN_MS } }, async (emu) => {
    seedOrg(emu.fake.state, projects, perProject);
    const clients = recordingClients(emu, []);
    const time = async (concurrency: number | undefined): Promise<{ wall: number; connections: number; findings: number }> => {
      const run = auditOrganization({ devops: clients.devops }, concurrency === undefined ? {} : { concurrency });
      const t0 = performance.now();
      let findings = 0;
      for await (const _ of run) findings++;
      return { wall: performance.now() - t0, connections: run.stats.connections, findings };
    };
    const concurrent = [] as Awaited<ReturnType<typeof time>>[];
    for (let i = 0; i < 3; i++) concurrent.push(await time(undefined));
    const sequential = await time(1);
    const c = median(concurrent.map((x) => x.wall));
    out(`${projects} projects × ${perProject} connections at ${LATENCY_IN_MS} ms per request; the same audit one request at a time (the way the seed's shell loop walks projects), in the same run.`);
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

async function auditMemory(): Promise<void> {
  const bigProjects = QUICK ? 1000 : 10_000;
  await withEmulator({ seed: false, fake: { latencyInMs: 0 } }, async (emu) => {
    seedOrg(emu.fake.state, bigProjects, 10);
    const child = await runChild(join(root, 'bench', 'auditChild.mjs'), [emu.url]);
    const r = JSON.parse(child) as { connections: number; findings: number; maxRssInMb: number; peakHeapInMb: number; wallInMs: number };
    out(`${(bigProjects * 10).toLocaleString('en')} connections (${bigProjects.toLocaleString('en')} projects × 10), audited by a separate process (the emulator's own memory is not counted):`);
    out();
    out('| measure | value |');
    out('|---|---|');
    out(`| connections audited, findings streamed | ${r.connections.toLocaleString('en')}, ${r.findings.toLocaleString('en')} |`);
    out(`| peak resident memory of the auditing process (target < 150 MB) | **${r.maxRssInMb.toFixed(0)} MB** ${r.maxRssInMb < 150 ? '(met)' : '(missed)'} |`);
    out(`| peak JS heap | ${r.peakHeapInMb.toFixed(0)} MB |`);
    out(`| wall time (no injected latency) | ${fmtMs(r.wallInMs)} |`);
    out();
  });
}

function seedOrg(state: import('@wif/testing').FakeState, projects: number, perProject: number): void {
  for (let p = 0; p < projects; p++) {
    const project = state.addProject(`project-${p}`);
    for (let c = 0; c < perProject; c++) {
      // A realistic mix: mostly WIF (some on the legacy issuer), some on secrets, a few not ready.
      const k = (p * perProject + c) % 10;
      state.addServiceEndpoint({
        name: `sc-${p}-${c}`,
        projects: project.id,
        servicePrincipalId: '22222222-3333-4444-5555-666666666666',
        ...(k === 0 ? { scheme: 'ServicePrincipal' } : {}),
        ...(k === 1 ? { federation: 'legacy' as const } : {}),
        ...(k === 2 ? { isReady: false } : {}),
      });
    }
  }
}

function runChild(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(process.env['BENCH_CHILD_FLAGS'] ?? '').split(' ').filter(Boolean), script, ...args], { cwd: join(root, 'bench'), stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`${script} exited ${code}`))));
  });
}

function startup(): void {
  out('## Start-up');
  out();
  const bin = join(root, 'packages', 'cli', 'dist', 'wif.js');
  const timeRuns = (args: string[]): number => {
    const xs: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t0 = performance.now();
      execFileSync(process.execPath, [bin, ...args], { stdio: 'ignore' });
      xs.push(performance.now() - t0);
    }
    return median(xs.slice(1));
  };
  const bare = (() => {
    const xs: number[] = [];
    for (let i = 0; i < 11; i++) {
      const t0 = performance.now();
      execFileSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
      xs.push(performance.now() - t0);
    }
    return median(xs.slice(1));
  })();
  const version = timeRuns(['--version']);
  const help = timeRuns(['--help']);
  const importTime = (spec: string, from = 'core'): number => {
    const xs: number[] = [];
    for (let i = 0; i < 7; i++) {
      const ms = execFileSync(process.execPath, ['--input-type=module', '-e', `const t=performance.now(); await import(${JSON.stringify(spec)}); process.stdout.write(String(performance.now()-t))`], { cwd: join(root, 'packages', from) }).toString();
      xs.push(Number(ms));
    }
    return median(xs);
  };
  out('Whole-process wall time of the built binary (`node packages/cli/dist/wif.js`), median of 20:');
  out();
  out('| command | median | target |');
  out('|---|---|---|');
  out(`| bare \`node -e 0\` | ${fmtMs(bare)} | — |`);
  out(`| \`wif --version\` | **${fmtMs(version)}** | < 150 ms ${version < 150 ? '(met)' : '(missed)'} |`);
  out(`| \`wif --help\` | **${fmtMs(help)}** | < 150 ms ${help < 150 ? '(met)' : '(missed)'} |`);
  out();
  const core = importTime('@wif/core');
  const parts = (
    [
      ['@azure/core-rest-pipeline', 'http'],
      ['@microsoft/microsoft-graph-client', 'graph'],
      ['zod', 'core'],
      ['yaml', 'core'],
      ['neverthrow', 'core'],
    ] as const
  ).map(([p, from]) => [p, importTime(p, from)] as const);
  out(`Import time of \`@wif/core\` (built, ESM), median of 7 fresh processes: **${fmtMs(core)}**. What dominates it (each imported alone, fresh process):`);
  out();
  out('| module | import time |');
  out('|---|---|');
  for (const [p, ms] of parts.sort((a, b) => b[1] - a[1])) out(`| \`${p}\` | ${fmtMs(ms)} |`);
  out();
}

async function main(): Promise<void> {
  out('# Performance');
  out();
  out('Produced by `bash scripts/bench.sh` (it builds, then runs `bench/run.ts`); every number below comes from one run of it.');
  out(`Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${os.platform()} ${os.release()}.`);
  out(`All against the emulator on 127.0.0.1 with the injected latency stated per scenario. Generated ${new Date().toISOString().slice(0, 10)}.`);
  out();
  const only = new Set((process.env['BENCH_ONLY'] ?? 'one,fleet,audit,memory,startup').split(','));
  const one = only.has('one') || only.has('fleet') ? await oneConnection() : { medianInMs: 0 };
  if (only.has('fleet')) await fleet(one.medianInMs);
  if (only.has('audit')) await audit();
  if (only.has('memory')) await auditMemory();
  if (only.has('startup')) startup();
  if (!QUICK && only.size === 5) writeFileSync(join(root, 'docs', 'performance.md'), `${lines.join('\n')}\n`);
}

await main();
