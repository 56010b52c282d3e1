/**
 * `wif verify`: proves each connection's trust chain. Always the exact string comparison
 * (`verifySubject`); with `--exchange` also a real exchange (`verifyByExchange`): an OIDC token for
 * the connection, exchanged at Entra, and the exchanged token used at ARM. The OIDC token comes from
 * the running pipeline job (`SYSTEM_OIDCREQUESTURI` + `SYSTEM_ACCESSTOKEN`) or, with `--emulator`,
 * from the emulator's Azure DevOps (any plan and job ids do there).
 */
import { randomUUID } from 'node:crypto';
import type { ExchangeClients, ExchangeFailedError, ExchangeReport, OidcSource, TrustChainReport, WifClients } from '@wif/core';
import { err, ok, type Result } from 'neverthrow';
import type { Invocation } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import { emulatorFetch, fetchEmulatorHealth } from '../emulator/health';
import type { PrintableError } from '../output';
import { type Runtime, USER_AGENT } from '../runtime';
import { prepare } from './_prepare';
import { printDiagnoses } from './diagnose';

type Inv = Extract<Invocation, { options: unknown }>;

type Check = 'ok' | 'failed' | 'skipped';

interface VerifiedConnection {
  readonly project: string;
  readonly name: string;
  readonly connectionId: string | null;
  readonly subject: Check;
  readonly exchange: Check;
  readonly trustChain?: TrustChainReport;
  readonly exchangeReport?: ExchangeReport;
  readonly error?: PrintableError & { readonly diagnosis?: ExchangeFailedError['diagnosis'] };
  /** What holds but will still bite a pipeline, e.g. the connection renamed in the portal. */
  readonly warnings?: readonly string[];
}

/** Where each connection's OIDC token comes from: the running job, or the emulator (by project name). */
type OidcFor = (project: string) => OidcSource | undefined;

/** Picks the OIDC source: the emulator's projects (its health route), or the pipeline job's variables. */
export async function oidcSourceFor(
  rt: Pick<Runtime, 'global' | 'io' | 'core' | 'emulatorHttpClient'>,
): Promise<Result<OidcFor, PrintableError>> {
  const emulator = rt.global.emulator;
  if (emulator) {
    const health = await fetchEmulatorHealth(emulator, emulatorFetch(rt));
    if (health.isErr()) return err(health.error);
    const { projects } = health.value;
    return ok((project) => {
      const p = projects.find((x) => x.name.toLowerCase() === project.toLowerCase() || x.id === project.toLowerCase());
      return p ? { kind: 'devops', projectId: p.id, planId: randomUUID(), jobId: randomUUID() } : undefined;
    });
  }
  const requestUri = rt.io.env['SYSTEM_OIDCREQUESTURI'];
  const accessToken = rt.io.env['SYSTEM_ACCESSTOKEN'];
  if (requestUri && accessToken) return ok(() => ({ kind: 'pipeline', requestUri, accessToken }));
  return err({
    kind: 'Usage',
    message:
      '--exchange needs an OIDC token, so run it in a pipeline job with SYSTEM_ACCESSTOKEN mapped into the step (SYSTEM_OIDCREQUESTURI is set there), or against the emulator (--emulator).',
  });
}

/** What `--exchange` needs: where OIDC tokens come from, and the clients with the Entra token endpoint. */
interface Exchange {
  readonly oidcFor: OidcFor;
  readonly clients: ExchangeClients;
}

async function verifyOne(
  rt: Runtime,
  clients: WifClients,
  exchange: Exchange | undefined,
  c: {
    project: string;
    name: string;
    connectionId: string;
    /** The app, or (for a connection on a managed identity) the identity: verified over ARM, no Graph request. */
    on: { appObjectId: string } | { identity: { subscriptionId: string; resourceGroup: string; name: string } };
  },
): Promise<VerifiedConnection> {
  const { core } = rt;
  const signal = rt.abortSignal ? { abortSignal: rt.abortSignal } : {};
  const base = { project: c.project, name: c.name, connectionId: c.connectionId };
  const verified =
    'identity' in c.on
      ? await core.verifyManagedIdentitySubject(
          clients,
          { project: c.project, connectionId: c.connectionId, identity: c.on.identity },
          signal,
        )
      : await core.verifySubject(clients, { project: c.project, connectionId: c.connectionId, appObjectId: c.on.appObjectId }, signal);
  if (verified.isErr()) return { ...base, subject: 'failed', exchange: 'skipped', error: verified.error };
  const trustChain = verified.value;
  if (!exchange) return { ...base, subject: 'ok', exchange: 'skipped', trustChain };
  const oidc = exchange.oidcFor(c.project);
  if (!oidc)
    return {
      ...base,
      subject: 'ok',
      exchange: 'failed',
      trustChain,
      error: { kind: 'NotFound', message: `The emulator has no project ${c.project}.` },
    };
  const endpoints = rt.emulatorEndpoints;
  const exchanged = await core.verifyByExchange(
    exchange.clients,
    { project: c.project, connectionId: c.connectionId },
    {
      oidc,
      ...(endpoints ? { armEndpoint: endpoints.arm } : {}),
      ...(rt.emulatorHttpClient ? { httpClient: rt.emulatorHttpClient } : {}),
      ...(rt.logger ? { logger: rt.logger } : {}),
      ...signal,
    },
  );
  return exchanged.isOk()
    ? { ...base, subject: 'ok', exchange: 'ok', trustChain, exchangeReport: exchanged.value }
    : { ...base, subject: 'ok', exchange: 'failed', trustChain, error: exchanged.error };
}

export async function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const { core, printer } = rt;
  const prepared = await prepare(rt, inv.options);
  if (prepared.isErr()) return rt.fail(prepared.error);
  const { spec, clients } = prepared.value;
  let exchange: Exchange | undefined;
  if (inv.options['exchange'] === true) {
    const source = await oidcSourceFor(rt);
    if (source.isErr()) return rt.fail(source.error);
    const endpoints = rt.emulatorEndpoints;
    const entra = core.createEntraTokenClient({
      cloud: spec.cloud,
      userAgentPrefix: USER_AGENT,
      ...(endpoints ? { authority: endpoints.authority } : {}),
      ...(rt.emulatorHttpClient ? { httpClient: rt.emulatorHttpClient } : {}),
      ...(rt.logger ? { logger: rt.logger } : {}),
    });
    exchange = { oidcFor: source.value, clients: { ...clients, entra } };
  }

  // The plan is how the public API finds each connection's id and app from its name (reads only).
  const planned = await core.plan(clients, spec, rt.abortSignal ? { abortSignal: rt.abortSignal } : {});
  if (planned.isErr()) return rt.fail(planned.error);
  const progress = rt.progress();
  const results = await Promise.all(
    planned.value.connections.map(async (c): Promise<VerifiedConnection> => {
      progress.start(c.key, `${c.project}/${c.name}`);
      const sc = c.resources.find((r) => r.kind === 'serviceConnection');
      const app = c.resources.find((r) => r.kind === 'application');
      const identity = spec.connections.find((d) => d.key === c.key)?.managedIdentity;
      const on = identity
        ? { identity: { subscriptionId: identity.subscriptionId, resourceGroup: identity.resourceGroup, name: identity.name } }
        : app?.id
          ? { appObjectId: app.id }
          : undefined;
      const result: VerifiedConnection = c.error
        ? { project: c.project, name: c.name, connectionId: null, subject: 'failed', exchange: 'skipped', error: c.error }
        : !sc?.id || !on
          ? {
              project: c.project,
              name: c.name,
              connectionId: null,
              subject: 'failed',
              exchange: 'skipped',
              error: { kind: 'NotFound', message: `${c.name} does not exist in ${c.project} yet: run wif apply first.` },
            }
          : await verifyOne(rt, clients, exchange, { project: c.project, name: c.name, connectionId: sc.id, on });
      // Found under another name (renamed in the portal): its chain holds, but a pipeline that names
      // it as the spec does is told the connection does not exist.
      const renamedFrom = sc?.action === 'update' ? sc.changes.find((ch) => ch.field === 'name')?.from : undefined;
      const renamed =
        renamedFrom && renamedFrom.toLowerCase() !== c.name.toLowerCase() && !result.error
          ? {
              ...result,
              warnings: [
                `it is named "${renamedFrom}" in Azure DevOps: a pipeline that names ${c.name} does not find it (wif sync renames it back).`,
              ],
            }
          : result;
      progress.finish(c.key, !result.error, result.error ? result.error.kind : exchange ? 'verified by exchange' : 'trust chain matches');
      return renamed;
    }),
  );
  progress.stop();

  const failed = results.filter((r) => r.error);
  printer.data({ ok: failed.length === 0, organization: spec.organization, connections: results });
  if (!printer.json) {
    const { colors } = printer;
    const cell = (s: Check): string => (s === 'ok' ? colors.green('ok') : s === 'failed' ? colors.red('FAILED') : colors.dim('-'));
    printer.table(
      ['connection', 'subject', 'exchange', 'issuer', 'id'],
      results.map((r) => [
        `${r.project}/${r.name}`,
        cell(r.subject),
        cell(r.exchange),
        r.trustChain?.issuerFormat ?? '',
        r.connectionId ?? '',
      ]),
    );
    for (const r of results)
      for (const w of [...(r.trustChain?.warnings ?? []), ...(r.warnings ?? [])]) printer.note(`${colors.yellow('!')} ${r.name}: ${w}`);
    for (const r of failed) {
      printer.note(colors.bold(`${r.project}/${r.name}:`));
      printer.error(r.error!);
      if (r.error?.diagnosis) printDiagnoses(printer, [r.error.diagnosis], (t = '') => printer.note(t));
    }
    printer.line(
      failed.length === 0
        ? `All ${results.length} trust chain(s) verified${exchange ? ' by exchange' : ''}.`
        : colors.red(`${failed.length} of ${results.length} trust chain(s) broken.`),
    );
  }
  return failed.length === 0 ? EXIT.ok : EXIT.failure;
}
