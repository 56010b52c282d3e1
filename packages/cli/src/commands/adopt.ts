/**
 * `wif adopt`: a spec for the connections an organization already has on workload identity
 * federation, each adopting its app by `appId` (docs/decisions/040-adopting-an-app-made-by-hand.md),
 * written as YAML to stdout or `--out FILE`; what could not be adopted, and why, on stderr. Reads
 * only. Exit 1 when no connection could be written.
 */
import { resolve } from 'node:path';
import type { SpecFromOrganization } from '@wif/core';
import { listOption, type Invocation, stringOption } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import { asYaml } from '../output';
import { type Runtime, writableFileProblem } from '../runtime';
import { prepareOptional } from './_prepare';

type Inv = Extract<Invocation, { options: unknown }>;

/** The spec as a file: a header saying where it came from and what to do next, then the YAML. */
export function adoptedSpecText(found: SpecFromOrganization, organization: string, today: string): string {
  const n = found.spec?.connections.length ?? 0;
  return [
    `# Written by wif adopt from the Azure DevOps organization ${organization} on ${today}: ${n} connection(s) as they are.`,
    '# An app made outside wif is adopted by its appId (wif never changes or deletes it); an app wif made stays its own.',
    '# Next: wif plan -c this-file. It should create nothing, only add "(managed by wif)" to descriptions; then wif apply.',
    asYaml(found.spec).trimEnd(),
    '',
  ].join('\n');
}

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const out = stringOption(inv.options, 'out');
  // Refused before any request: the reads would be wasted on a spec that cannot be written.
  const unwritable = out === undefined ? undefined : writableFileProblem(resolve(rt.io.cwd, out));
  if (out !== undefined && unwritable !== undefined)
    return rt.fail({ kind: 'Usage', message: `Cannot write the spec to ${out}: ${unwritable}.` });
  const projects = listOption(inv.options, 'project');
  const connections = listOption(inv.options, 'connection');
  const blank = [...projects, ...connections].find((x) => x.trim() === '');
  if (blank !== undefined) return rt.fail({ kind: 'Usage', message: '--project and --connection need a name.' });
  const prepared = await prepareOptional(rt, inv.options);
  if (prepared.isErr()) return rt.fail(prepared.error);
  const { clients, organization } = prepared.value;
  const found = await rt.core.specFromOrganization(clients, {
    ...(projects.length > 0 ? { projects } : {}),
    ...(connections.length > 0 ? { connections } : {}),
    ...(rt.abortSignal ? { abortSignal: rt.abortSignal } : {}),
  });
  if (found.isErr()) return rt.fail(found.error);
  const f = found.value;
  const { printer } = rt;
  const text = f.spec ? adoptedSpecText(f, organization, new Date().toISOString().slice(0, 10)) : undefined;
  if (out && text) {
    const written = await rt.writeText(out, text);
    if (written.isErr()) return rt.fail(written.error);
  }
  printer.data({ ok: f.spec !== undefined, spec: f.spec ?? null, skipped: f.skipped, notes: f.notes });
  if (text && !out && !printer.json) printer.line(text.trimEnd());
  for (const k of f.skipped) printer.note(`${printer.colors.yellow('skipped')} ${k.project}/${k.name}: ${k.reason}`);
  for (const k of f.notes) printer.note(`${printer.colors.yellow('review')} ${k.project}/${k.name}: ${k.note}`);
  if (!f.spec) {
    printer.note('No connection could be adopted (see above): nothing written.');
    return EXIT.failure;
  }
  if (out) printer.note(`Spec for ${f.spec.connections.length} connection(s) written to ${out}: review it, then wif plan -c ${out}.`);
  return EXIT.ok;
}
