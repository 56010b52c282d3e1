import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec, type ResolvedSpec } from '@wif/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { memoryIo } from '../../test/memoryIo';
import { main } from '../main';
import { verifyPipelineYaml } from './pipeline';

const SUB = '78c6d91d-b273-427d-a92d-943378c2f496';

/** Names a YAML writer gets wrong when it does not quote: indicators, comments, booleans, numbers, quotes. */
const TRICKY = [
  'sc-platform-dev',
  'sc: prod #1',
  'it\'s "quoted"',
  '- dash',
  '*star & anchor',
  'yes',
  '0123',
  'null',
  '{braces} [brackets]',
  '@at `tick` %pct | pipe > gt',
  'ünïcödé ✓',
  '# hash ## twice',
];

function specWith(names: readonly string[], projects: readonly string[] = ['platform']): ResolvedSpec {
  const text = JSON.stringify({
    organization: 'contoso',
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    connections: names.map((name, i) => ({
      project: projects[i % projects.length],
      name,
      app: `ado-app-${i}`,
      scope: `/subscriptions/${SUB}/resourceGroups/rg-${i}`,
      roles: ['Reader'],
    })),
  });
  return loadSpec(text, 'wif.json')._unsafeUnwrap();
}

interface Step {
  task?: string;
  inputs?: Record<string, unknown>;
  env?: Record<string, unknown>;
  download?: string;
}
interface Job {
  job: string;
  displayName: string;
  steps: Step[];
}
interface Stage {
  stage: string;
  displayName: string;
  dependsOn: unknown;
  jobs: Job[];
}

/** The jobs of a parsed pipeline: one stage each, every stage independent of the others. */
function jobsOf(doc: { stages: Stage[]; jobs?: unknown }): Job[] {
  expect(doc.jobs).toBeUndefined();
  for (const st of doc.stages) {
    expect(st.dependsOn, st.stage).toEqual([]);
    expect(st.jobs, st.stage).toHaveLength(1);
    expect(st.stage).toMatch(/^[A-Za-z0-9_]{1,100}$/);
  }
  expect(new Set(doc.stages.map((st) => st.stage)).size).toBe(doc.stages.length);
  return doc.stages.map((st) => st.jobs[0]!);
}

/** Every connection verified in `jobs`: the AzureCLI@2 reference, then the wif verify step for the same name. */
function referencesPerJob(jobs: readonly Job[], wifConnection: string): { job: string; referenced: string; verified: unknown }[] {
  return jobs.map((j) => {
    const refs = j.steps.filter((s) => s.task === 'AzureCLI@2' && s.inputs?.['azureSubscription'] !== wifConnection);
    expect(refs, j.job).toHaveLength(1);
    const refIndex = j.steps.indexOf(refs[0]!);
    const verify = j.steps.findIndex(
      (s) => typeof s.inputs?.['inlineScript'] === 'string' && s.inputs['inlineScript'].includes(' verify '),
    );
    expect(verify, `${j.job}: wif verify follows the explicit reference`).toBeGreaterThan(refIndex);
    const script = j.steps[verify]!.inputs!['inlineScript'] as string;
    expect(script).toContain('--exchange');
    expect(script).toContain('--connection "$WIF_CONNECTION"');
    expect(j.steps[refIndex]!.inputs!['inlineScript']).toBe('az account show --output table');
    expect(j.steps[verify]!.inputs!['azureSubscription']).toBe(wifConnection);
    expect(j.steps[verify]!.env!['SYSTEM_ACCESSTOKEN']).toBe('$(System.AccessToken)');
    return { job: j.job, referenced: refs[0]!.inputs!['azureSubscription'] as string, verified: j.steps[verify]!.env!['WIF_CONNECTION'] };
  });
}

describe('verifyPipelineYaml', () => {
  it('writes one job per connection that references it explicitly, then verifies it: YAML-special names survive (YAML 1.2 and 1.1)', () => {
    const spec = specWith(TRICKY, ['platform', 'shared']);
    const text = verifyPipelineYaml(spec, { specPath: 'wif/platform: "prod".yaml', wifConnection: 'sc-wif: vending #2' })._unsafeUnwrap();
    for (const version of ['1.2', '1.1'] as const) {
      const doc = parse(text, { version, uniqueKeys: true }) as { stages: Stage[]; trigger: unknown; resources: unknown };
      expect(doc.trigger).toBe('none');
      const jobs = jobsOf(doc);
      expect(jobs).toHaveLength(TRICKY.length);
      const refs = referencesPerJob(jobs, 'sc-wif: vending #2');
      expect(refs.map((r) => r.referenced)).toEqual(TRICKY);
      expect(refs.map((r) => r.verified)).toEqual(TRICKY);
      for (const j of jobs) {
        expect(j.job).toMatch(/^[A-Za-z0-9_]{1,100}$/);
        expect(j.steps.find((s) => s.inputs?.['inlineScript']?.toString().includes(' verify '))?.env?.['WIF_SPEC']).toBe(
          'wif/platform: "prod".yaml',
        );
      }
    }
    // Nothing in it can start an Azure Pipelines logging command when it is printed.
    expect(text).not.toMatch(/##vso\[|##\[/i);
  });

  it('asks for the connection wif runs as at queue time when none is given, and names the wif pipeline', () => {
    const text = verifyPipelineYaml(specWith(['sc-a', 'sc-b']), { specPath: 'wif.yaml', wifPipeline: 'tools-wif' })._unsafeUnwrap();
    const doc = parse(text) as { parameters: { name: string; type: string; default?: string }[]; resources: any; stages: Stage[] };
    expect(doc.parameters).toEqual([expect.objectContaining({ name: 'wifConnection', type: 'string' })]);
    expect(doc.parameters[0]!.default).toBeUndefined();
    expect(doc.resources.pipelines).toEqual([{ pipeline: 'wif', source: 'tools-wif', trigger: 'none' }]);
    const refs = referencesPerJob(jobsOf(doc), '${{ parameters.wifConnection }}');
    expect(refs.map((r) => r.referenced)).toEqual(['sc-a', 'sc-b']);
    for (const j of jobsOf(doc)) {
      expect(j.steps.some((s) => s.download === 'wif')).toBe(true);
      expect(j.steps.find((s) => s.task === 'NodeTool@0')?.inputs?.['versionSpec']).toBe('22.x');
    }
  });

  it("notes the spec's checks above the stage of their connection only, as one-line comments", () => {
    const spec = loadSpec(
      JSON.stringify({
        organization: 'contoso',
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        connections: [
          { project: 'platform', name: 'sc-dev', app: 'ado-dev', scope: `/subscriptions/${SUB}/resourceGroups/rg-dev`, roles: ['Reader'] },
          {
            project: 'platform',
            name: 'sc-prod',
            app: 'ado-prod',
            scope: `/subscriptions/${SUB}/resourceGroups/rg-prod`,
            roles: ['Contributor'],
            checks: {
              // (The spec refuses control characters, so no name can end the comment line.) One name
              // would be a logging command in a log.
              approvals: { approvers: ['[platform]\\Release Approvers', '##vso[task.complete]'], minApprovers: 1, timeout: 1440 },
              branchControl: { allowed: ['refs/heads/main'] },
              exclusiveLock: true,
            },
          },
        ],
      }),
      'wif.json',
    )._unsafeUnwrap();
    const text = verifyPipelineYaml(spec, { specPath: 'wif.json', wifConnection: 'sc-wif' })._unsafeUnwrap();
    const doc = parse(text, { uniqueKeys: true }) as { stages: Stage[] };
    expect(jobsOf(doc)).toHaveLength(2);
    const lines = text.split('\n');
    const prod = lines.findIndex((l) => l.includes('- stage: verify_2_sc_prod'));
    const dev = lines.findIndex((l) => l.includes('- stage: verify_1_sc_dev'));
    expect(lines.slice(prod - 4, prod)).toEqual([
      '  # Checks on sc-prod (from the spec):',
      '  #   approval: the stage waits for 1 of [platform]\\Release Approvers, **vso[task.complete]; skipped after 1 day.',
      '  #   branch control: queue the run from refs/heads/main, a branch with branch policies; from another branch the stage fails.',
      '  #   exclusive lock: one run at a time uses this connection; others wait or are cancelled.',
    ]);
    expect(lines.slice(dev + 1, prod - 4).some((l) => l.includes('Checks on'))).toBe(false);
    expect(text).not.toMatch(/##vso\[|##\[/i);
  });

  it('refuses a name that would start a logging command wherever the pipeline is printed', () => {
    const e = verifyPipelineYaml(specWith(['sc-ok', '##vso[task.setvariable variable=x]y']), { specPath: 'wif.yaml' })._unsafeUnwrapErr();
    expect(e.kind).toBe('Validation');
    expect(e.message).toContain('connections[1] (platform/**vso[task.setvariable variable=x]y)');
    expect(e.message).not.toMatch(/##vso\[/);
    expect(verifyPipelineYaml(specWith(['sc-ok']), { specPath: 'wif.yaml', wifConnection: 'x ##[error] y' })._unsafeUnwrapErr().kind).toBe(
      'Validation',
    );
  });

  it('refuses names Azure Pipelines would expand ($(…), $[…], ${{…}}), naming each, and writes nothing', () => {
    const r = verifyPipelineYaml(specWith(['sc-ok', 'sc-$(Build.BuildId)', 'sc-${{ x }}']), {
      specPath: 'wif.yaml',
      wifConnection: '$[x]',
    });
    const e = r._unsafeUnwrapErr();
    expect(e.kind).toBe('Validation');
    expect(e.message).toContain('connections[1] (platform/sc-$(Build.BuildId))');
    expect(e.message).toContain('connections[2]');
    expect(e.message).toContain('--wif-connection');
    expect(e.message).not.toContain('sc-ok');
  });
});

describe('wif pipeline verify', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wif-pipeline-'));
    await writeFile(
      join(dir, 'wif.yaml'),
      [
        'organization: contoso',
        'tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47',
        'connections:',
        `  - { project: platform, name: "sc: one", app: ado-one, scope: /subscriptions/${SUB}/resourceGroups/rg1, roles: [Reader] }`,
        `  - { project: platform, name: sc-two, app: ado-two, scope: /subscriptions/${SUB}/resourceGroups/rg2, roles: [Reader] }`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints the pipeline for every connection of the spec (exit 0), sending nothing', async () => {
    const io = memoryIo({ cwd: dir });
    const code = await main(['pipeline', 'verify', '--config', 'wif.yaml', '--wif-connection', 'sc-wif', '--devops-auth', 'entra'], io);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const jobs = jobsOf(parse(io.out()) as { stages: Stage[] });
    expect(referencesPerJob(jobs, 'sc-wif').map((r) => r.referenced)).toEqual(['sc: one', 'sc-two']);
    expect(jobs[0]!.steps.at(-1)!.inputs!['inlineScript']).toContain('--devops-auth entra');
  });

  it('--connection keeps one; an unknown one, a missing action or spec is a usage error (exit 2)', async () => {
    const one = memoryIo({ cwd: dir });
    expect(await main(['pipeline', 'verify', '-c', 'wif.yaml', '--connection', 'SC-TWO', '--json'], one)).toBe(0);
    const json = JSON.parse(one.out()) as { ok: boolean; connections: unknown[]; yaml: string };
    expect(json.connections).toEqual([{ project: 'platform', name: 'sc-two' }]);
    expect(jobsOf(parse(json.yaml) as { stages: Stage[] })).toHaveLength(1);

    for (const argv of [
      ['pipeline', 'verify', '-c', 'wif.yaml', '--connection', 'nope'],
      ['pipeline', '-c', 'wif.yaml'],
      // (Without -c, ./wif.yaml would be found: a spec that does not exist is the missing one.)
      ['pipeline', 'verify', '-c', 'missing.yaml'],
    ]) {
      const io = memoryIo({ cwd: dir });
      expect(await main(argv, io), argv.join(' ')).toBe(2);
      expect(io.out()).toBe('');
    }
    // Found by itself, the spec is named in the YAML as found.
    const found = memoryIo({ cwd: dir });
    expect(await main(['pipeline', 'verify', '--json'], found)).toBe(0);
    expect((JSON.parse(found.out()) as { yaml: string }).yaml).toContain('wif.yaml');
  });
});
