/**
 * `sync`: finds how the resources of a spec's connections drifted from it and repairs them, with
 * the same engine as `apply` — plus the role assignments the spec does not name, reported (and
 * removed with `prune`).
 */
import type { ValidationError } from '@wif/http';
import type { ResultAsync } from 'neverthrow';
import type { ResolvedSpec } from '../spec/load';
import type { ApplyOptions, ApplyReport } from './types';
import type { WifClients } from './clients';
import { planThenExecute } from './apply';
import type { Plan } from './plan';
import type { AppliedOutcome, DriftKind, FieldChange, ResourceKind } from './types';

/** Options of {@link sync}: apply's, and `prune`. */
export interface SyncOptions extends ApplyOptions {
  /** Delete role assignments of a connection's principal that the spec does not name. Default false: reported only. */
  readonly prune?: boolean;
}

/** One drift found, and what was done about it. */
export interface Drift {
  /** The connection's `project/name` key. */
  readonly key: string;
  readonly resource: ResourceKind;
  readonly kind: DriftKind;
  readonly name: string;
  readonly id: string;
  /** `created`/`updated` (repaired), `deleted` (removed), `reported` (left as found). */
  readonly action: AppliedOutcome;
  readonly changes: readonly FieldChange[];
}

/** What {@link sync} found and did: apply's report, and every drift. */
export interface SyncReport extends ApplyReport {
  /** Every drift, connection by connection in dependency order. An empty list: nothing had drifted. */
  readonly drifts: readonly Drift[];
}

/**
 * Detects and repairs drift: a connection renamed in the portal (found through its app, renamed
 * back, its issuer and subject read again and the credential rebound), a connection switched to
 * the Entra issuer by an edit (the new credential is bound under a new name and verified before
 * the old one is deleted: both exist until then), a missing or altered credential, a missing role
 * assignment or app or service principal, a lost share or pipeline permission. Role assignments of
 * the principal that the spec does not name are reported, and deleted only with `prune`.
 *
 * Calls what `apply` calls, plus `GET {subscription}/providers/Microsoft.Authorization/roleAssignments?$filter=principalId eq '…'`
 * per connection (and `DELETE` of each extra assignment with `prune`). Permission: that of `apply`,
 * plus `roleAssignments/delete` with `prune`. Fails as a whole only for an invalid spec
 * (`Validation`, nothing sent); per-connection errors are in `connections`. Safe to re-run: a
 * second sync finds no drift.
 *
 * @example
 * const report = (await sync(clients, spec, { prune: true }))._unsafeUnwrap();
 * for (const d of report.drifts) console.log(`${d.key}: ${d.resource} ${d.kind} → ${d.action}`);
 */
export function sync(clients: WifClients, spec: ResolvedSpec | Plan, options: SyncOptions = {}): ResultAsync<SyncReport, ValidationError> {
  const { prune, ...rest } = options;
  return planThenExecute(clients, spec, { ...rest, inspectExtras: true, ...(prune ? { pruneExtras: true } : {}) }).map((report) => ({
    ...report,
    drifts: report.connections.flatMap((c) =>
      c.resources.flatMap((r) =>
        r.drift
          ? [{ key: c.key, resource: r.kind, kind: r.drift, name: r.name, id: r.id, action: r.outcome, changes: r.changes ?? [] }]
          : [],
      ),
    ),
  }));
}
