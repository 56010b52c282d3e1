/** In place, alternative 1: Azure DevOps converts its own automatic-mode connection to workload identity federation. */
import { getServiceEndpoint, updateServiceEndpoint } from '@wif/devops';
import { err, errAsync, ok, type ResultAsync, safeTry } from 'neverthrow';
import * as z from 'zod';
import { type ReplicationRetryOptions, retryThroughReplication } from '../_internal/replication';
import { type TrustChainReport, verifySubject } from '../steps/verifySubject';
import type { Converged, StepOptions } from '../types';
import { guidSchema, projectSchema, validate } from '../validation';
import type { WifClients } from '../workflows/clients';
import type { MigrationError, NotMigratableError } from './errors';
import { same } from '../_internal/compare';

/** Which connection to convert. */
export interface ConvertConnectionInput {
  /** Project name or id the connection is in. */
  readonly project: string;
  readonly connectionId: string;
}

export interface ConvertOptions extends StepOptions {
  /** Backoff while the credential written for the conversion is not yet visible (verification is retried on `SubjectMismatch`). */
  readonly replication?: ReplicationRetryOptions;
}

/** @internal */
export const convertInputSchema = z.strictObject({ project: projectSchema, connectionId: guidSchema });

const WIF = 'WorkloadIdentityFederation';

/** Verifies the trust chain, retrying a mismatch for a while (a credential just written may not be listed yet). @internal */
export function verifyConverted(
  clients: Pick<WifClients, 'graph' | 'devops'>,
  input: ConvertConnectionInput,
  options: ConvertOptions,
): ResultAsync<TrustChainReport, MigrationError> {
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  return retryThroughReplication(
    () => verifySubject({ graph: clients.graph, devops: clients.devops }, input, opts),
    (e) => e.kind === 'SubjectMismatch',
    options.replication ?? { maxAttempts: 4 },
    options.abortSignal,
  );
}

/**
 * Converts an automatic-mode `ServicePrincipal` connection used by one project to workload identity
 * federation in place, the way the official script does: GET it, set `authorization.scheme` to
 * `WorkloadIdentityFederation`, remove `data.revertSchemeDeadline`, and PUT it to the project-level
 * route with `operation=ConvertAuthenticationScheme`. Azure DevOps then adds the federated credential
 * to the app it created; the trust chain is verified afterwards. Azure DevOps allows reverting the
 * conversion for 7 days (in the portal).
 *
 * Calls `GET /{org}/{project}/_apis/serviceendpoint/endpoints/{id}`,
 * `PUT /{org}/{project}/_apis/serviceendpoint/endpoints/{id}?operation=ConvertAuthenticationScheme&api-version=7.1`,
 * then `verifySubject`'s reads. Permission: Administrator role on the connection; Graph read on the
 * app (`Application.Read.All`) for the verification. Safe to re-run: an already converted connection
 * is verified and `unchanged`. Errors: `NotMigratable` (`OtherScheme`, `NotAutomatic`,
 * `SharedAcrossProjects`: those need {@link startMigration}), `Validation`, `NotFound`, the
 * verification's, and the service errors (`InvalidOperationException` when the service refuses).
 *
 * @example
 * const r = await convertConnectionScheme(clients, { project: 'platform', connectionId });
 */
export function convertConnectionScheme(
  clients: Pick<WifClients, 'graph' | 'devops'>,
  input: ConvertConnectionInput,
  options: ConvertOptions = {},
): ResultAsync<Converged<TrustChainReport>, MigrationError> {
  const valid = validate(convertInputSchema, input);
  if (valid.isErr()) return errAsync(valid.error);
  const v = valid.value;
  const opts = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  return safeTry(async function* () {
    const endpoint = yield* getServiceEndpoint(clients.devops, v.project, v.connectionId, opts);
    const scheme = endpoint.authorization?.scheme ?? '';
    if (same(scheme, WIF)) return ok({ value: yield* verifyConverted(clients, v, options), outcome: 'unchanged' as const });
    const refuse = (reason: NotMigratableError['reason'], why: string): NotMigratableError => ({
      kind: 'NotMigratable',
      connectionId: endpoint.id,
      reason,
      message: `"${endpoint.name}" cannot be converted in place: ${why} Migrate it to a new connection instead (startMigration).`,
    });
    if (!same(endpoint.type, 'azurerm') || !same(scheme, 'ServicePrincipal'))
      return err(refuse('OtherScheme', `it is a ${endpoint.type} connection with the ${scheme} scheme.`));
    if (!same(endpoint.data?.['creationMode'], 'Automatic'))
      return err(refuse('NotAutomatic', 'Azure DevOps converts only connections it created (automatic mode).'));
    if ((endpoint.serviceEndpointProjectReferences ?? []).length > 1)
      return err(refuse('SharedAcrossProjects', 'Azure DevOps converts only connections used by a single project.'));
    const data = Object.fromEntries(Object.entries(endpoint.data ?? {}).filter(([k]) => k !== 'revertSchemeDeadline'));
    yield* updateServiceEndpoint(
      clients.devops,
      endpoint.id,
      { ...endpoint, authorization: { ...endpoint.authorization, scheme: WIF }, data },
      { operation: 'ConvertAuthenticationScheme', project: v.project },
      opts,
    );
    return ok({ value: yield* verifyConverted(clients, v, options), outcome: 'updated' as const });
  });
}
