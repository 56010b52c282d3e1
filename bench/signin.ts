/**
 * Sign-in on the critical path (docs/decisions/031-every-token-asked-for-once-and-early.md): a run as
 * the `wif` command line makes it (the access check's clients, then the run's with `sameCaller`, then
 * `plan` and `apply` of one new connection) with a credential that takes a while per token, as the
 * ones users sign in with do (`AzureCliCredential` runs `az account get-access-token`, ~0.5–1 s;
 * a pipeline's `AzurePipelinesCredential` asks Azure DevOps for an OIDC token, then Entra), with and
 * without `prefetchTokens` — the emulator's own credential answers at once, so no other row shows it.
 */
import { apply, checkAccess, createAccessClients, createClients, loadSpec, plan, prefetchTokens } from '@wif/core';
import { createTestCredential } from '@wif/testing';
import { benchSpec, fmtMs, median, withEmulator } from './_lib';

const LATENCY_IN_MS = 50;

/** One run: wall time from the access check to apply's report, and how many tokens the credential was asked for. */
async function run(delayInMs: number, prefetch: boolean, tag: string): Promise<{ wallInMs: number; asked: number }> {
  return withEmulator({ fake: { latencyInMs: LATENCY_IN_MS } }, async (emu) => {
    const inner = createTestCredential();
    let asked = 0;
    const credential = {
      getToken: async (scope: string | string[], options?: Parameters<typeof inner.getToken>[1]) => {
        asked++;
        await new Promise((resolve) => setTimeout(resolve, delayInMs));
        return inner.getToken(scope, options);
      },
    };
    const options = {
      credential,
      organization: 'contoso',
      endpoints: { graph: emu.endpoints.graph, arm: emu.endpoints.arm, devops: emu.endpoints.devops, authority: emu.endpoints.authority },
    };
    const spec = loadSpec(JSON.stringify(benchSpec([tag])))._unsafeUnwrap();
    const t0 = performance.now();
    const access = createAccessClients({ ...options, retry: { maxRetries: 0 } });
    const checked = checkAccess(access);
    const clients = createClients({ ...options, sameCaller: access });
    if (prefetch) prefetchTokens(clients);
    if ((await checked).isErr()) throw new Error('signin: the access check failed');
    const planned = (await plan(clients, spec))._unsafeUnwrap();
    const report = (await apply(clients, planned))._unsafeUnwrap();
    const wallInMs = performance.now() - t0;
    if (!report.ok) throw new Error('signin: apply did not converge');
    return { wallInMs, asked };
  });
}

/** The "Sign-in" section of docs/performance.md. */
export async function signInSection(out: (line?: string) => void, runs: number): Promise<void> {
  out('## Sign-in on the critical path');
  out();
  out(
    `One new connection at ${LATENCY_IN_MS} ms per request, run as \`wif apply --yes\` runs it in-process (the access check's clients, the run's clients sharing their tokens, \`plan\` with its preflight, \`apply\`), with a credential that waits before each token; wall time from the access check to apply's report, median of ${runs}, each on a fresh emulator. Without \`prefetchTokens\` each service's first token is asked for when its first request needs it; with it (what \`wif\` does), all of them while the access check is in flight.`,
  );
  out();
  out('| time per token | without `prefetchTokens` | with it | tokens asked for |');
  out('|---|---|---|---|');
  for (const delay of [0, 200, 700]) {
    const rows: Record<'off' | 'on', { wallInMs: number; asked: number }[]> = { off: [], on: [] };
    for (let i = 0; i < runs; i++) {
      rows.off.push(await run(delay, false, `si-${delay}-off-${i}`));
      rows.on.push(await run(delay, true, `si-${delay}-on-${i}`));
    }
    const asked = [...new Set([...rows.off, ...rows.on].map((r) => r.asked))].join(', ');
    out(
      `| ${delay} ms | ${fmtMs(median(rows.off.map((r) => r.wallInMs)))} | **${fmtMs(median(rows.on.map((r) => r.wallInMs)))}** | ${asked} |`,
    );
  }
  out();
  out(
    'The same run before tokens were shared and asked for early asked for 5 (the run’s Azure DevOps client and Graph’s token claims asked again); its figures are in docs/decisions/031-every-token-asked-for-once-and-early.md.',
  );
  out();
}
