/**
 * Credentials the way Azure users already have them. `@azure/identity` costs ~110 ms to import from
 * the executable's chunk (200–300 ms from node_modules;
 * docs/decisions/032-the-executable-bundles-azure-identity.md), so it is loaded here, inside a
 * command, never at startup.
 *
 * - Entra (Graph, ARM, and Azure DevOps unless a PAT is used): `AzurePipelinesCredential` inside an
 *   Azure Pipelines job whose AzureCLI@2/AzurePowerShell@5 task exposes its WIF service connection
 *   (`AZURESUBSCRIPTION_*`, `SYSTEM_OIDCREQUESTURI`, `SYSTEM_ACCESSTOKEN`); otherwise
 *   `DefaultAzureCredential` (environment variables, workload identity, managed identity, `az login`, …).
 * - Azure DevOps: a PAT from `AZURE_DEVOPS_EXT_PAT` (or the job's `SYSTEM_ACCESSTOKEN`) where Entra
 *   auth to Azure DevOps is not set up (`--devops-auth auto|entra|pat`).
 * - `--emulator`: the development credential of `@wif/testing` (unsigned test tokens).
 */
import type { TokenCredential } from '@azure/core-auth';
import type { CreateClientsOptions } from '@wif/core';
import { err, ok, type Result } from 'neverthrow';
import type { DevOpsAuthMode } from './args';

export interface Auth {
  /** For Graph and ARM, and Azure DevOps unless `devopsCredential` is set. */
  readonly credential: TokenCredential;
  readonly devopsCredential?: CreateClientsOptions['devopsCredential'];
  /** Which credentials were picked, for `--verbose` (names of classes and variables, never values). */
  readonly description: string;
}

/** A usage error (a missing PAT), or a credential that cannot be made here. */
export interface AuthError {
  readonly kind: 'Usage' | 'Authentication';
  readonly message: string;
}

type Env = Readonly<Record<string, string | undefined>>;
const set = (env: Env, name: string): string | undefined => (env[name] ? env[name] : undefined);

/** The variables `AzurePipelinesCredential` needs, when all are present. */
export function pipelineIdentity(
  env: Env,
): { tenantId: string; clientId: string; serviceConnectionId: string; systemAccessToken: string } | undefined {
  const tenantId = set(env, 'AZURESUBSCRIPTION_TENANT_ID');
  const clientId = set(env, 'AZURESUBSCRIPTION_CLIENT_ID');
  const serviceConnectionId = set(env, 'AZURESUBSCRIPTION_SERVICE_CONNECTION_ID');
  const systemAccessToken = set(env, 'SYSTEM_ACCESSTOKEN');
  if (!tenantId || !clientId || !serviceConnectionId || !systemAccessToken || !set(env, 'SYSTEM_OIDCREQUESTURI')) return undefined;
  return { tenantId, clientId, serviceConnectionId, systemAccessToken };
}

type Claims = Record<string, unknown>;

/**
 * `GET {emulator}/_emulator/permissions`: the claims the emulator's caller has; `undefined` when
 * unreachable. Through the process's shared client of `@wif/http` (not `fetch`: the first `fetch` of
 * a process loads Node's fetch implementation, which nothing else in `wif` needs), so that the run's
 * requests to the emulator go on over the connection this one opened; for `wif emulator --tls`,
 * through a client that trusts `ca`, the emulator's CA, as the run's clients do.
 */
async function emulatorClaims(url: string, ca: string | undefined): Promise<{ graph: Claims; other: Claims } | undefined> {
  const target = `${url.replace(/\/+$/, '')}/_emulator/permissions`;
  const { createNodeHttpClient, sharedNodeHttpClient } = await import('@wif/http');
  const answer = await (ca === undefined ? sharedNodeHttpClient() : createNodeHttpClient({ ca }))
    .send({ url: target, method: 'GET', headers: { Accept: 'application/json' }, timeoutInMs: 5_000 })
    .catch(() => undefined);
  const text = answer && answer.status >= 200 && answer.status < 300 ? answer.bodyText : undefined;
  try {
    const body = (text === undefined ? undefined : JSON.parse(text)) as { claims?: { graph?: Claims; other?: Claims } } | undefined;
    return body?.claims?.graph && body.claims.other ? { graph: body.claims.graph, other: body.claims.other } : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves the credentials for this run. A usage error when `--devops-auth pat` has no token to use. */
export async function resolveAuth(
  env: Env,
  options: {
    readonly emulator?: string;
    readonly devopsAuth: DevOpsAuthMode;
    /** The CA (PEM) that `wif emulator --tls` signs with, trusted for its claims as for the run's requests. */
    readonly emulatorCa?: string;
  },
): Promise<Result<Auth, AuthError>> {
  for (const name of ['AZURE_DEVOPS_EXT_PAT', 'SYSTEM_ACCESSTOKEN']) {
    const value = env[name];
    if (value !== undefined && value !== '' && value.trim() === '')
      return err({ kind: 'Usage', message: `${name} is set but holds only whitespace: set it to the token, or unset it.` });
    if (value !== undefined && /[\s\p{Cc}\p{Cf}]/u.test(value.trim()))
      return err({ kind: 'Usage', message: `${name} holds whitespace or control characters inside the token. Set it to the token alone.` });
  }
  const patName = set(env, 'AZURE_DEVOPS_EXT_PAT')
    ? 'AZURE_DEVOPS_EXT_PAT'
    : set(env, 'SYSTEM_ACCESSTOKEN')
      ? 'SYSTEM_ACCESSTOKEN'
      : undefined;
  if (options.devopsAuth === 'pat' && !patName) {
    return err({ kind: 'Usage', message: '--devops-auth pat needs AZURE_DEVOPS_EXT_PAT (or SYSTEM_ACCESSTOKEN in a pipeline).' });
  }
  const usePat = patName !== undefined && (options.devopsAuth === 'pat' || (options.devopsAuth === 'auto' && !options.emulator));
  let devopsCredential: Auth['devopsCredential'];
  if (usePat) {
    const { PersonalAccessTokenCredential } = await import('@wif/core/access');
    devopsCredential = new PersonalAccessTokenCredential(env[patName] ?? '');
  }
  // Not "PAT <word>": redaction takes the word after "PAT" for a token.
  const devopsNote = usePat ? `; Azure DevOps: personal access token in ${patName}` : '';

  if (options.emulator) {
    // The credential alone: `import('@wif/testing')` would load the whole fake into `wif` (~300 ms).
    const { createTestCredential } = await import('@wif/testing/credential');
    // The emulator may be playing a caller who lacks permissions: mint tokens with the claims it says.
    const claims = await emulatorClaims(options.emulator, options.emulatorCa);
    return ok({
      credential: createTestCredential(
        claims ? { claims: (scope: string) => (/graph\.microsoft\.com/i.test(scope) ? claims.graph : claims.other) } : {},
      ),
      ...(devopsCredential ? { devopsCredential } : {}),
      description: `emulator development credential${devopsNote}`,
    });
  }
  const identity = await import('@azure/identity');
  const pipeline = pipelineIdentity(env);
  let credential: TokenCredential;
  try {
    credential = pipeline
      ? new identity.AzurePipelinesCredential(
          pipeline.tenantId,
          pipeline.clientId,
          pipeline.serviceConnectionId,
          pipeline.systemAccessToken,
        )
      : new identity.DefaultAzureCredential();
  } catch (e) {
    // AzurePipelinesCredential checks the job's variables in process.env when it is made.
    return err({ kind: 'Authentication', message: `${(e as Error).name}: ${(e as Error).message}` });
  }
  const name = pipeline ? `AzurePipelinesCredential (service connection ${pipeline.serviceConnectionId})` : 'DefaultAzureCredential';
  return ok({ credential, ...(devopsCredential ? { devopsCredential } : {}), description: `${name}${devopsNote}` });
}
