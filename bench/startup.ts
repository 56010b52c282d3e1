/**
 * Start-up and client CPU (issue 15): what the `wif` process costs on its own, next to the network.
 *
 * - bare `node -e 0`, `wif --version`, `wif --help`: whole-process wall time and CPU time;
 * - `wif apply` of one new connection at 50 ms per request, spawned: wall time minus bare Node,
 *   against the critical path observed at the server (the longest chain of requests each sent
 *   after the previous one was answered) × 50 ms;
 * - `wif plan` of three connections against the emulator (no latency), spawned, against `node -e 0`;
 * - client CPU per request in the 43-connection fleet: the SDK in a process of its own
 *   (bench/fleetChild.mjs; `process.cpuUsage()` over the run ÷ requests sent), the same in this
 *   process, and the whole `wif apply` process
 *   (user + system time from `/usr/bin/time`) for comparison;
 * - import time of `@wif/core` and its heaviest dependencies.
 *
 * This machine is shared: the load average is printed next to the figures, and CPU time (which
 * load does not inflate much) is given beside wall time. Medians of several runs throughout.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import os, { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { apply, createClients, loadSpec, type ResolvedSpec, trustingHttpClient } from '@wif/core';
import { createTestCredential } from '@wif/testing';
import { benchSpec, CRITICAL_PATH, fmtMs, measuredDepth, median, recordingClients, type Timed, WIF_BIN, withEmulator } from './_lib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'wif-bench-startup-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const TIME = '/usr/bin/time';

/** One spawned process: wall time (spawn to exit) and, with /usr/bin/time, its user + system CPU. */
interface Spawned {
  readonly code: number | null;
  readonly wallInMs: number;
  readonly cpuInMs: number | undefined;
  readonly stderr: string;
}

async function spawnTimed(argv: readonly string[], env: Record<string, string> = {}): Promise<Spawned> {
  const useTime = existsSync(TIME);
  const timeFile = join(work, `time-${Math.random().toString(36).slice(2)}`);
  const [cmd, args] = useTime ? [TIME, ['-f', '%U %S', '-o', timeFile, process.execPath, ...argv]] : [process.execPath, [...argv]];
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd: work, env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 20_000) stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const wallInMs = performance.now() - t0;
  let cpuInMs: number | undefined;
  if (useTime) {
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    const [u, s] = lines[lines.length - 1]!.split(' ').map(Number);
    cpuInMs = ((u ?? 0) + (s ?? 0)) * 1000;
    rmSync(timeFile, { force: true });
  }
  return { code, wallInMs, cpuInMs, stderr };
}

function must(r: Spawned, what: string, codes: readonly number[] = [0]): Spawned {
  if (r.code === null || !codes.includes(r.code)) throw new Error(`${what} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return r;
}

/** `runs` measured runs after one warm-up (which also fills Node's compile cache). */
async function repeat(runs: number, once: (i: number) => Promise<Spawned>): Promise<Spawned[]> {
  const out: Spawned[] = [];
  for (let i = 0; i <= runs; i++) {
    const r = await once(i);
    if (i > 0) out.push(r);
  }
  return out;
}

const med = (rs: readonly Spawned[], f: (r: Spawned) => number | undefined): number => median(rs.map((r) => f(r) ?? NaN));

function specFile(names: readonly string[], ext: 'json' | 'yaml' = 'json'): string {
  const file = join(work, `spec-${names[0]}.${ext}`);
  // JSON is YAML: the .yaml file holds the same text, to show what the YAML parser costs.
  writeFileSync(file, JSON.stringify(benchSpec(names), null, 2));
  return file;
}

/**
 * A preload (`node --import`) that turns zod's JIT back on for `wif`: bin.ts turns it off by setting
 * `jitless` on zod's global configuration before zod loads; this makes that setting a no-op.
 */
const ZOD_JIT_ON = join(work, 'zod-jit-on.mjs');
writeFileSync(
  ZOD_JIT_ON,
  "globalThis.__zod_globalConfig = Object.defineProperty({}, 'jitless', { get: () => false, set: () => undefined });\n",
);

/** A preload that counts the JavaScript files (ES modules and CommonJS) a process loads, printed to stderr at exit. */
const COUNT_MODULES = join(work, 'count-modules.mjs');
writeFileSync(
  COUNT_MODULES,
  [
    "import module from 'node:module';",
    // Resolved, not loaded: the executable's chunks are compiled with their code cache (packages/cli/src/codeCache.ts), not read by Node's loader.
    'const files = new Set();',
    "module.registerHooks({ resolve(s, context, next) { const r = next(s, context); if (!r.url.startsWith('node:')) files.add(r.url); return r; } });",
    "process.on('exit', () => process.stderr.write(`\\nwif-bench-modules ${files.size}\\n`));",
    '',
  ].join('\n'),
);
const modulesLoaded = (r: Spawned): number => Number(/wif-bench-modules (\d+)/.exec(r.stderr)?.[1] ?? NaN);

/**
 * The same schemas bundled as the CLI's bundler does (esbuild, ESM, platform node), once with
 * `import { z } from 'zod'` and once with `import * as z from 'zod'`: what the import style costs
 * (bytes, and CPU to import in a fresh process). esbuild is tsup's.
 */
async function zodBundles(): Promise<{ named: string; namespace: string; namedBytes: number; namespaceBytes: number }> {
  const esbuild = createRequire(join(root, 'node_modules', 'tsup', 'package.json'))('esbuild') as {
    build(options: Record<string, unknown>): Promise<unknown>;
  };
  const body =
    "export const schema = z.object({ id: z.string().uuid(), name: z.string().min(1).max(64), tags: z.array(z.enum(['a', 'b'])).optional(), n: z.number().int().nonnegative() }).strict();\n" +
    "export const ok = schema.safeParse({ id: '0c5a3fa2-7d3b-4a41-9a1e-8f4b0b3d2c11', name: 'x', n: 1 }).success;\n";
  const out: Record<string, string> = {};
  for (const [name, head] of [
    ['named', "import { z } from 'zod';"],
    ['namespace', "import * as z from 'zod';"],
  ] as const) {
    out[name] = join(work, `zod-${name}.mjs`);
    await esbuild.build({
      stdin: { contents: `${head}\n${body}`, resolveDir: join(root, 'packages', 'core'), loader: 'ts' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile: out[name],
      logLevel: 'silent',
    });
  }
  return {
    named: out['named']!,
    namespace: out['namespace']!,
    namedBytes: statSync(out['named']!).size,
    namespaceBytes: statSync(out['namespace']!).size,
  };
}

/**
 * The executable built as packages/cli's build makes it, but not minified (WIF_CLI_UNMINIFIED=1),
 * into bench/node_modules/.cache (so that it resolves packages as the real one does): what
 * minification pays. Returns its `wif.cjs`.
 */
function unminifiedWif(): string {
  const outDir = join(root, 'bench', 'node_modules', '.cache', 'wif-unminified');
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(join(root, 'node_modules', '.bin', 'tsup'), [], {
    cwd: join(root, 'packages', 'cli'),
    env: { ...process.env, WIF_CLI_OUT_DIR: outDir, WIF_CLI_UNMINIFIED: '1' },
    stdio: 'ignore',
  });
  return join(outDir, 'wif.cjs');
}

/**
 * A directory for NODE_COMPILE_CACHE in which wif's code cache is refused: its `wif` directory is
 * writable by everyone, and packages/cli/src/codeCache.ts then leaves the chunks to Node's loader,
 * with Node's module compile cache alone. What the code cache pays on its own; the caller checks that
 * no code cache was written there.
 */
function sharedCodeCacheRoot(): string {
  const dir = join(work, 'compile-cache-shared');
  mkdirSync(dir, { recursive: true });
  // Node keeps its cache in a directory of its own inside (named for its version and flags).
  const nodeDir = execFileSync(process.execPath, ['-e', "process.stdout.write(require('node:module').getCompileCacheDir() ?? '')"], {
    env: { ...process.env, NODE_COMPILE_CACHE: dir },
    encoding: 'utf8',
  });
  if (!nodeDir) throw new Error('startup: Node reports no compile cache directory');
  mkdirSync(join(nodeDir, 'wif'), { recursive: true });
  chmodSync(join(nodeDir, 'wif'), 0o777);
  return dir;
}

const codeCacheFiles = (dir: string): number => readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.v8')).length;

/** Bytes of JavaScript (source maps left out) in the executable's directory: wif.cjs and its chunks. */
function jsBytes(bin: string): number {
  const dir = dirname(bin);
  const chunks = join(dir, 'chunks');
  return (
    statSync(bin).size +
    readdirSync(chunks)
      .filter((f) => /\.[cm]?js$/.test(f))
      .reduce((n, f) => n + statSync(join(chunks, f)).size, 0)
  );
}

function specFor(names: readonly string[]): ResolvedSpec {
  const spec = loadSpec(JSON.stringify(benchSpec(names)));
  if (spec.isErr()) throw new Error(spec.error.message);
  return spec.value;
}

/**
 * A pass-through proxy on 127.0.0.1 in front of the emulator that notes when each request arrived
 * and when its answer left: the chain of dependent requests as the server saw it. Absolute URLs in
 * answers (next links) are pointed at the proxy. With `answerAfterInMs`, each answer of a service
 * route leaves that long after its request arrived (or as soon as the emulator has answered, if that
 * takes longer; the emulator's own `/_emulator` routes are answered at once): the
 * latency of a service that answers in that time, its own work included, where the emulator's
 * `latencyInMs` waits first and then adds its work and this proxy's hop to every request.
 */
async function startRecorder(upstream: string, answerAfterInMs = 0): Promise<{ url: string; log: Timed[]; close(): Promise<void> }> {
  const log: Timed[] = [];
  let origin = '';
  const server: Server = createServer((req, res) => {
    const startInMs = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: IncomingHttpHeaders = { ...req.headers, host: new URL(upstream).host };
      const up = httpRequest(`${upstream}${req.url ?? '/'}`, { method: req.method, headers }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (c: Buffer) => body.push(c));
        answer.on('end', () => {
          const text = Buffer.from(Buffer.concat(body).toString('utf8').split(upstream).join(origin));
          const h = { ...answer.headers };
          for (const k of ['content-length', 'connection', 'keep-alive', 'transfer-encoding']) delete h[k];
          const reply = (): void => {
            res.writeHead(answer.statusCode ?? 502, { ...h, 'content-length': text.length });
            res.end(text);
            log.push({
              startInMs,
              endInMs: performance.now(),
              method: req.method ?? 'GET',
              url: `${origin}${req.url ?? ''}`,
              status: answer.statusCode,
            });
          };
          // The emulator's own routes (the CLI's emulator credential reads its claims there, where a
          // real run gets a token from its credential) are not a service's: answered at once.
          const held = req.url?.startsWith('/_emulator') === true ? 0 : answerAfterInMs;
          const wait = startInMs + held - performance.now();
          if (wait > 0) setTimeout(reply, wait);
          else reply();
        });
      });
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(Buffer.concat(chunks));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: origin,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The executable's chunk whose source map holds `@azure/identity`'s entry module, if it bundles it. */
function identityChunk(): string | undefined {
  const dir = join(root, 'packages', 'cli', 'dist', 'chunks');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cjs'))
    .map((f) => join(dir, f))
    .find((f) =>
      existsSync(`${f}.map`)
        ? (JSON.parse(readFileSync(`${f}.map`, 'utf8')) as { sources: string[] }).sources.some((x) =>
            /@azure\/identity\/(src|dist\/esm)\/index\.(ts|js)$/.test(x),
          )
        : false,
    );
}

function importTime(spec: string, from: string, runs = 7): number {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ms = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t=performance.now(); await import(${JSON.stringify(spec)}); process.stdout.write(String(performance.now()-t))`,
      ],
      { cwd: join(root, 'packages', from), env: { ...process.env, NODE_OPTIONS: '' } },
    ).toString();
    xs.push(Number(ms));
  }
  return median(xs);
}

/**
 * CPU time (user + system, µs resolution) of fresh `node` processes running each snippet (ESM),
 * measured inside them; the snippets take turns, so that the machine's load drifts over all alike.
 * Median per snippet over `runs` rounds (after one warm-up round).
 */
function childCpu<K extends string>(snippets: Record<K, string>, from: string, runs = 9): Record<K, number> {
  const xs = new Map<K, number[]>();
  for (let i = 0; i <= runs; i++) {
    for (const [name, code] of Object.entries(snippets) as [K, string][]) {
      const out = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `${code}; const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000))`],
        { cwd: join(root, 'packages', from), env: { ...process.env, NODE_OPTIONS: '' } },
      ).toString();
      if (i > 0) xs.set(name, [...(xs.get(name) ?? []), Number(out)]);
    }
  }
  return Object.fromEntries([...xs].map(([k, v]) => [k, median(v)])) as Record<K, number>;
}

type FleetRun = { cpuInMs: number; requests: number; wallInMs: number };

/** A full garbage collection of this process, on demand (`--expose-gc` turned on at run time). */
const fullGc = ((): (() => void) => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/**
 * Rounds of the fleet per variant after the warm-up. This machine's CPU time for the same work moves by
 * a third from one minute to the next (decision 037): medians of 3 moved by 0.08 ms between two runs.
 */
const FLEET_ROUNDS = 7;

/** A fleet variant: wif's own HTTP client, a caller's `httpClient` for all three services, or wif's client sending every request through node:http (as before decision 044). */
type FleetVariant = 'sdk' | 'httpClient' | 'nodeHttp';

/**
 * The SDK's client CPU per request over the 43-connection fleet: `process.cpuUsage()` over `apply`
 * ÷ requests sent, `runs` rounds after a warm-up round; in each round every variant runs once, on a
 * fresh emulator, in turn. Each variant's `where` is `child` (bench/fleetChild.mjs, one process for all rounds:
 * the SDK as a runbook runs it, with no other heap beside its own) or `bench` (this process, whose
 * earlier sections leave an old generation that every collection in the window has to work around).
 */
async function fleetCpu(
  latencyInMs: number,
  runs: number,
  variants: readonly { readonly where: 'child' | 'bench'; readonly variant: FleetVariant }[],
): Promise<Map<string, FleetRun[]>> {
  const n = 43;
  const out = new Map<string, FleetRun[]>();
  const child = variants.some((v) => v.where === 'child')
    ? spawn(process.execPath, ['--expose-gc', join(root, 'bench', 'fleetChild.mjs')], {
        cwd: join(root, 'bench'),
        stdio: ['pipe', 'pipe', 'inherit'],
        env: { ...process.env, NODE_OPTIONS: '' },
      })
    : undefined;
  const answers = child ? createInterface({ input: child.stdout! })[Symbol.asyncIterator]() : undefined;
  try {
    for (let run = 0; run <= runs; run++) {
      for (const { where, variant } of variants) {
        await withEmulator({ fake: { latencyInMs, throttleRate: 0.05, retryAfterSeconds: 0, seed: 3000 + run } }, async (emu) => {
          const tag = `su-${where}-${variant}-${run}-`;
          const names = Array.from({ length: n }, (_, i) => `${tag}${i}`);
          let measured: { ok: boolean; cpuInMs: number; wallInMs: number };
          if (where === 'child' && child && answers) {
            child.stdin!.write(`${JSON.stringify({ url: emu.url, variant, spec: JSON.stringify(benchSpec(names)) })}\n`);
            const line = await answers.next();
            if (line.done) throw new Error('fleetChild.mjs ended early');
            measured = JSON.parse(line.value) as typeof measured;
          } else {
            const clients =
              variant === 'sdk'
                ? recordingClients(emu, undefined)
                : createClients({
                    credential: createTestCredential(),
                    organization: 'contoso',
                    endpoints: {
                      graph: emu.endpoints.graph,
                      arm: emu.endpoints.arm,
                      devops: emu.endpoints.devops,
                      authority: emu.endpoints.authority,
                    },
                    httpClient: trustingHttpClient([]),
                  });
            const spec = specFor(names);
            // The bench's own garbage (earlier sections, earlier rounds) collected first, so that a
            // collection of it does not land inside the measured window and count as the SDK's.
            fullGc();
            const c0 = process.cpuUsage();
            const t0 = performance.now();
            const report = (await apply(clients, spec))._unsafeUnwrap();
            const wallInMs = performance.now() - t0;
            const used = process.cpuUsage(c0);
            measured = { ok: report.ok, cpuInMs: (used.user + used.system) / 1000, wallInMs };
          }
          if (!measured.ok) throw new Error(`fleet apply (${where}, ${variant}) did not converge`);
          const c = await emu.counts(tag);
          if ([c.apps, c.connections, c.credentials, c.assignments].some((x) => x !== n))
            throw new Error(`fleet: duplicates or gaps: ${JSON.stringify(c)}`);
          const key = `${where}:${variant}`;
          if (run > 0)
            out.set(key, [...(out.get(key) ?? []), { cpuInMs: measured.cpuInMs, requests: c.requests, wallInMs: measured.wallInMs }]);
        });
      }
    }
  } finally {
    child?.stdin!.end();
  }
  return out;
}

/** The lowest and highest CPU per request of the rounds, e.g. `0.38–0.55`. */
const spread = (runs: readonly FleetRun[]): string => {
  const per = runs.map((f) => f.cpuInMs / f.requests);
  return `${Math.min(...per).toFixed(2)}–${Math.max(...per).toFixed(2)}`;
};

const load = (): string => os.loadavg()[0]!.toFixed(1);
const cpu = (ms: number): string => (Number.isNaN(ms) ? '—' : fmtMs(ms));

export interface StartupOptions {
  readonly latencyInMs: number;
  readonly runs: number;
  /** The work's own chain of dependent requests × the latency (the One connection section's). */
  readonly workChainInMs: number;
}

/** The "Start-up" section of docs/performance.md, as markdown lines. */
export async function startupSection({ latencyInMs, runs, workChainInMs }: StartupOptions): Promise<string[]> {
  const lines: string[] = [];
  const out = (s = ''): void => {
    lines.push(s);
  };
  const loadAtStart = load();
  const bareRuns = await repeat(Math.max(runs, 10), () => spawnTimed(['-e', '0']));
  const bare = med(bareRuns, (r) => r.wallInMs);
  const version = await repeat(Math.max(runs, 10), () => spawnTimed([WIF_BIN, '--version']));
  const help = await repeat(Math.max(runs, 10), () => spawnTimed([WIF_BIN, '--help']));
  const versionModules = modulesLoaded(must(await spawnTimed(['--import', COUNT_MODULES, WIF_BIN, '--version']), 'wif --version'));
  const versionModulesBefore = process.env['BENCH_BASELINE_WIF']
    ? modulesLoaded(
        must(await spawnTimed(['--import', COUNT_MODULES, process.env['BENCH_BASELINE_WIF'], '--version']), 'baseline --version'),
      )
    : NaN;

  // (a) One new connection at `latencyInMs` per request, the whole `wif apply` process. Each run on
  // a fresh emulator: "one new connection" in a project with nothing else in it (on a shared one,
  // run i would also list, read and keep the i connections of the runs before it as orphans).
  // Each request answered `latencyInMs` after it reached the recorder (the emulator behind it adding
  // none), the target's figure; then, in turns with it, the emulator's own `latencyInMs` (a wait, then
  // its work, then the recorder's hop: a few ms more per request), as runs before decision 028 measured.
  let depth = 0;
  let requests = 0;
  type OneRun = Spawned & { firstInMs: number; spanInMs: number; tailInMs: number };
  const oneConnection = (i: number, mode: 'answered' | 'emulator'): Promise<OneRun> =>
    withEmulator({ fake: { latencyInMs: mode === 'emulator' ? latencyInMs : 0 } }, async (emu) => {
      const rec = await startRecorder(emu.url, mode === 'answered' ? latencyInMs : 0);
      try {
        // The fresh emulator warmed first by a plan of the same spec (reads only, nothing made), as a
        // service that has been answering for a while: its first answers otherwise take ~25 ms longer.
        const file = specFile([`su-one-${mode}-${i}`]);
        must(await spawnTimed([WIF_BIN, 'plan', '-c', file, '--emulator', rec.url]), 'wif plan (warm-up)');
        rec.log.length = 0;
        const t0 = performance.now();
        const r = must(await spawnTimed([WIF_BIN, 'apply', '-c', file, '--yes', '--emulator', rec.url]), 'wif apply (one connection)');
        const served = rec.log.filter((t) => !new URL(t.url).pathname.startsWith('/_emulator'));
        if (mode === 'answered') {
          depth = Math.max(depth, measuredDepth(served).depth);
          requests = served.length;
        }
        const first = Math.min(...served.map((t) => t.startInMs));
        const last = Math.max(...served.map((t) => t.endInMs));
        return { ...r, firstInMs: first - t0, spanInMs: last - first, tailInMs: t0 + r.wallInMs - last };
      } finally {
        await rec.close();
      }
    });
  const one: OneRun[] = [];
  const oneEmulatorLatency: OneRun[] = [];
  // Bare Node in turns with the runs it is subtracted from: this machine's speed drifts over minutes
  // (2 cores shared with other work), and a figure taken at the start of the section would compare
  // runs made at different speeds.
  const oneBare: Spawned[] = [];
  // One warm-up round first (it also fills Node's compile cache), as `repeat` does.
  for (let i = 0; i <= runs; i++) {
    const nodeAlone = await spawnTimed(['-e', '0']);
    const answered = await oneConnection(i, 'answered');
    const emulator = await oneConnection(i, 'emulator');
    if (i > 0) {
      oneBare.push(nodeAlone);
      one.push(answered);
      oneEmulatorLatency.push(emulator);
    }
  }
  const bareA = med(oneBare, (r) => r.wallInMs);
  const oneWall = med(one, (r) => r.wallInMs);
  const critical = depth * latencyInMs;
  const ratioA = (oneWall - bareA) / critical;
  const oneWallEmulator = med(oneEmulatorLatency, (r) => r.wallInMs);
  const ratioEmulator = (oneWallEmulator - bareA) / critical;

  // (b) `wif plan` of three connections against the emulator, no latency: the JSON spec, the same
  // spec as .yaml, and the JSON spec without the compile cache, taking turns.
  const planJson: Spawned[] = [];
  const planYaml: Spawned[] = [];
  const planNoCache: Spawned[] = [];
  const planJit: Spawned[] = [];
  const planUnminified: Spawned[] = [];
  const planNoCodeCache: Spawned[] = [];
  // Bare Node in turns with the plans, for the ratio (as for the apply runs above).
  const planBare: Spawned[] = [];
  const unminifiedBin = unminifiedWif();
  const sharedRoot = sharedCodeCacheRoot();
  let planModules = NaN;
  let planModulesBefore = NaN;
  await withEmulator({ fake: { latencyInMs: 0 } }, async (emu) => {
    const json = specFile(['su-plan-a', 'su-plan-b', 'su-plan-c'], 'json');
    const yaml = specFile(['su-plan-a', 'su-plan-b', 'su-plan-c'], 'yaml');
    const plan = async (file: string, env: Record<string, string> = {}, flags: readonly string[] = [], bin = WIF_BIN): Promise<Spawned> =>
      must(await spawnTimed([...flags, bin, 'plan', '-c', file, '--emulator', emu.url], env), 'wif plan');
    for (let i = 0; i <= Math.max(runs, 7); i++) {
      const nodeAlone = await spawnTimed(['-e', '0']);
      const [a, b, c, d, e, f] = [
        await plan(json),
        await plan(yaml),
        await plan(json, { NODE_DISABLE_COMPILE_CACHE: '1' }),
        await plan(json, {}, ['--import', ZOD_JIT_ON]),
        await plan(json, {}, [], unminifiedBin),
        await plan(json, { NODE_COMPILE_CACHE: sharedRoot }),
      ];
      if (i === 0) continue;
      planBare.push(nodeAlone);
      planJson.push(a);
      planYaml.push(b);
      planNoCache.push(c);
      planJit.push(d);
      planUnminified.push(e);
      planNoCodeCache.push(f);
    }
    if (codeCacheFiles(sharedRoot) !== 0) throw new Error('startup: wif wrote a code cache where everyone can write');
    planModules = modulesLoaded(must(await plan(json, {}, ['--import', COUNT_MODULES]), 'wif plan'));
    if (process.env['BENCH_BASELINE_WIF'])
      planModulesBefore = modulesLoaded(
        must(
          await spawnTimed(['--import', COUNT_MODULES, process.env['BENCH_BASELINE_WIF'], 'plan', '-c', json, '--emulator', emu.url]),
          'baseline wif plan',
        ),
      );
  });
  const planWall = med(planJson, (r) => r.wallInMs);
  const bareB = med(planBare, (r) => r.wallInMs);
  const ratioB = planWall / bareB;

  // (c) Client CPU per request in the 43-connection fleet (5% throttled, Retry-After 0, `latencyInMs`).
  const fleetN = 43;
  // In a process of its own (the target's figure), wif's client and a caller's `httpClient` (as
  // `wif emulator --tls` runs; since decision 026 all three services, Graph included, send through
  // it from the shared transport); and, in turns with them, wif's client in this process, the method
  // of the runs before decision 037, for comparison.
  const fleets = await fleetCpu(latencyInMs, FLEET_ROUNDS, [
    { where: 'child', variant: 'sdk' },
    { where: 'child', variant: 'httpClient' },
    { where: 'child', variant: 'nodeHttp' },
    { where: 'bench', variant: 'sdk' },
  ]);
  const nodeHttpFleet = fleets.get('child:nodeHttp')!;
  const sdkFleet = fleets.get('child:sdk')!;
  const viaFetch = fleets.get('child:httpClient')!;
  const inBench = fleets.get('bench:sdk')!;
  const cliFleet: (Spawned & { requests: number })[] = [];
  for (let run = 0; run < Math.max(3, Math.ceil(runs / 2)); run++) {
    await withEmulator({ fake: { latencyInMs, throttleRate: 0.05, retryAfterSeconds: 0, seed: 4000 + run } }, async (emu) => {
      const names = Array.from({ length: fleetN }, (_, i) => `su-clifleet-${run}-${i}`);
      const r = must(await spawnTimed([WIF_BIN, 'apply', '-c', specFile(names), '--yes', '--emulator', emu.url]), 'wif apply (fleet)');
      const c = await emu.counts(`su-clifleet-${run}-`);
      if ([c.apps, c.connections, c.credentials, c.assignments].some((x) => x !== fleetN))
        throw new Error(`fleet: duplicates or gaps: ${JSON.stringify(c)}`);
      cliFleet.push({ ...r, requests: c.requests });
    });
  }
  const perRequest = median(sdkFleet.map((f) => f.cpuInMs / f.requests));
  const cliPerRequest = median(cliFleet.map((f) => (f.cpuInMs ?? NaN) / f.requests));
  const cliStartCpu = med(version, (r) => r.cpuInMs);

  // Before and after in the same run, taking turns: BENCH_BASELINE_WIF names a `wif.cjs` (before decision 042 `wif.mjs`, before 028 `wif.js`) built from
  // an earlier commit (e.g. main before this work), run exactly like the current one.
  const baseline = process.env['BENCH_BASELINE_WIF'];
  const ab: { name: string; before: Spawned[]; after: Spawned[] }[] = [];
  if (baseline) {
    await withEmulator({ fake: { latencyInMs: 0 } }, async (emu) => {
      const file = specFile(['su-ab-a', 'su-ab-b', 'su-ab-c']);
      const row = { name: '`wif plan`, 3 connections, emulator, JSON spec', before: [] as Spawned[], after: [] as Spawned[] };
      for (let i = 0; i <= Math.max(runs, 7); i++) {
        const b = must(await spawnTimed([baseline, 'plan', '-c', file, '--emulator', emu.url]), 'baseline wif plan');
        const a = must(await spawnTimed([WIF_BIN, 'plan', '-c', file, '--emulator', emu.url]), 'wif plan');
        if (i === 0) continue;
        row.before.push(b);
        row.after.push(a);
      }
      ab.push(row);
    });
    await withEmulator({ fake: { latencyInMs } }, async (emu) => {
      const row = {
        name: `\`wif apply\`, one new connection, ${latencyInMs} ms per request`,
        before: [] as Spawned[],
        after: [] as Spawned[],
      };
      for (let i = 0; i <= runs; i++) {
        const b = must(
          await spawnTimed([baseline, 'apply', '-c', specFile([`su-abb-${i}`]), '--yes', '--emulator', emu.url]),
          'baseline apply',
        );
        const a = must(await spawnTimed([WIF_BIN, 'apply', '-c', specFile([`su-aba-${i}`]), '--yes', '--emulator', emu.url]), 'apply');
        if (i === 0) continue;
        row.before.push(b);
        row.after.push(a);
      }
      ab.push(row);
    });
    for (const [name, args] of [
      ['`wif --version`', ['--version']],
      ['`wif --help`', ['--help']],
    ] as const) {
      const row = { name, before: [] as Spawned[], after: [] as Spawned[] };
      for (let i = 0; i <= Math.max(runs, 10); i++) {
        const b = await spawnTimed([baseline, ...args]);
        const a = await spawnTimed([WIF_BIN, ...args]);
        if (i === 0) continue;
        row.before.push(b);
        row.after.push(a);
      }
      ab.push(row);
    }
  }

  // What each start-up lever pays, measured on its own (CPU of fresh processes, taking turns).
  const zb = await zodBundles();
  const identity = identityChunk();
  const c = childCpu(
    {
      identityModules: "await import('@azure/identity')",
      identityChunk: identity ? `await import(${JSON.stringify(pathToFileURL(identity).href)})` : '0',
      bare: '0',
      zodNamed: `await import(${JSON.stringify(pathToFileURL(zb.named).href)})`,
      zodNamespace: `await import(${JSON.stringify(pathToFileURL(zb.namespace).href)})`,
      httpEsm: "await import('node:http')",
      httpRequired: "(await import('node:module')).createRequire(import.meta.url)('node:http')",
      testingAll: "await import('@wif/testing')",
      testingCredential: "await import('@wif/testing/credential')",
      yaml: "await import('yaml')",
      coreRoot: "await import('@wif/core'); await import('@wif/core/spec')",
      coreAll:
        "await import('@wif/core'); await import('@wif/core/spec'); await import('@wif/core/audit'); await import('@wif/core/migration'); await import('@wif/core/diagnose')",
    },
    'cli',
  );
  const levers = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v - c.bare])) as Record<keyof typeof c, number>;
  const core = importTime('@wif/core', 'core');
  const parts = (
    [
      ['@azure/core-rest-pipeline', 'http'],
      ['zod', 'core'],
      ['yaml', 'core'],
      ['neverthrow', 'core'],
    ] as const
  ).map(([p, from]) => [p, importTime(p, from)] as const);

  const met = (ok: boolean): string => (ok ? '(met)' : '(missed)');
  out('## Start-up');
  out();
  out(
    `Whole processes spawned from this one (\`node packages/cli/dist/wif.cjs …\`, default node flags), stdout discarded: wall time from spawn to exit and CPU time (user + system, \`/usr/bin/time\`); medians, after one warm-up run that also fills Node's module compile cache. Load average ${loadAtStart} when the section started and ${load()} when it ended, on ${os.cpus().length} cores shared with other work: wall times rise with load, CPU times much less. The ratios to bare Node take \`node -e 0\` in turns with the runs they divide (one before each): the first row, taken at the start of the section, can be minutes and a different machine speed away from them.`,
  );
  out();
  out(
    'Before this work (main at f19bc27, measured with this same file on 2026-12-05, load average 3.9–8.5): `node -e 0` 179 ms wall / 100 ms CPU; `wif --version` 196 / 140 ms; `wif plan` of 3 connections 1991 ms / 750 ms CPU = **11.1×** `node -e 0`; `wif apply` of one new connection 2631 ms / 850 ms CPU, 2452 ms beyond bare Node against a critical path of 20 × 50 ms = **2.45×**; client CPU per request in the fleet **1.07 ms** (SDK in-process) and 2.31 ms (whole `wif apply` process); `@wif/core` import 418 ms. Now:',
  );
  out();
  out('| command | wall, median | CPU, median | runs | target |');
  out('|---|---|---|---|---|');
  out(`| bare \`node -e 0\` | ${fmtMs(bare)} | ${cpu(med(bareRuns, (r) => r.cpuInMs))} | ${bareRuns.length} | — |`);
  out(
    `| \`wif --version\` | ${fmtMs(med(version, (r) => r.wallInMs))} | ${cpu(cliStartCpu)} | ${version.length} | < 150 ms ${met(med(version, (r) => r.wallInMs) < 150)} |`,
  );
  out(
    `| \`wif --help\` | ${fmtMs(med(help, (r) => r.wallInMs))} | ${cpu(med(help, (r) => r.cpuInMs))} | ${help.length} | < 150 ms ${met(med(help, (r) => r.wallInMs) < 150)} |`,
  );
  out(
    `| \`wif apply\`, one new connection, ${latencyInMs} ms per request | ${fmtMs(oneWall)} | ${cpu(med(one, (r) => r.cpuInMs))} | ${one.length} | see below |`,
  );
  out(
    `| \`wif plan\`, 3 connections, emulator, JSON spec | **${fmtMs(planWall)}** = **${ratioB.toFixed(1)}×** \`node -e 0\` (${fmtMs(bareB)}, in turns with these runs) | ${cpu(med(planJson, (r) => r.cpuInMs))} | ${planJson.length} | ≤ 3× ${met(ratioB <= 3)} |`,
  );
  out(
    `| \`wif plan\`, the same spec in a .yaml file | ${fmtMs(med(planYaml, (r) => r.wallInMs))} | ${cpu(med(planYaml, (r) => r.cpuInMs))} | ${planYaml.length} | — |`,
  );
  out();
  if (ab.length > 0) {
    out(
      `Before and after in this run, taking turns (the earlier build: \`${baseline!.replace(/.*\/([^/]+\/packages\/cli\/dist\/wif\.m?js)$/, '$1')}\`, BENCH_BASELINE_WIF; same emulator, same machine load):`,
    );
    out();
    out('| command | before: wall, CPU | after: wall, CPU | CPU after ÷ before | runs |');
    out('|---|---|---|---|---|');
    for (const r of ab) {
      const bc = med(r.before, (x) => x.cpuInMs);
      const ac = med(r.after, (x) => x.cpuInMs);
      out(
        `| ${r.name} | ${fmtMs(med(r.before, (x) => x.wallInMs))}, ${cpu(bc)} | ${fmtMs(med(r.after, (x) => x.wallInMs))}, ${cpu(ac)} | ${(ac / bc).toFixed(2)} | ${r.after.length} |`,
      );
    }
    out();
  }
  out(
    `One new connection, whole process: ${fmtMs(oneWall)} − ${fmtMs(bareA)} (bare Node, in turns with these runs) = **${fmtMs(oneWall - bareA)}** against a critical path of ${depth} dependent requests × ${latencyInMs} ms = ${critical} ms, as observed at the server (each run on a fresh emulator, so that the project holds nothing else, warmed by a \`wif plan\` of the same spec; every request answered ${latencyInMs} ms after it arrived, the emulator's work included — docs/decisions/028-the-critical-path-holds-only-requests.md; ${requests} requests in all, the emulator's own \`/_emulator\` calls left out; the run-wide access check before the first write is one of the ${depth}): **${ratioA.toFixed(2)}×** (target ≤ 1.3×) ${met(ratioA <= 1.3)}. Against the work's own chain instead (${workChainInMs} ms, the One connection section's; the critical path issue 15 first measured against), the same ${fmtMs(oneWall - bareA)} are **${((oneWall - bareA) / workChainInMs).toFixed(2)}×**: the access check, the plan's reads and the preflight make the other ${depth - workChainInMs / latencyInMs} (apply's re-check of the plan reads what the work's first level reads) (docs/decisions/030-start-up-levers-measured-and-left.md).`,
  );
  out();
  out(
    `Where the ${fmtMs(oneWall)} go (medians of the ${one.length} runs): from spawn to the first request at the server ${fmtMs(median(one.map((r) => r.firstInMs)))} (bare Node's whole run is ${fmtMs(bareA)}); from the first request to the last answer ${fmtMs(median(one.map((r) => r.spanInMs)))} (${depth} × ${latencyInMs} ms = ${critical} ms of it waiting on the service); from the last answer to the exit seen here ${fmtMs(median(one.map((r) => r.tailInMs)))}. The same runs with the emulator's own latency instead (it waits ${latencyInMs} ms, then does its work, then the recorder forwards the answer: the method of the runs before decision 028), in turns with these: ${fmtMs(oneWallEmulator)}, from the first request to the last answer ${fmtMs(median(oneEmulatorLatency.map((r) => r.spanInMs)))}: **${ratioEmulator.toFixed(2)}×** by the same formula.`,
  );
  out();
  out(`Client CPU per request, the 43-connection fleet at ${latencyInMs} ms per request, 5% throttled (Retry-After 0):`);
  out();
  out('| client | CPU per request, median | requests | CPU, wall | target |');
  out('|---|---|---|---|---|');
  out(
    `| the SDK in a process of its own (bench/fleetChild.mjs: \`process.cpuUsage()\` over \`apply\`, after a full garbage collection; one process for every round; median of ${sdkFleet.length} after a warm-up, in turns with the rows below) | **${perRequest.toFixed(2)} ms** (rounds ${spread(sdkFleet)}) | ${median(sdkFleet.map((f) => f.requests))} | ${fmtMs(median(sdkFleet.map((f) => f.cpuInMs)))}, ${fmtMs(median(sdkFleet.map((f) => f.wallInMs)))} | ≤ 0.4 ms ${met(perRequest <= 0.4)} |`,
  );
  const perRequestFetch = median(viaFetch.map((f) => f.cpuInMs / f.requests));
  out(
    `| the SDK with a caller's \`httpClient\` (\`trustingHttpClient([])\`, as \`wif emulator --tls\` runs; all three services through it) | ${perRequestFetch.toFixed(2)} ms (${spread(viaFetch)}) | ${median(viaFetch.map((f) => f.requests))} | ${fmtMs(median(viaFetch.map((f) => f.cpuInMs)))}, ${fmtMs(median(viaFetch.map((f) => f.wallInMs)))} | — |`,
  );
  const perRequestInBench = median(inBench.map((f) => f.cpuInMs / f.requests));
  out(
    `| the same in the bench's own process, after its earlier sections, in turns with the rows above (how the runs before decision 037 measured it; docs/decisions/037-the-fleet-cpu-in-a-process-of-its-own.md) | ${perRequestInBench.toFixed(2)} ms (${spread(inBench)}) | ${median(inBench.map((f) => f.requests))} | ${fmtMs(median(inBench.map((f) => f.cpuInMs)))}, ${fmtMs(median(inBench.map((f) => f.wallInMs)))} | — |`,
  );
  out(
    `| the whole \`wif apply\` process (user + system ÷ requests; median of ${cliFleet.length}; start-up included: \`wif --version\` alone is ${cpu(cliStartCpu)}) | ${cliPerRequest.toFixed(2)} ms | ${median(cliFleet.map((f) => f.requests))} | ${cpu(med(cliFleet, (r) => r.cpuInMs))}, ${fmtMs(med(cliFleet, (r) => r.wallInMs))} | — |`,
  );
  out();
  const ms = (x: number): string => `${x.toFixed(0)} ms`;
  out('What each lever pays, measured on its own in this run (CPU time, fresh processes, medians):');
  out();
  out('| lever | without | with | kept |');
  out('|---|---|---|---|');
  out(
    `| Node's module compile cache (\`module.enableCompileCache()\` in bin.ts) and the chunks' code cache beside it: \`wif plan\`, 3 connections, CPU | ${cpu(med(planNoCache, (r) => r.cpuInMs))} (\`NODE_DISABLE_COMPILE_CACHE=1\`: both off) | ${cpu(med(planJson, (r) => r.cpuInMs))} | yes |`,
  );
  out(
    `| the chunks' code cache, made after a run, so that the functions a command ran are not compiled again (packages/cli/src/codeCache.ts; the executable is CommonJS for it, docs/decisions/042-the-executable-is-commonjs-with-a-code-cache.md): \`wif plan\`, 3 connections, wall and CPU | ${fmtMs(med(planNoCodeCache, (r) => r.wallInMs))}, ${cpu(med(planNoCodeCache, (r) => r.cpuInMs))} (Node's compile cache alone) | ${fmtMs(med(planJson, (r) => r.wallInMs))}, ${cpu(med(planJson, (r) => r.cpuInMs))} | yes |`,
  );
  const kb = (bytes: number): string => `${Math.round(bytes / 1024)} KB`;
  out(
    `| the executable minified, whitespace and syntax, names kept (tsup.config.ts; an unminified copy built with WIF_CLI_UNMINIFIED=1): JavaScript in wif.cjs and its chunks; \`wif plan\`, 3 connections, wall and CPU | ${kb(jsBytes(unminifiedBin))}; ${fmtMs(med(planUnminified, (r) => r.wallInMs))}, ${cpu(med(planUnminified, (r) => r.cpuInMs))} | ${kb(jsBytes(WIF_BIN))}; ${fmtMs(med(planJson, (r) => r.wallInMs))}, ${cpu(med(planJson, (r) => r.cpuInMs))} | yes |`,
  );
  out(
    `| zod imported as a namespace (\`import * as z from 'zod'\`; a lint rule keeps it): one schema bundled as the CLI is (esbuild), bytes and CPU to import it beyond bare Node | ${kb(zb.namedBytes)}, ${ms(levers.zodNamed)} (\`import { z }\`: all of zod, its 60-odd locales included) | ${kb(zb.namespaceBytes)}, ${ms(levers.zodNamespace)} | yes |`,
  );
  out(
    `| zod's JIT off in the CLI (bin.ts; not for \`audit\` and \`emulator\`): \`wif plan\`, 3 connections, CPU | ${cpu(med(planJit, (r) => r.cpuInMs))} (JIT on) | ${cpu(med(planJson, (r) => r.cpuInMs))} | yes |`,
  );
  const count = (n: number): string => (Number.isNaN(n) ? '—' : String(n));
  out(
    `| only what the command needs: args.ts without \`@wif/http\`'s barrel (the transport), audit's child_process, JMESPath, the diagnoser, one built-in wrapper per importer (no 450-byte chunks), neverthrow's ES build: JavaScript files loaded by \`wif --version\`, \`wif plan\` | ${count(versionModulesBefore)}, ${count(planModulesBefore)} (BENCH_BASELINE_WIF) | ${count(versionModules)}, ${count(planModules)} | yes |`,
  );
  out(
    `| built-ins \`require\`d, not imported as ESM (importing \`node:http\` as ESM loads Node's fetch, undici): \`node:http\` alone, CPU beyond bare Node | ${ms(levers.httpEsm)} | ${ms(levers.httpRequired)} | yes |`,
  );
  out(
    `| the emulator's credential alone (\`@wif/testing/credential\`, not the whole fake) | ${ms(levers.testingAll)} | ${ms(levers.testingCredential)} | yes |`,
  );
  out(`| \`yaml\` on first use only (a JSON spec and table output never load it): importing it | ${ms(levers.yaml)} | not loaded | yes |`);
  out(
    `| \`@azure/identity\` and MSAL bundled into one lazily imported chunk (a real sign-in; \`--emulator\` never loads them; docs/decisions/032-the-executable-bundles-azure-identity.md): importing it, CPU beyond bare Node | ${ms(levers.identityModules)} (from node_modules: ~395 files) | ${identity ? ms(levers.identityChunk) : 'no such chunk'} (the chunk) | ${identity ? 'yes' : '—'} |`,
  );
  out(
    `| \`@wif/core\` audit, migration and diagnose only for their commands: core as \`wif plan\` loads it | ${ms(levers.coreAll)} (all subpaths) | ${ms(levers.coreRoot)} (root + spec) | yes |`,
  );
  out(
    `| wif's own HTTP/1.1 exchange for a direct request, instead of \`node:http\` (packages/http/src/http1.ts; docs/decisions/044-an-http1-exchange-of-our-own.md): the fleet's client CPU per request, in a process of its own, in turns with the rows above | ${median(nodeHttpFleet.map((f) => f.cpuInMs / f.requests)).toFixed(2)} ms (rounds ${spread(nodeHttpFleet)}; every request through \`node:http\`, as when a tracer subscribes to \`http.client.request.start\`) | ${perRequest.toFixed(2)} ms | yes |`,
  );
  out(
    `| a JSON spec read with \`JSON.parse\`: \`wif plan\`, the same spec as .json and as .yaml, CPU | ${cpu(med(planYaml, (r) => r.cpuInMs))} (.yaml) | ${cpu(med(planJson, (r) => r.cpuInMs))} (.json) | yes |`,
  );
  out();
  out(
    "Differences below ~50 ms are within this machine's noise here (`/usr/bin/time` counts CPU in 10 ms steps, and other work shares the 2 cores); the same-run before/after rows above are the figures to trust. The compile cache pays little once the rest is in: most of the remaining start-up is evaluating modules (zod, the SDK's own), not compiling them.",
  );
  out();
  out(
    `Import time of \`@wif/core\` (built, ESM, in a fresh process; median of 7): **${fmtMs(core)}**. Its heaviest dependencies, each imported alone (\`@azure/core-rest-pipeline\` is no longer loaded by wif's own requests, decision 022; \`@azure/identity\` loads it for a real credential):`,
  );
  out();
  out('| module | import time |');
  out('|---|---|');
  for (const [p, ms] of parts.sort((a, b) => b[1] - a[1])) out(`| \`${p}\` | ${fmtMs(ms)} |`);
  out();
  return lines;
}

// Run alone: `cd bench && pnpm exec tsx startup.ts` (prints the section; writes nothing).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(
    (
      await startupSection({ latencyInMs: 50, runs: Number(process.env['BENCH_RUNS'] ?? 5), workChainInMs: CRITICAL_PATH.length * 50 })
    ).join('\n'),
  );
}
