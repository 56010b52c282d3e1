/**
 * `apply`: `plan`, then execute the plan. A connection whose plan carries a refusal gets no write
 * (with `atomic`, nothing is written at all); the others converge, in parallel under a bounded
 * concurrency, each one along its real dependency graph:
 *
 * ```
 * app ──► service principal ──► role assignments (all at once)
 *   └──► connection (its lookup starts with the app) ──► credential ──► verify ──► old credentials removed
 *                                                    ├──► project shares
 *                                                    └──► pipeline permissions
 * ```
 * so a connection's wall time is close to its critical path. A connection that fails is rolled back
 * (what this run created for it, in reverse order) unless the caller keeps it; the others go on.
 */
import type { ValidationError } from '@wif/http';
import type { ResultAsync } from 'neverthrow';
import type { ResolvedSpec } from '../spec/load';
import type { WifClients } from './clients';
import { executePlan } from './_execute';
import type { EngineOptions } from './_run';
import { plan, type Plan } from './plan';
import type { ApplyOptions, ApplyReport } from './types';

export type { ApplyOptions, ApplyReport, ConnectionReport, ConnectionStatus, OrphanReport } from './types';

/**
 * Plans a resolved spec and executes the plan; or executes a {@link Plan} (saved with `wif plan
 * --out`, or shown for confirmation), re-checking before each connection's first write that what
 * it observed still holds (else that connection is `refused` with `StalePlan`). A connection whose
 * plan carries a refusal (`ConnectionConflict`, `RoleNotFound`, `PrivilegedRoleRefused`,
 * `CredentialLimit`, …) gets no write request; with `atomic`, no connection does. Fails as a whole
 * only for an invalid spec (`Validation`, nothing sent); a connection's failure is in its report
 * (`ok: false`), with its error and any leftovers.
 *
 * Calls, per connection: the reads of `plan`, then Graph `PATCH applications(uniqueName=…)`, `POST
 * servicePrincipals`, `POST`/`PATCH`/`DELETE …/federatedIdentityCredentials`; ARM `PUT
 * roleAssignments/{deterministic name}`; Azure DevOps `POST`/`PUT serviceendpoint/endpoints`,
 * `PATCH` (share), `PATCH pipelinePermissions`; and the reads of `verifySubject`. With `prune`, the
 * `DELETE`s of each orphan's parts.
 *
 * Permission: Graph `Application.ReadWrite.OwnedBy` (or `.All`); `roleAssignments/write` at every
 * scope; Endpoint Administrator in the projects (and Creator where shared); pipeline-resources
 * manage for `pipelines`.
 * Safe to re-run: a second apply reports `unchanged` everywhere and sends no write; two applies
 * racing on one spec leave one of each resource.
 *
 * @example
 * const spec = loadSpec(readFileSync('wif.yaml', 'utf8'))._unsafeUnwrap();
 * const report = await apply(createClients({ credential, organization: spec.organization }), spec);
 */
export function apply(
  clients: WifClients,
  spec: ResolvedSpec | Plan,
  options: ApplyOptions = {},
): ResultAsync<ApplyReport, ValidationError> {
  return planThenExecute(clients, spec, options);
}

/** `apply` and `sync`: plan (unless a plan is given), then execute. @internal */
export function planThenExecute(
  clients: WifClients,
  spec: ResolvedSpec | Plan,
  options: EngineOptions,
): ResultAsync<ApplyReport, ValidationError> {
  if ('summary' in spec) return executePlan(clients, spec, { ...options, recheck: true, madeHere: false });
  return plan(clients, spec, {
    orphans: options.prune === true,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.replication ? { replication: options.replication } : {}),
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
  }).andThen((p) => executePlan(clients, p, { ...options, recheck: false, madeHere: true }));
}
