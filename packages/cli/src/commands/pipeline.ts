/**
 * `wif pipeline verify`: prints an Azure Pipelines YAML that proves every connection of the spec
 * from inside a pipeline, one stage per connection.
 *
 * Azure DevOps issues an OIDC token for a service connection only to a stage that references that
 * connection explicitly in the YAML; otherwise the token request fails with "There is no explicit
 * reference to service connection {id} from current stage" (docs/diagnose.md). So each connection's
 * job first runs an `AzureCLI@2` task with `azureSubscription: <the connection>` (`az account show`:
 * the sign-in is itself the end-to-end proof), then `wif verify --exchange --connection <name>` for
 * the exact comparison of issuer, subject and audience, signed in with the connection wif itself
 * runs as. https://learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure
 *
 * Each connection has a stage of its own, all independent (`dependsOn: []`): Azure Pipelines
 * evaluates the approvals and checks of every resource a stage uses before the stage starts
 * (learn.microsoft.com/azure/devops/pipelines/process/approvals), so in one shared stage a
 * production connection's approval would hold back every verification, and its branch control would
 * fail them all on another branch. The checks the spec puts on a connection are noted above its stage.
 */
import type { ResolvedSpec } from '@wif/core';
import { err, ok, type Result } from 'neverthrow';
import { Document, Scalar } from 'yaml';
import { type Invocation, listOption, stringOption } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import { escapeOutput, holdsLoggingCommand, type PrintableError } from '../output';
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

type Connection = ResolvedSpec['connections'][number];

/** Minutes as people say them: 43200 → "30 days", 90 → "90 min". */
function duration(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} day${minutes === 1440 ? '' : 's'}`;
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}

/**
 * Text from the spec inside a YAML comment: one line (the spec refuses control characters; a line
 * break would end the comment all the same), escaped as every printed line is.
 */
const commentText = (text: string): string => escapeOutput(text.replace(/[\r\n]+/g, ' '));

/** What the spec's checks on a connection mean for a run of this pipeline, as comment lines. */
function checkNotes(c: Connection): string[] {
  const k = c.checks;
  if (!k) return [];
  const notes: string[] = [];
  if (k.approvals) {
    const a = k.approvals;
    const needed = a.minApprovers ? `${a.minApprovers} of` : 'all of';
    notes.push(
      `approval: the stage waits for ${needed} ${a.approvers.join(', ')}${a.requesterCannotApprove ? ' (not whoever queued the run)' : ''}; skipped after ${duration(a.timeout ?? 43200)}.`,
    );
  }
  if (k.branchControl) {
    const b = k.branchControl;
    notes.push(
      `branch control: queue the run from ${b.allowed.join(', ')}${b.requireProtection === false ? '' : ', a branch with branch policies'}; from another branch the stage fails.`,
    );
  }
  if (k.businessHours) {
    const h = k.businessHours;
    notes.push(`business hours: the stage waits for ${h.days.join(', ')} ${h.start}–${h.end} (${h.timeZone}).`);
  }
  if (k.exclusiveLock) notes.push('exclusive lock: one run at a time uses this connection; others wait or are cancelled.');
  return notes.length ? [` Checks on ${c.name} (from the spec):`, ...notes.map((n) => `   ${n}`)].map(commentText) : [];
}

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
  const commands = literal.filter(([, v]) => holdsLoggingCommand(v));
  if (commands.length > 0) {
    return err({
      kind: 'Validation',
      message: `${commands.map(([where]) => escapeOutput(where)).join(', ')} would start an Azure Pipelines logging command in any log that shows the pipeline: rename it.`,
    });
  }
  if (spec.connections.length === 0) return err({ kind: 'Usage', message: 'The spec (after --connection) names no connection to verify.' });

  const wifConnection = options.wifConnection === undefined ? '${{ parameters.wifConnection }}' : quoted(options.wifConnection);
  const wifPipeline = quoted(options.wifPipeline ?? DEFAULT_WIF_PIPELINE);
  const auth = options.devopsAuth ? ` --devops-auth ${options.devopsAuth}` : '';
  const used = new Set<string>();
  const stages = spec.connections.map((c, i) => {
    let id = `verify_${i + 1}_${c.name.replace(/[^A-Za-z0-9_]+/g, '_')}`.slice(0, 100).replace(/_+$/, '');
    while (used.has(id)) id = `${id}_`;
    used.add(id);
    const job = {
      job: 'verify',
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
    // Its own stage, started at once: another connection's checks never hold it back.
    return { stage: id, displayName: quoted(`verify ${c.project}/${c.name}`), dependsOn: [], jobs: [job] };
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
    stages,
  };
  const doc = new Document(pipeline);
  spec.connections.forEach((c, i) => {
    const notes = checkNotes(c);
    const node = doc.getIn(['stages', i], true) as { commentBefore?: string | null } | undefined;
    if (notes.length && node) node.commentBefore = notes.join('\n');
  });
  const header = [
    `# Generated by \`wif pipeline verify\` from ${JSON.stringify(options.specPath)}: re-generate it when the spec changes.`,
    '#',
    '# Azure DevOps issues an OIDC token for a service connection only to a stage that references it',
    '# explicitly ("There is no explicit reference to service connection … from current stage"). Each',
    '# connection has a stage of its own, so that its approvals and checks hold back only its own',
    '# verification: it signs in with the connection (AzureCLI@2, az account show: the end-to-end',
    '# proof), then runs `wif verify --exchange` for it, signed in with the connection wif runs as',
    '# (whose own checks apply to every stage).',
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
