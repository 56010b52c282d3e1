/**
 * The in-place conversions by connection name, planned first and recorded in the migration journal:
 * what `wif migrate convert --scheme|--issuer` runs. The conversions themselves (and their refusals)
 * are {@link convertConnectionScheme} and {@link convertIssuer}.
 */
import { getServiceEndpointsByNames, type ServiceEndpoint, workloadIdentity } from '@wif/devops';
import { httpError, type ValidationError } from '@wif/http';
import { err, errAsync, ok, type Result, type ResultAsync, safeTry } from 'neverthrow';
import * as z from 'zod';
import type { TrustChainReport } from '../steps/verifySubject';
import type { Converged } from '../types';
import { connectionNameSchema, projectSchema, validate } from '../validation';
import type { WifClients } from '../workflows/clients';
import { convertConnectionScheme, type ConvertOptions } from './convertConnectionScheme';
import { convertIssuer } from './convertIssuer';
import type { MigrationError } from './errors';
import { type ConversionRecord, type JournalStore, listConversions, saveConversion } from './journal';

/** Which conversion: the secret scheme to federation, or the Azure DevOps issuer to the Entra issuer. */
export type ConversionKind = 'scheme' | 'issuer';

/** A connection to convert, by name. */
export interface ConversionInput {
  readonly kind: ConversionKind;
  /** Project name or id the connection is in. */
  readonly project: string;
  readonly connectionName: string;
}

/** What a conversion would do, read before anything is written. */
export interface ConversionPlan {
  readonly kind: ConversionKind;
  readonly project: string;
  readonly connection: { readonly id: string; readonly name: string };
  /** `ServicePrincipal`, `WorkloadIdentityFederation`, … */
  readonly scheme: string;
  /** `Automatic` or `Manual`, when Azure DevOps says. */
  readonly creationMode: string | null;
  /** The current issuer of a federated connection. */
  readonly issuer: string | null;
  /** Whether there is something to do (`false`: already converted; the run only verifies). */
  readonly changes: boolean;
  /** One sentence: what the conversion will change. */
  readonly summary: string;
}

const inputSchema = z.strictObject({ kind: z.enum(['scheme', 'issuer']), project: projectSchema, connectionName: connectionNameSchema });
const LEGACY_ISSUER = /^https:\/\/vstoken\./i;

function describePlan(kind: ConversionKind, e: ServiceEndpoint): ConversionPlan {
  const scheme = e.authorization?.scheme ?? '';
  const federated = scheme.toLowerCase() === 'workloadidentityfederation';
  const issuer = federated ? (workloadIdentity(e).issuer ?? null) : null;
  const changes = kind === 'scheme' ? !federated : issuer !== null && LEGACY_ISSUER.test(issuer);
  const summary =
    kind === 'scheme'
      ? changes
        ? `convert "${e.name}" from ${scheme} (client secret) to workload identity federation in place: same id, Azure DevOps adds the federated credential to its app`
        : `"${e.name}" already uses workload identity federation: only verify its trust chain`
      : changes
        ? `move "${e.name}" from the Azure DevOps issuer (${issuer ?? ''}) to the Entra issuer: add a credential for the new issuer, switch, verify, then delete the old credential`
        : `"${e.name}" is not on the Azure DevOps issuer (${issuer ?? scheme}): only verify its trust chain`;
  return {
    kind,
    project: e.serviceEndpointProjectReferences?.[0]?.projectReference.name ?? e.serviceEndpointProjectReferences?.[0]?.name ?? '',
    connection: { id: e.id, name: e.name },
    scheme,
    creationMode: typeof e.data?.['creationMode'] === 'string' ? e.data['creationMode'] : null,
    issuer,
    changes,
    summary,
  };
}

function findConnection(
  clients: Pick<WifClients, 'devops'>,
  input: ConversionInput,
  opts: { abortSignal?: AbortSignal },
): ResultAsync<ServiceEndpoint, MigrationError> {
  return getServiceEndpointsByNames(clients.devops, input.project, [input.connectionName], { includeFailed: true }, opts).andThen(
    (found) => {
      const e = found.find((x) => x.name.toLowerCase() === input.connectionName.toLowerCase());
      return e
        ? ok(e)
        : err(
            httpError({
              service: 'devops',
              operation: 'GET serviceendpoints by name',
              status: 404,
              kind: 'NotFound',
              serviceMessage: `No service connection named "${input.connectionName}" in ${input.project}.`,
            }),
          );
    },
  );
}

/** Checks a {@link planConversion} / {@link convertInPlace} input without sending anything (what they refuse with `Validation` first). */
export function checkConversionInput(input: ConversionInput): Result<void, ValidationError> {
  return validate(inputSchema, input).map(() => undefined);
}

/**
 * Reads the connection and says what `convertInPlace` would do. Sends no write.
 * Calls `GET /{org}/{project}/_apis/serviceendpoint/endpoints?endpointNames=…`. Permission: Reader
 * on the project's service connections. Errors: `Validation`, `NotFound`, the service errors.
 *
 * @example
 * const plan = await planConversion(clients, { kind: 'issuer', project: 'platform', connectionName: 'sc-legacy' });
 */
export function planConversion(
  clients: Pick<WifClients, 'devops'>,
  input: ConversionInput,
  options: { readonly abortSignal?: AbortSignal } = {},
): ResultAsync<ConversionPlan, MigrationError> {
  const valid = validate(inputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  return findConnection(clients, valid.value, opts).map((e) => ({ ...describePlan(input.kind, e), project: input.project }));
}

/** Options of {@link convertInPlace}: the journal that records the conversion, and the conversion's own. */
export interface ConvertInPlaceOptions extends ConvertOptions {
  readonly journal: JournalStore;
}

/**
 * Runs one in-place conversion by connection name and records it in the migration journal (started,
 * then the outcome or the error): {@link convertConnectionScheme} for `scheme`, {@link convertIssuer}
 * for `issuer`. Safe to re-run: an already converted connection is verified and `unchanged`.
 * Errors: those of the conversion, `NotFound`, `Journal`.
 *
 * @example
 * const r = await convertInPlace(clients, { kind: 'scheme', project: 'app', connectionName: 'sc-auto' }, { journal: fileJournal('wif-migrations.json') });
 */
export function convertInPlace(
  clients: Pick<WifClients, 'graph' | 'devops'>,
  input: ConversionInput,
  options: ConvertInPlaceOptions,
): ResultAsync<{ readonly result: Converged<TrustChainReport>; readonly record: ConversionRecord }, MigrationError> {
  const valid = validate(inputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const { journal, ...rest } = options;
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  return safeTry(async function* () {
    const e = yield* findConnection(clients, valid.value, opts);
    const plan = describePlan(input.kind, e);
    const now = (): string => new Date().toISOString();
    const id = `${input.kind}:${e.id}`;
    // A run after a completed conversion re-checks it: the record keeps what the connection had
    // before that conversion, when it started and what it did, rather than "already converted".
    const done = (yield* listConversions(journal)).find((c) => c.id === id && c.after !== null);
    const started: ConversionRecord = {
      id,
      kind: input.kind,
      organization: clients.devops.organization,
      project: { id: e.serviceEndpointProjectReferences?.[0]?.projectReference.id ?? '', name: input.project },
      connection: { id: e.id, name: e.name },
      startedAt: done?.startedAt ?? now(),
      updatedAt: now(),
      before: done?.before ?? { scheme: plan.scheme, issuer: plan.issuer },
      after: done?.after ?? null,
      outcome: done?.outcome ?? null,
      lastError: null,
    };
    yield* saveConversion(journal, started);
    const target = { project: input.project, connectionId: e.id };
    const converted = await (input.kind === 'scheme'
      ? convertConnectionScheme(clients, target, rest)
      : convertIssuer(clients, target, rest));
    if (converted.isErr()) {
      yield* saveConversion(journal, {
        ...started,
        updatedAt: now(),
        lastError: { kind: converted.error.kind, message: converted.error.message },
      });
      return err(converted.error);
    }
    const report = converted.value.value;
    const record = yield* saveConversion(journal, {
      ...started,
      updatedAt: now(),
      outcome: converted.value.outcome === 'unchanged' && done?.outcome ? done.outcome : converted.value.outcome,
      after: { issuer: report.issuer, subject: report.subject },
    });
    return ok({ result: converted.value, record });
  });
}
