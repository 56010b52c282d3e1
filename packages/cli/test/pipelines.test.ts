/**
 * The example pipelines and the install instructions: they must work on a clean Microsoft-hosted
 * agent with what this repository produces, and nothing else.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../src/main';
import { memoryIo } from './memoryIo';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PIPELINES = join(ROOT, 'examples', 'pipelines');
const WIF_MJS = '$(Pipeline.Workspace)/wif/wif/wif.mjs';

type Step = Record<string, any>;

const read = (file: string): any => parse(readFileSync(join(PIPELINES, file), 'utf8'));

/** Every `steps:` list of a pipeline (one per job or deployment strategy), in document order. */
function stepLists(node: unknown, out: Step[][] = []): Step[][] {
  if (Array.isArray(node)) for (const n of node) stepLists(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'steps' && Array.isArray(v)) out.push(v as Step[]);
      else stepLists(v, out);
    }
  }
  return out;
}

/** The script text of a step (script, bash, or an AzureCLI@2 inline script). */
const scriptOf = (s: Step): string => String(s['script'] ?? s['bash'] ?? s['inputs']?.['inlineScript'] ?? '');

/** Names of the packages this repository publishes. */
const produced = readdirSync(join(ROOT, 'packages'))
  .map((d) => JSON.parse(readFileSync(join(ROOT, 'packages', d, 'package.json'), 'utf8')) as { name: string; private?: boolean })
  .filter((p) => !p.private)
  .map((p) => p.name);

describe('the example pipelines', () => {
  const files = readdirSync(PIPELINES).filter((f) => f.endsWith('.yml'));

  it('include the four this project documents, and each parses as YAML', () => {
    expect(files).toEqual(expect.arrayContaining(['nightly-audit.yml', 'vending.yml', 'verify-connections.yml', 'wif-release.yml']));
    for (const f of files) expect(() => read(f), f).not.toThrow();
  });

  it.each(files.filter((f) => f !== 'wif-release.yml'))(
    '%s runs wif.mjs from the wif-release artifact with Node.js >= 22 from NodeTool@0, installing nothing',
    (file) => {
      const doc = read(file);
      expect(doc.resources.pipelines).toContainEqual(expect.objectContaining({ pipeline: 'wif', source: 'wif-release' }));
      const wifVar = doc.variables?.wif as string | undefined;
      if (wifVar !== undefined) expect(wifVar).toBe(`node "${WIF_MJS}"`);
      let runs = 0;
      for (const steps of stepLists(doc)) {
        steps.forEach((s, i) => {
          const script = scriptOf(s);
          expect(script, file).not.toMatch(/\bnpx\b|npm (?:install|i)\b|UseNode/);
          const runsWif = script.includes('$(wif)') || script.includes('wif.mjs');
          if (!runsWif) return;
          runs++;
          if (script.includes('wif.mjs')) expect(script).toContain(`node "${WIF_MJS}"`);
          const before = steps.slice(0, i);
          expect(before.some((b) => b['download'] === 'wif' && b['artifact'] === 'wif')).toBe(true);
          const node = before.find((b) => b['task'] === 'NodeTool@0');
          expect(Number(/^(\d+)/.exec(String(node?.['inputs']?.['versionSpec']))?.[1])).toBeGreaterThanOrEqual(22);
        });
        expect(steps.some((s) => String(s['task'] ?? '').startsWith('UseNode'))).toBe(false);
      }
      expect(runs).toBeGreaterThan(0);
    },
  );

  it('wif-release.yml tests, packs and publishes dist-release/wif.mjs as the artifact "wif"', () => {
    const steps = stepLists(read('wif-release.yml'))[0]!;
    expect(steps.map(scriptOf)).toContain('bash scripts/test.sh');
    expect(readFileSync(join(ROOT, 'scripts', 'test.sh'), 'utf8')).toMatch(/bash scripts\/release\.sh && bash scripts\/smoke\.sh/);
    expect(steps).toContainEqual(expect.objectContaining({ publish: 'dist-release/wif.mjs', artifact: 'wif' }));
  });

  it('vending.yml applies exactly the plan saved in the plan stage, passed as a pipeline artifact', () => {
    const doc = read('vending.yml');
    const [plan, apply] = doc.stages as any[];
    const planSteps = stepLists(plan)[0]!;
    const planScript = planSteps.map(scriptOf).find((s) => s.includes(' plan '))!;
    const out = /--out "([^"]+)"/.exec(planScript)?.[1];
    expect(out).toBe('$(Build.ArtifactStagingDirectory)/plan.json');
    expect(planSteps).toContainEqual(expect.objectContaining({ publish: out, artifact: 'plan' }));

    const applySteps = stepLists(apply)[0]!;
    expect(apply.dependsOn).toBe('plan');
    const download = applySteps.findIndex((s) => s['download'] === 'current' && s['artifact'] === 'plan');
    const applyAt = applySteps.findIndex((s) => scriptOf(s).includes(' apply '));
    expect(download).toBeGreaterThanOrEqual(0);
    expect(applyAt).toBeGreaterThan(download);
    expect(scriptOf(applySteps[applyAt]!)).toMatch(/\$\(wif\) apply --plan "\$\(Pipeline\.Workspace\)\/plan\/plan\.json" .*--yes/);
  });

  it('verify-connections.yml is what `wif pipeline verify` writes for examples/env-set.yaml today', async () => {
    const io = memoryIo({ cwd: ROOT });
    expect(await main(['pipeline', 'verify', '--config', 'examples/env-set.yaml', '--wif-connection', 'sc-wif-vending'], io)).toBe(0);
    expect(readFileSync(join(PIPELINES, 'verify-connections.yml'), 'utf8')).toBe(io.out());
  });
});

describe('install instructions in the docs, the README and the examples', () => {
  const texts = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
    ...readdirSync(join(ROOT, 'docs', 'decisions')).map((f) => `docs/decisions/${f}`),
    ...readdirSync(PIPELINES).map((f) => `examples/pipelines/${f}`),
    ...readdirSync(join(ROOT, 'examples'))
      .filter((f) => f.endsWith('.ts') || f.endsWith('.yaml'))
      .map((f) => `examples/${f}`),
  ].map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));

  it('install only packages this repository produces, from a feed or its tarballs', () => {
    const bad: string[] = [];
    let installs = 0;
    for (const { path, text } of texts) {
      for (const m of text.matchAll(/\b(?:npm (?:install|i|add)|pnpm add|yarn add)\b([^\n`|;&#]*)/g)) {
        installs++;
        const names = m[1]!
          .trim()
          .split(/\s+/)
          .filter((w) => w && !w.startsWith('-'));
        for (const n of names) {
          const name = n.replace(/^(@?[^@]+)@.*$/, '$1');
          if (!produced.includes(name) && !/\.tgz"?$/.test(n)) bad.push(`${path}: ${m[0].trim()}`);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(installs).toBeGreaterThan(0);
  });

  it('run npx only for the installed wif, never to fetch a package', () => {
    const bad: string[] = [];
    for (const { path, text } of texts) {
      for (const m of text.matchAll(/\bnpx\b[^\n`]*/g)) if (!/^npx (?:--no-install )?wif\b/.test(m[0])) bad.push(`${path}: ${m[0]}`);
    }
    expect(bad).toEqual([]);
  });

  it('never alias wif into a build tree', () => {
    for (const { path, text } of texts) expect(text, path).not.toMatch(/alias wif=.*(?:packages\/cli\/dist|dist\/wif\.js)/);
  });
});
