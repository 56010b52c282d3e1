/**
 * `wif pipeline verify`: prints an Azure Pipelines YAML that proves every connection of the spec
 * from inside a pipeline, one job per connection.
 *
 * Azure DevOps issues an OIDC token for a service connection only to a stage that references that
 * connection explicitly in the YAML; otherwise the token request fails with "There is no explicit
 * reference to service connection {id} from current stage" (docs/diagnose.md). So each job first
 * runs an `AzureCLI@2` task with `azureSubscription: <the connection>` (`az account show`: the sign-in
 * is itself the end-to-end proof), then `wif verify --exchange --connection <name>` for the exact
 * comparison of issuer, subject and audience, signed in with the connection wif itself runs as.
 * https://learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure
 */
import type { ResolvedSpec } from '@wif/core';
import { err, ok, type Result } from 'neverthrow';
import { Document, Scalar } from 'yaml';
import { type Invocation, listOption, stringOption } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import type { PrintableError } from '../output';
import type { Runtime } from '../runtime';

type Inv = Extract<Invocation, { options: unknown }>;

/** The pipeline whose artifact `wif` holds wif.mjs (examples/pipelines/wif-release.yml). */
export const DEFAULT_WIF_PIPELINE = 'wif-release';

export interface VerifyPipelineOptions {
  /** The spec's path as the pipeline sees it (relative to the repository root). */
  readonly specPath: string;
  /** The service connection wif signs in with to read Graph, ARM and Azure DevOps; a queue-time parameter when absent. */
  readonly wifConnection?: string;
  /** The pipeline that publishes the `wif` artifact with wif.mjs. */
  readonly wifPipeline?: string;
  /** `--devops-auth` to pass on (only when not `auto`). */
  readonly devopsAuth?: 'entra' | 'pat';
}

/**
 * A name from the spec or the command line, always double-quoted: names with `:`, `#`, quotes, `*`,
 * `&`, or that read as booleans or numbers (`yes`, `0123`) stay the strings they are.
 */
function quoted(value: string): Scalar<string> {
  const node = new Scalar(value);
  node.type = 'QUOTE_DOUBLE';
  return node;
}

/** Text that Azure Pipelines would expand (macro, runtime and template expressions) instead of using as is. */
const EXPANDED = /\$\(|\$\[|\$\{\{/;

/**
 * The verification pipeline for `spec`, as YAML. A `Validation` error when a name cannot be written
 * into a pipeline literally (it holds `$(`, `$[` or `${{`, which Azure Pipelines would expand).
 */
export function verifyPipelineYaml(spec: ResolvedSpec, options: VerifyPipelineOptions): Result<string, PrintableError> {
  const literal: [string, string][] = [
    ...spec.connections.map((c, i): [string, string] => [`connections[${i}] (${c.project}/${c.name})`, c.name]),
    ['--config', options.specPath],
    ...(options.wifConnection !== undefined ? [['--wif-connection', options.wifConnection] as [string, string]] : []),
    ...(options.wifPipeline !== undefined ? [['--wif-pipeline', options.wifPipeline] as [string, string]] : []),
  ];
  const expanded = literal.filter(([, v]) => EXPANDED.test(v));
  if (expanded.length > 0) {
    return err({
      kind: 'Validation',
      message: `Azure Pipelines would expand $( ), $[ ] or \${{ }} in ${expanded.map(([where]) => where).join(', ')}: such a name cannot be referenced from a pipeline literally. Rename it.`,
    });
  }
  if (spec.connections.length === 0) return err({ kind: 'Usage', message: 'The spec (after --connection) names no connection to verify.' });

  const wifConnection = options.wifConnection === undefined ? '${{ parameters.wifConnection }}' : quoted(options.wifConnection);
  const wifPipeline = quoted(options.wifPipeline ?? DEFAULT_WIF_PIPELINE);
  const auth = options.devopsAuth ? ` --devops-auth ${options.devopsAuth}` : '';
  const used = new Set<string>();
  const jobs = spec.connections.map((c, i) => {
    let id = `verify_${i + 1}_${c.name.replace(/[^A-Za-z0-9_]+/g, '_')}`.slice(0, 100).replace(/_+$/, '');
    while (used.has(id)) id = `${id}_`;
    used.add(id);
    return {
      job: id,
      displayName: quoted(`verify ${c.project}/${c.name}`),
      steps: [
        { checkout: 'self' },
        { download: 'wif', artifact: 'wif', displayName: 'wif.mjs' },
        { task: 'NodeTool@0', displayName: 'Node.js 22', inputs: { versionSpec: '22.x' } },
        {
          task: 'AzureCLI@2',
          displayName: quoted(`sign in with ${c.name}`),
          inputs: {
            // The explicit reference: without it this stage gets no OIDC token for the connection.
            azureSubscription: quoted(c.name),
            scriptType: 'bash',
            scriptLocation: 'inlineScript',
            inlineScript: 'az account show --output table',
          },
        },
        {
          task: 'AzureCLI@2',
          displayName: quoted(`wif verify --exchange ${c.name}`),
          inputs: {
            azureSubscription: wifConnection,
            scriptType: 'bash',
            scriptLocation: 'inlineScript',
            // Names reach the script through the environment, never through the script text.
            inlineScript: `node "$(Pipeline.Workspace)/wif/wif/wif.mjs" verify --config "$WIF_SPEC" --connection "$WIF_CONNECTION" --exchange${auth}`,
          },
          env: {
            // The OIDC token of the connection is requested with the job's access token.
            SYSTEM_ACCESSTOKEN: '$(System.AccessToken)',
            WIF_SPEC: quoted(options.specPath),
            WIF_CONNECTION: quoted(c.name),
          },
        },
      ],
    };
  });

  const projects = [...new Set(spec.connections.map((c) => c.project))];
  const pipeline = {
    trigger: 'none',
    pr: 'none',
    ...(options.wifConnection === undefined
      ? {
          parameters: [
            { name: 'wifConnection', displayName: 'Service connection wif signs in with (reads Graph, ARM, Azure DevOps)', type: 'string' },
          ],
        }
      : {}),
    resources: { pipelines: [{ pipeline: 'wif', source: wifPipeline, trigger: 'none' }] },
    pool: { vmImage: 'ubuntu-latest' },
    jobs,
  };
  const doc = new Document(pipeline);
  const header = [
    `# Generated by \`wif pipeline verify\` from ${JSON.stringify(options.specPath)}: re-generate it when the spec changes.`,
    '#',
    '# Azure DevOps issues an OIDC token for a service connection only to a stage that references it',
    '# explicitly ("There is no explicit reference to service connection … from current stage"). Each job',
    '# signs in with one connection (AzureCLI@2, az account show: the end-to-end proof), then runs',
    '# `wif verify --exchange` for that connection, signed in with the connection wif runs as.',
    `# Run it in project ${projects.map((p) => JSON.stringify(p)).join(', ')}${projects.length > 1 ? ' (connections of the other projects must be shared with it)' : ''};`,
    '# authorise it on every connection (Pipeline permissions), or approve the first run.',
  ];
  return ok(`${header.join('\n')}\n${doc.toString({ lineWidth: 0, indentSeq: true })}`);
}

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  // The spec the YAML names: --config, or the discovered one (WIF_CONFIG, ./wif.yaml, …).
  const specPath = rt.configPath(stringOption(inv.options, 'config'));
  const loaded = await rt.loadSpec(specPath);
  if (loaded.isErr()) return rt.fail(loaded.error);
  let spec = loaded.value;
  const only = listOption(inv.options, 'connection').map((n) => n.toLowerCase());
  if (only.length > 0) {
    const unknown = only.filter((n) => !spec.connections.some((c) => c.name.toLowerCase() === n));
    if (unknown.length > 0) return rt.fail({ kind: 'Usage', message: `The spec has no connection named ${unknown.join(', ')}.` });
    spec = { ...spec, connections: spec.connections.filter((c) => only.includes(c.name.toLowerCase())) };
  }
  const wifConnection = stringOption(inv.options, 'wif-connection');
  const wifPipeline = stringOption(inv.options, 'wif-pipeline');
  const devopsAuth = rt.global.devopsAuth;
  const yaml = verifyPipelineYaml(spec, {
    specPath: specPath!,
    ...(wifConnection !== undefined ? { wifConnection } : {}),
    ...(wifPipeline !== undefined ? { wifPipeline } : {}),
    ...(devopsAuth !== 'auto' ? { devopsAuth } : {}),
  });
  if (yaml.isErr()) return rt.fail(yaml.error);
  rt.printer.data({ ok: true, connections: spec.connections.map((c) => ({ project: c.project, name: c.name })), yaml: yaml.value });
  if (!rt.printer.json) rt.io.stdout.write(yaml.value);
  return EXIT.ok;
}
