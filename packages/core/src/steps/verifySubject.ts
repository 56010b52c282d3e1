import {
  type Application,
  type FederatedIdentityCredential,
  getApplication,
  type GraphClient,
  listFederatedIdentityCredentials,
} from '@wif/graph';
import { authParameter, type DevOpsClient, getServiceEndpoint, type ServiceEndpoint, workloadIdentity } from '@wif/devops';
import { deferred, invalidResponse, type TransportError, type ValidationError, type OperationOptions } from '@wif/http';
import { err, errAsync, ok, okAsync, type Result, ResultAsync, safeTry } from 'neverthrow';
import * as z from 'zod';
import { FEDERATION_AUDIENCE, issuerKind, LEGACY_ISSUER_RETIREMENT_DATE } from '../constants';
import type { AudienceMismatchError, IdentityMismatchError, MultiTenantAppError, SubjectMismatchError } from '../errors';
import { describeDifference, firstDifference, similarity } from '../_internal/compare';
import { isLiveAppCredential } from '../_internal/appSecrets';
import type { StepOptions } from '../types';
import { guidSchema, projectSchema, validate } from '../validation';

export interface VerifySubjectInput {
  /** Project name or id the connection is in. */
  readonly project: string;
  readonly connectionId: string;
  /**
   * The app the connection should be bound to (object id). Default: the app whose client id the
   * connection names in `serviceprincipalid`.
   */
  readonly appObjectId?: string;
}

/** A verified trust chain: connection → issuer + subject → credential on the app. */
export interface TrustChainReport {
  readonly connectionId: string;
  readonly connectionName: string;
  readonly appId: string;
  readonly appObjectId: string;
  readonly issuer: string;
  readonly subject: string;
  readonly issuerFormat: 'entra' | 'legacy' | 'other';
  readonly credential: { readonly id: string; readonly name: string };
  readonly signInAudience: string;
  /** Things that work today but need attention (e.g. the legacy issuer's retirement). */
  readonly warnings: readonly string[];
}

export type VerifySubjectError =
  ValidationError | TransportError | SubjectMismatchError | AudienceMismatchError | MultiTenantAppError | IdentityMismatchError;

const APP_FIELDS = ['id', 'appId', 'displayName', 'signInAudience', 'passwordCredentials', 'keyCredentials'] as const;

const inputSchema = deferred(() =>
  z.strictObject({
    project: projectSchema,
    connectionId: guidSchema,
    appObjectId: guidSchema.optional(),
  }),
);

/**
 * Proves the trust chain by comparing strings exactly, before any pipeline runs: the connection's
 * issuer and subject (read from Azure DevOps) against the app's federated credentials (read from Graph).
 *
 * Calls `GET /{org}/{project}/_apis/serviceendpoint/endpoints/{id}`, `GET /applications(appId='…')`
 * (or `/applications/{id}`) and `GET /applications/{id}/federatedIdentityCredentials` — all three at
 * once when `appObjectId` is given. Sends no write.
 *
 * Permission: read on the service connection; Graph `Application.Read.All` (or ownership).
 * Safe to re-run. A mismatch is a `SubjectMismatch` error with both strings, the first differing
 * position and a hint ("differs only in letter case", "credential still on the legacy issuer", …);
 * a wrong audience is `AudienceMismatch`; a multi-tenant app behind the Entra issuer is
 * `MultiTenantApp` (AADSTS70052 at run time); a connection bound to another app is `IdentityMismatch`.
 *
 * @example
 * const report = await verifySubject({ graph, devops }, { project: 'platform', connectionId: sc.id });
 * if (report.isErr() && report.error.kind === 'SubjectMismatch') console.error(report.error.hint);
 */
export function verifySubject(
  deps: { readonly graph: GraphClient; readonly devops: DevOpsClient },
  input: VerifySubjectInput,
  options: StepOptions = {},
): ResultAsync<TrustChainReport, VerifySubjectError> {
  const valid = validate(inputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const v = valid.value;
  const opts: OperationOptions = options;

  return safeTry(async function* () {
    // With the app's object id known, the three reads are independent: send them together.
    const [endpoint, known] = yield* await ResultAsync.combine([
      getServiceEndpoint(deps.devops, v.project, v.connectionId, opts),
      v.appObjectId
        ? ResultAsync.combine([
            getApplication(deps.graph, { id: v.appObjectId }, { ...opts, select: APP_FIELDS }),
            listFederatedIdentityCredentials(deps.graph, v.appObjectId, opts),
          ])
        : okAsync(undefined),
    ] as const);
    const { issuer, subject, clientId: appId } = yield* presentedIdentity(endpoint);
    const app: Application = known ? known[0] : yield* await getApplication(deps.graph, { appId }, { ...opts, select: APP_FIELDS });
    if (app.appId.toLowerCase() !== appId.toLowerCase()) {
      return err<never, IdentityMismatchError>({
        kind: 'IdentityMismatch',
        field: 'appId',
        connection: endpoint.name,
        expected: app.appId,
        message: `Connection "${endpoint.name}" uses app ${appId}, not ${app.appId}. Point the connection at the right app, or verify the app it names.`,
      });
    }
    const credentials = known ? known[1] : yield* await listFederatedIdentityCredentials(deps.graph, app.id, opts);
    const format = issuerKind(issuer);

    const exact = yield* exactCredential(endpoint, app.id, { issuer, subject }, credentials, {
      on: '',
      fix: 'Re-run bindFederatedCredential to fix it.',
    });
    const signInAudience = app.signInAudience ?? 'AzureADMyOrg';
    if (format === 'entra' && signInAudience !== 'AzureADMyOrg') {
      return err<never, MultiTenantAppError>({
        kind: 'MultiTenantApp',
        appId: app.appId,
        signInAudience,
        message: `App ${app.appId} is ${signInAudience}; the Entra issuer only accepts single-tenant apps (AADSTS70052). Set signInAudience to AzureADMyOrg (registerApp does).`,
      });
    }
    const warnings = connectionWarnings(
      endpoint,
      format,
      ` for single-tenant apps in the public cloud: convert it to the Entra issuer (convertIssuer, or the portal's "Update"; wif sync then rebinds the credential).`,
      [
        ...(signInAudience !== 'AzureADMyOrg' ? [`App ${app.appId} is ${signInAudience}; prefer single-tenant (AzureADMyOrg).`] : []),
        ...secretWarnings(app),
      ],
    );
    return ok({
      connectionId: endpoint.id,
      connectionName: endpoint.name,
      appId: app.appId,
      appObjectId: app.id,
      issuer,
      subject,
      issuerFormat: format,
      credential: { id: exact.id, name: exact.name },
      signInAudience,
      warnings,
    });
  });
}

/**
 * The issuer, subject and client id (`serviceprincipalid`) a connection presents, or
 * `InvalidResponse` when it is not a workload identity connection naming a client.
 */
export function presentedIdentity(
  endpoint: ServiceEndpoint,
): Result<{ readonly issuer: string; readonly subject: string; readonly clientId: string }, TransportError> {
  const { issuer, subject } = workloadIdentity(endpoint);
  const clientId = authParameter(endpoint, 'serviceprincipalid');
  if (!issuer || !subject || !clientId) {
    return err(
      invalidResponse('devops', 'GET serviceendpoint', 200, [
        {
          path: 'authorization.parameters',
          message: `connection ${endpoint.name} has no workload identity issuer/subject or serviceprincipalid (scheme ${endpoint.authorization?.scheme ?? 'unknown'})`,
        },
      ]),
    );
  }
  return ok({ issuer, subject, clientId });
}

/**
 * The credential with exactly the issuer and subject the connection presents and the one audience
 * Entra accepts: else `SubjectMismatch` (see {@link mismatch}) or `AudienceMismatch`. `wording.on`
 * names where the credential lives in the message (" on managed identity x", or ""); `wording.fix`
 * tells how to repair the audience.
 */
export function exactCredential<C extends Pick<FederatedIdentityCredential, 'id' | 'name' | 'issuer' | 'subject' | 'audiences'>>(
  connection: { readonly id: string; readonly name: string },
  ownerObjectId: string,
  presented: { readonly issuer: string; readonly subject: string },
  credentials: readonly C[],
  wording: { readonly on: string; readonly fix: string },
): Result<C, SubjectMismatchError | AudienceMismatchError> {
  const { issuer, subject } = presented;
  const exact = credentials.find((c) => c.issuer === issuer && c.subject === subject);
  if (!exact) return err(mismatch(connection.id, connection.name, ownerObjectId, issuer, subject, credentials));
  if (!(exact.audiences.length === 1 && exact.audiences[0] === FEDERATION_AUDIENCE)) {
    return err({
      kind: 'AudienceMismatch',
      expected: FEDERATION_AUDIENCE,
      actual: exact.audiences,
      credentialName: exact.name,
      appObjectId: ownerObjectId,
      message: `Credential "${exact.name}"${wording.on} has audiences ${JSON.stringify(exact.audiences)}; it must be exactly ["${FEDERATION_AUDIENCE}"] (AADSTS700212 otherwise). ${wording.fix}`,
    });
  }
  return ok(exact);
}

/**
 * What works today but needs attention on a verified connection: the legacy issuer's retirement
 * (`legacyAdvice` follows the retirement date in the message), then `more` from the caller, then a
 * connection that is not ready.
 */
export function connectionWarnings(
  endpoint: Pick<ServiceEndpoint, 'name' | 'isReady'>,
  format: ReturnType<typeof issuerKind>,
  legacyAdvice: string,
  more: readonly string[] = [],
): string[] {
  const warnings: string[] = [];
  if (format === 'legacy') {
    warnings.push(
      `Connection "${endpoint.name}" still uses the Azure DevOps issuer, retired on ${LEGACY_ISSUER_RETIREMENT_DATE}${legacyAdvice}`,
    );
  }
  warnings.push(...more);
  if (endpoint.isReady === false) warnings.push(`Connection "${endpoint.name}" is not ready (isReady: false).`);
  return warnings;
}

/**
 * The app of a federated connection still holds a client secret or certificate that has not
 * expired: it works without one, and whoever has it signs in as the identity outside any pipeline
 * (`AppHasSecret` in the audit). After `convertConnectionScheme`, Azure DevOps may need it for its
 * 7-day revert. Named by key id, never by value.
 */
export function secretWarnings(
  app: Pick<Application, 'appId' | 'passwordCredentials' | 'keyCredentials'>,
  nowInMs: number = Date.now(),
): string[] {
  const live = [...(app.passwordCredentials ?? []), ...(app.keyCredentials ?? [])].filter((c) =>
    isLiveAppCredential(c.endDateTime, nowInMs),
  );
  if (live.length === 0) return [];
  return [
    `App ${app.appId} still holds ${live.length === 1 ? 'a client secret or certificate' : `${live.length} client secrets or certificates`} (key id ${live.map((c) => c.keyId ?? '?').join(', ')}), which workload identity federation does not need: whoever has one signs in as this identity outside any pipeline. Remove it (az ad app credential delete --id ${app.appId} --key-id ${live.length === 1 ? (live[0]!.keyId ?? 'KEY_ID') : 'KEY_ID'}; --cert for a certificate); after a conversion in place, once its 7-day revert window is over.`,
  ];
}

/** Explains why no credential matches, naming the closest one. */
export function mismatch(
  connectionId: string,
  connectionName: string,
  appObjectId: string,
  issuer: string,
  subject: string,
  credentials: readonly Pick<FederatedIdentityCredential, 'name' | 'issuer' | 'subject'>[],
): SubjectMismatchError {
  const base = { kind: 'SubjectMismatch' as const, connectionId, appObjectId };
  const fix = 'Re-run bindFederatedCredential with the values the connection reports (wif sync does this).';
  if (credentials.length === 0) {
    return {
      ...base,
      field: 'subject',
      expected: subject,
      actual: null,
      firstDifferenceAt: -1,
      hint: 'the app has no federated credential',
      message: `No federated credential on the app for connection "${connectionName}" (AADSTS70025 at run time). ${fix}`,
    };
  }
  const sameIssuer = credentials.filter((c) => c.issuer === issuer);
  if (sameIssuer.length > 0) {
    const closest = [...sameIssuer].sort((a, b) => similarity(subject, b.subject) - similarity(subject, a.subject))[0]!;
    const hint = describeDifference(subject, closest.subject);
    return {
      ...base,
      field: 'subject',
      expected: subject,
      actual: closest.subject,
      firstDifferenceAt: firstDifference(subject, closest.subject),
      hint,
      message: `The subject of credential "${closest.name}" ${hint}: the connection presents "${subject}", the credential expects "${closest.subject}" (AADSTS700213/70021 at run time). ${fix}`,
    };
  }
  const kind = issuerKind(issuer);
  const legacyOnes = credentials.filter((c) => issuerKind(c.issuer) === 'legacy');
  const closest = [...credentials].sort((a, b) => similarity(issuer, b.issuer) - similarity(issuer, a.issuer))[0]!;
  const hint =
    kind === 'entra' && legacyOnes.length > 0
      ? 'credential still on the legacy issuer'
      : kind === 'legacy' && credentials.some((c) => issuerKind(c.issuer) === 'entra')
        ? 'credential is on the Entra issuer but the connection still presents the legacy issuer'
        : `no credential for this issuer (closest ${describeDifference(issuer, closest.issuer)})`;
  return {
    ...base,
    field: 'issuer',
    expected: issuer,
    actual: closest.issuer,
    firstDifferenceAt: firstDifference(issuer, closest.issuer),
    hint,
    message: `No credential on the app has the issuer the connection presents ("${issuer}"): ${hint} (AADSTS700211 at run time). ${fix}`,
  };
}
