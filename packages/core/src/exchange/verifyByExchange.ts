import { createArmClient, listRoleAssignments } from '@wif/arm';
import { authParameter, getServiceEndpoint, type ServiceEndpoint, workloadIdentity } from '@wif/devops';
import { type AccessTokenHandle, requestTokenWithClientAssertion } from '@wif/graph';
import {
  deferred,
  type CloudName,
  emit,
  type HttpError,
  invalidResponse,
  isLoopbackUrl,
  redact,
  resolveEndpoints,
  type TransportError,
} from '@wif/http';
import { err, errAsync, ok, okAsync, type Result, ResultAsync, safeTry } from 'neverthrow';
import * as z from 'zod';
import type { ConnectionConflictError, WifError } from '../errors';
import { retryThroughReplication } from '../_internal/replication';
import type { Diagnosis } from '../diagnose/types';
import { dataListScope } from '../target';
import { guidSchema, projectSchema, scopeSchema, validate } from '../validation';
import { oidcRequester } from './_oidc';
import { firstPage, resolveScope } from './_scope';
import type {
  ExchangeClients,
  ExchangeFailedError,
  ExchangeReport,
  ExchangeStage,
  OidcSource,
  VerifyByExchangeInput,
  VerifyByExchangeOptions,
} from './types';

const DEFAULT_PROPAGATION = { maxAttempts: 8, delayInMs: 5_000, maxDelayInMs: 60_000 } as const;
const HTTP_ERROR_KINDS = new Set(['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'Conflict', 'Throttled', 'ServiceUnavailable']);
const CLOUD_NAMES: ReadonlySet<string> = new Set<CloudName>(['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud']);

const httpsOrLoopback = (s: string): boolean => {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackUrl(s));
  } catch {
    return false;
  }
};
const urlSchema = (): z.ZodType<string> =>
  z.string({ error: 'must be a string' }).refine(httpsOrLoopback, 'must be an absolute https URL (http only to 127.0.0.1/localhost)');

// Built on first use, as the steps' input schemas: `wif plan` never proves a connection (start-up).

const inputSchema = deferred(() => z.strictObject({ project: projectSchema, connectionId: guidSchema, scope: scopeSchema.optional() }));
const optionsSchema = deferred(() =>
  z.object({
    oidc: z.discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('pipeline'),
        requestUri: urlSchema(),
        accessToken: z.string({ error: 'must be a string' }).min(1, 'is empty'),
      }),
      z.strictObject({
        kind: z.literal('devops'),
        projectId: guidSchema,
        hubName: z
          .string()
          .regex(/^[A-Za-z]{1,32}$/, 'is not a hub name (e.g. build)')
          .optional(),
        planId: guidSchema,
        jobId: guidSchema,
      }),
    ]),
    armEndpoint: urlSchema().optional(),
  }),
);

/** What the proof needs from the connection. */
interface Connection {
  readonly id: string;
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
  readonly appId: string;
  readonly tenantId: string;
  readonly cloud: CloudName;
  /** `/subscriptions/{id}` or the management group the connection targets. */
  readonly target: string | undefined;
}

/** A failed stage, carried through the propagation retry. */
interface StageFailure {
  readonly kind: 'StageFailure';
  readonly stage: ExchangeStage;
  readonly error: TransportError;
  readonly propagating: boolean;
  readonly diagnosis?: Diagnosis | undefined;
}

const now = (): number => performance.now();
const ms = (since: number): number => Math.round(now() - since);

/** Measures a call, whether it succeeds or fails. */
function timed<T, E>(work: ResultAsync<T, E>, add: (inMs: number) => void): ResultAsync<T, E> {
  const started = now();
  return new ResultAsync(
    Promise.resolve(work).then((r) => {
      add(now() - started);
      return r;
    }),
  );
}

/** The project the job runs in: the source's, or the segment before `/_apis/` of the request URI. */
function jobProject(source: OidcSource): string | undefined {
  if (source.kind === 'devops') return source.projectId;
  const segment = /\/([^/]+)\/_apis\/distributedtask\//i.exec(new URL(source.requestUri).pathname)?.[1];
  return segment === undefined ? undefined : decodeURIComponent(segment);
}

const isHttpError = (e: { kind: string }): e is HttpError => HTTP_ERROR_KINDS.has(e.kind);

function readConnection(endpoint: ServiceEndpoint): Result<Connection, WifError> {
  const { issuer, subject } = workloadIdentity(endpoint);
  const scheme = endpoint.authorization?.scheme ?? 'unknown';
  if (scheme !== 'WorkloadIdentityFederation') {
    return err<never, ConnectionConflictError>({
      kind: 'ConnectionConflict',
      reason: scheme === 'ServicePrincipal' ? 'UsesSecret' : 'OtherScheme',
      connectionId: endpoint.id,
      name: endpoint.name,
      project: endpoint.serviceEndpointProjectReferences?.[0]?.projectReference.name ?? '',
      message: `Connection "${endpoint.name}" uses scheme ${scheme}, not workload identity federation: there is no OIDC token to exchange. Convert it first (wif migrate).`,
    });
  }
  const appId = authParameter(endpoint, 'serviceprincipalid');
  const tenantId = authParameter(endpoint, 'tenantid');
  if (!issuer || !subject || !appId || !tenantId) {
    return err(
      invalidResponse('devops', 'GET serviceendpoint', 200, [
        {
          path: 'authorization.parameters',
          message: `connection ${endpoint.name} lacks workloadIdentityFederationIssuer/Subject, serviceprincipalid or tenantid`,
        },
      ]),
    );
  }
  const data = endpoint.data ?? {};
  const environment = data['environment'] ?? 'AzureCloud';
  return ok({
    id: endpoint.id,
    name: endpoint.name,
    issuer,
    subject,
    appId,
    tenantId,
    // Azure Stack and other environments have no preset: the public cloud's scope is then refused
    // at the exchange with an AADSTS error, which says more than a guess would.
    cloud: CLOUD_NAMES.has(environment) ? (environment as CloudName) : 'AzureCloud',
    target: dataListScope(data),
  });
}

/**
 * Proves the trust chain end to end, beyond comparing strings: requests an OIDC token for the
 * connection, exchanges it at the Entra token endpoint, and calls ARM at the connection's scope
 * with the exchanged token.
 *
 * Calls, in order: `GET /{org}/{project}/_apis/serviceendpoint/endpoints/{id}`; to pick the scope
 * when none is given, `GET /servicePrincipals(appId='…')` and
 * `GET {target}/providers/Microsoft.Authorization/roleAssignments?$filter=principalId eq '…'`
 * (operator's clients); then per attempt the OIDC token (`POST …/oidctoken?serviceConnectionId=…`,
 * from the job's `System.OidcRequestUri` or through the Azure DevOps client) and
 * `POST {authority}/{tenantid}/oauth2/v2.0/token` (client credentials with the token as
 * `client_assertion`, `client_id` = the connection's `serviceprincipalid`); finally, with the
 * exchanged token, `GET {scope}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()`.
 *
 * AADSTS70021 for a credential that matches exactly (checked live once, with `diagnose`) is
 * propagation: retried with bounded back-off (`propagation`), each attempt with a fresh OIDC token
 * (an assertion is never reused: AADSTS700024); the report says how long it took. A 70021 for a
 * real mismatch fails at once.
 *
 * Permission: read on the connection, Graph read of service principals, ARM
 * `roleAssignments/read` for the operator; the pipeline's own access token for the `pipeline`
 * source. Sends no write: safe to re-run.
 * Errors: `ExchangeFailed` (`stage` `oidc`, `exchange` or `arm`, with the service's code, AADSTS
 * numbers and a `diagnosis`), `Validation`, `ConnectionConflict` (not a federated connection),
 * `NotFound` (connection), `InvalidResponse`, `Network`, `Authentication`, `Aborted`, and the
 * errors of the operator's reads. No token appears in the report, an error or a log line.
 *
 * @example
 * const entra = createEntraTokenClient();
 * const report = await verifyByExchange({ ...clients, entra }, { project: 'web', connectionId },
 *   { oidc: { kind: 'pipeline', requestUri: process.env.SYSTEM_OIDCREQUESTURI!, accessToken: process.env.SYSTEM_ACCESSTOKEN! } });
 */
export function verifyByExchange(
  clients: ExchangeClients,
  input: VerifyByExchangeInput,
  options: VerifyByExchangeOptions,
): ResultAsync<ExchangeReport, WifError | ExchangeFailedError> {
  const validInput = validate(inputSchema, input);
  if (validInput.isErr()) return errAsync(validInput.error);
  const validOptions = validate(optionsSchema, { oidc: options.oidc, armEndpoint: options.armEndpoint });
  if (validOptions.isErr()) return errAsync(validOptions.error);
  const v = validInput.value;
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const log = (level: 'info' | 'warn', message: string): void => emit(options.logger, { level, message });
  const started = now();
  const requestOidc = oidcRequester(clients.devops, options.oidc, options.logger);

  /**
   * The diagnosis of a refused stage, with live state (a failed diagnosis is left out). An OIDC
   * request is refused in the job's project, which may not be the connection's.
   */
  // The diagnoser (its catalogue and parsers) is loaded on the first refusal, not with the SDK: a
  // CLI bundle would otherwise load it for every command that imports `@wif/core`.
  const diagnosed = (text: string, stage: ExchangeStage): ResultAsync<Diagnosis | undefined, never> =>
    ResultAsync.fromPromise(import('../diagnose/diagnose'), () => undefined)
      .andThen(({ diagnose }) =>
        diagnose(
          clients,
          { text, project: (stage === 'oidc' ? jobProject(options.oidc) : undefined) ?? v.project, connectionId: v.connectionId },
          opts,
        ),
      )
      .map((list): Diagnosis | undefined => list[0])
      .orElse(() => ok(undefined));

  const failed = (stage: ExchangeStage, error: TransportError, diagnosis: Diagnosis | undefined, note = ''): ExchangeFailedError => ({
    kind: 'ExchangeFailed',
    stage,
    ...(isHttpError(error) && error.code !== undefined ? { code: error.code } : {}),
    ...(isHttpError(error) && error.errorCodes !== undefined ? { errorCodes: [...error.errorCodes] } : {}),
    ...(isHttpError(error) ? { status: error.status } : {}),
    message: redact(
      `The trust chain failed at the ${stage} stage${note}: ${error.message}${diagnosis ? ` Diagnosis (${diagnosis.cause}): ${diagnosis.summary}` : ''}`,
    ),
    ...(diagnosis ? { diagnosis } : {}),
  });

  /** A refused request becomes ExchangeFailed with a diagnosis; no answer at all stays what it is. */
  const fail = (failure: StageFailure, note = ''): ResultAsync<never, WifError | ExchangeFailedError> =>
    !isHttpError(failure.error)
      ? errAsync(failure.error)
      : (failure.diagnosis ? okAsync(failure.diagnosis) : diagnosed(failure.error.message, failure.stage)).andThen((d) =>
          errAsync(failed(failure.stage, failure.error, d, note)),
        );

  return safeTry(async function* () {
    let readConnectionInMs = 0;
    const endpoint = yield* timed(getServiceEndpoint(clients.devops, v.project, v.connectionId, opts), (t) => (readConnectionInMs = t));
    const connection = yield* readConnection(endpoint);
    const endpoints = resolveEndpoints(connection.cloud);

    let resolveScopeInMs = 0;
    const target = yield* timed(resolveScope(clients, connection, v.scope, opts), (t) => (resolveScopeInMs = t));
    log('info', `exchange: connection "${connection.name}" (app ${connection.appId}), ARM scope ${target.scope} (${target.source})`);

    let attempts = 0;
    let oidcInMs = 0;
    let exchangeInMs = 0;
    let firstPropagationAt: number | undefined;
    let checked: { diagnosis: Diagnosis | undefined } | undefined;

    /** On AADSTS70021, decide once (live) whether it is propagation or a real mismatch. */
    const onExchangeError = (error: TransportError): ResultAsync<never, StageFailure> => {
      const stage = (propagating: boolean, diagnosis?: Diagnosis): StageFailure => ({
        kind: 'StageFailure',
        stage: 'exchange',
        error,
        propagating,
        diagnosis,
      });
      if (!(isHttpError(error) && error.errorCodes?.includes(70021))) return errAsync(stage(false));
      firstPropagationAt ??= now();
      const decided = checked
        ? okAsync(checked.diagnosis)
        : diagnosed(error.message, 'exchange').map((d) => (checked = { diagnosis: d }).diagnosis);
      return decided.andThen((d) => {
        const propagating = d === undefined || d.cause === 'CredentialPropagation';
        if (propagating)
          log(
            'warn',
            `exchange attempt ${attempts}: AADSTS70021 while the credential matches exactly (propagation); retrying with back-off`,
          );
        return errAsync(stage(propagating, d));
      });
    };

    const attempt = (): ResultAsync<AccessTokenHandle, StageFailure> => {
      attempts += 1;
      // A fresh OIDC token for every attempt: assertions are never cached (docs/reference/federation.md §5, 700024).
      return timed(requestOidc(connection.id, opts), (t) => (oidcInMs += t))
        .mapErr((error): StageFailure => ({ kind: 'StageFailure', stage: 'oidc', error, propagating: false }))
        .andThen((assertion) =>
          timed(
            requestTokenWithClientAssertion(
              clients.entra,
              { tenantId: connection.tenantId, clientId: connection.appId, scope: endpoints.armScope, clientAssertion: assertion },
              opts,
            ),
            (t) => (exchangeInMs += t),
          ).orElse(onExchangeError),
        );
    };

    const exchanged = await retryThroughReplication(
      attempt,
      (e) => e.kind === 'StageFailure' && e.propagating,
      options.propagation ?? DEFAULT_PROPAGATION,
      options.abortSignal,
    );
    if (exchanged.isErr()) {
      const e = exchanged.error;
      if (e.kind === 'Aborted') return err(e);
      return yield* fail(e, e.propagating ? ` after ${attempts} attempts over ${ms(firstPropagationAt ?? started)} ms of propagation` : '');
    }
    const propagationWaitInMs = firstPropagationAt === undefined ? 0 : ms(firstPropagationAt);
    log(
      'info',
      `exchange: token issued after ${attempts} attempt(s)${propagationWaitInMs > 0 ? `, ${propagationWaitInMs} ms of propagation` : ''}`,
    );

    // Why this call: listing role assignments at the scope (atScope()) needs only
    // Microsoft.Authorization/roleAssignments/read, which every built-in role grants (Reader's
    // */read included); it works at every scope level without knowing which resources exist, and
    // reads no data. A 200 proves ARM accepts the exchanged token and that the service principal
    // holds a role at or above the scope.
    const arm = createArmClient({
      credential: exchanged.value.asCredential(),
      endpoint: options.armEndpoint ?? endpoints.arm,
      scope: endpoints.armScope,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.httpClient ? { httpClient: options.httpClient } : {}),
    });
    let armInMs = 0;
    const called = await timed(firstPage(listRoleAssignments(arm, target.scope, { atScope: true }, opts)), (t) => (armInMs = t));
    if (called.isErr()) {
      if (called.error.kind === 'Aborted') return err(called.error);
      return yield* fail({ kind: 'StageFailure', stage: 'arm', error: called.error, propagating: false });
    }

    return ok<ExchangeReport, WifError | ExchangeFailedError>({
      connection: { id: connection.id, name: connection.name, project: v.project },
      appId: connection.appId,
      tenantId: connection.tenantId,
      issuer: connection.issuer,
      subject: connection.subject,
      scope: target.scope,
      scopeSource: target.source,
      timings: {
        readConnectionInMs: Math.round(readConnectionInMs),
        resolveScopeInMs: Math.round(resolveScopeInMs),
        oidcInMs: Math.round(oidcInMs),
        exchangeInMs: Math.round(exchangeInMs),
        armInMs: Math.round(armInMs),
        totalInMs: ms(started),
      },
      exchangeAttempts: attempts,
      propagationWaitInMs,
    });
  });
}
