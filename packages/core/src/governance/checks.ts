/**
 * Checks on a service connection as a resource: read → decide → write. A check is matched on its
 * type (`type.id`) and, for Task Checks, `settings.definitionRef.id`; an existing match is PATCHed,
 * never duplicated. Only the kinds the spec names are managed; others are left alone (listed as
 * unmanaged). A duplicate this run created after losing a race to another process is removed again
 * (the lowest id wins), so concurrent applies converge on one check per kind.
 * Reference: learn.microsoft.com/rest/api/azure/devops/approvalsandchecks/check-configurations?view=azure-devops-rest-7.1
 */
import {
  CHECK_TYPE_IDS,
  type CheckConfiguration,
  type CheckConfigurationBody,
  createCheckConfiguration,
  deleteCheckConfiguration,
  type DevOpsClient,
  listCheckConfigurations,
  TASK_CHECK_DEFINITIONS,
  updateCheckConfiguration,
} from '@wif/devops';
import type { TransportError } from '@wif/http';
import { err, ok, okAsync, ResultAsync, safeTry } from 'neverthrow';
import type { DevOpsIdentityNotFoundError } from '../governanceErrors';
import { withLock } from '../_internal/lock';
import type { ChecksSpec } from '../spec/governance';
import type { Outcome, StepOptions } from '../types';
import { resolveDevOpsIdentities } from './identities';
import { same } from '../_internal/compare';

/** The check kinds wif manages. */
export type CheckKind = 'approvals' | 'branchControl' | 'businessHours' | 'exclusiveLock';

/** One check as the spec wants it, with identities resolved. */
export interface DesiredCheck {
  readonly kind: CheckKind;
  readonly body: CheckConfigurationBody;
}

/** One field that differs: what plan prints. */
export interface CheckFieldChange {
  readonly field: string;
  readonly from: string;
  readonly to: string;
}

export type CheckChange =
  | { readonly action: 'create'; readonly kind: CheckKind; readonly body: CheckConfigurationBody }
  | {
      readonly action: 'update';
      readonly kind: CheckKind;
      readonly id: number;
      readonly version: number | undefined;
      readonly body: CheckConfigurationBody;
      readonly fields: readonly CheckFieldChange[];
    }
  | { readonly action: 'unchanged'; readonly kind: CheckKind; readonly id: number };

/** Check types and Task Check definitions the API reference and the terraform provider name (checks spec §3). */
const REQUIRED_TEMPLATE = '4020e66e-b0f3-47e1-bc88-48f3cc59b5f3';
const INVOKE_REST_API = '9c3e8943-130d-4c78-ac63-8af81df62dfb';

/** A Task Check's `settings.definitionRef`, its string fields only (empty for other checks). */
export function definitionRefOf(c: { readonly settings?: Readonly<Record<string, unknown>> | null | undefined }): {
  id?: string;
  name?: string;
} {
  const ref = c.settings?.['definitionRef'];
  if (typeof ref !== 'object' || ref === null) return {};
  const { id, name } = ref as { id?: unknown; name?: unknown };
  return { ...(typeof id === 'string' ? { id } : {}), ...(typeof name === 'string' ? { name } : {}) };
}

/** What a check is, for people: "Approval", "Branch control", … or the name the service gives it. */
export function checkKindName(c: Pick<CheckConfiguration, 'type' | 'settings'>): string {
  const type = c.type.id;
  if (same(type, CHECK_TYPE_IDS.approval)) return 'Approval';
  if (same(type, CHECK_TYPE_IDS.exclusiveLock)) return 'Exclusive lock';
  if (same(type, REQUIRED_TEMPLATE)) return 'Required template';
  if (same(type, CHECK_TYPE_IDS.taskCheck)) {
    const ref = definitionRefOf(c);
    if (same(ref.id, TASK_CHECK_DEFINITIONS.branchControl.id)) return 'Branch control';
    if (same(ref.id, TASK_CHECK_DEFINITIONS.businessHours.id)) return 'Business hours';
    if (same(ref.id, INVOKE_REST_API)) return 'Invoke REST API';
    const shown = c.settings?.['displayName'];
    return typeof shown === 'string' && shown !== '' ? shown : (ref.name ?? 'Task Check');
  }
  return c.type.name ?? type;
}

const DISPLAY = 'Managed by wif';

/** The desired check bodies for a connection (pure). `ids` maps every approver name to its identity id. */
export function desiredChecks(spec: ChecksSpec, endpointId: string, ids: ReadonlyMap<string, string>): DesiredCheck[] {
  const resource = { type: 'endpoint' as const, id: endpointId };
  const out: DesiredCheck[] = [];
  if (spec.approvals) {
    const a = spec.approvals;
    out.push({
      kind: 'approvals',
      body: {
        type: { id: CHECK_TYPE_IDS.approval, name: 'Approval' },
        resource,
        settings: {
          approvers: a.approvers.map((n) => ({ id: ids.get(n) ?? n })),
          executionOrder: 'anyOrder',
          minRequiredApprovers: a.minApprovers ?? 0,
          instructions: a.instructions ?? '',
          requesterCannotBeApprover: a.requesterCannotApprove ?? false,
          blockedApprovers: [],
        },
        timeout: a.timeout ?? 43200,
      },
    });
  }
  if (spec.branchControl) {
    const b = spec.branchControl;
    const protect = b.requireProtection ?? true;
    out.push({
      kind: 'branchControl',
      body: {
        type: { id: CHECK_TYPE_IDS.taskCheck, name: 'Task Check' },
        resource,
        settings: {
          displayName: DISPLAY,
          definitionRef: { ...TASK_CHECK_DEFINITIONS.branchControl },
          inputs: {
            allowedBranches: b.allowed.join(','),
            ensureProtectionOfBranch: String(protect),
            allowUnknownStatusBranch: String(b.allowUnknownStatus ?? false),
          },
        },
        timeout: b.timeout ?? 1440,
      },
    });
  }
  if (spec.businessHours) {
    const h = spec.businessHours;
    out.push({
      kind: 'businessHours',
      body: {
        type: { id: CHECK_TYPE_IDS.taskCheck, name: 'Task Check' },
        resource,
        settings: {
          displayName: DISPLAY,
          definitionRef: { ...TASK_CHECK_DEFINITIONS.businessHours },
          inputs: { businessDays: h.days.join(','), timeZone: h.timeZone, startTime: h.start, endTime: h.end },
          retryInterval: 5,
        },
        timeout: h.timeout ?? 1440,
      },
    });
  }
  if (spec.exclusiveLock !== undefined && spec.exclusiveLock !== false) {
    const t = typeof spec.exclusiveLock === 'object' ? spec.exclusiveLock.timeout : undefined;
    out.push({
      kind: 'exclusiveLock',
      body: { type: { id: CHECK_TYPE_IDS.exclusiveLock, name: 'ExclusiveLock' }, resource, settings: {}, timeout: t ?? 43200 },
    });
  }
  return out;
}

/**
 * The main approval's `settings.definitionRef.id`; a pre-check (`0f52a19b-…`) or post-check
 * (`06441319-…`) approval carries another. Microsoft's REST reference does not list these ids (they
 * are those of the Azure.DevOps.PSModule project, unconfirmed), so only an approval with no
 * definitionRef, or this one, is taken for the approval wif manages: never one that names another.
 */
const MAIN_APPROVAL_DEFINITION = '26014962-64a0-49f4-885b-4b874119a5cc';

/**
 * Whether an existing check is of the kind a desired body describes: type id, and definitionRef id
 * for Task Checks; for approvals, the main approval only (a pre-check or post-check approval someone
 * added is another kind, left alone, never rewritten into the spec's approval).
 */
export function sameKind(existing: Pick<CheckConfiguration, 'type' | 'settings'>, want: CheckConfigurationBody): boolean {
  if (!same(existing.type.id, want.type.id)) return false;
  if (same(want.type.id, CHECK_TYPE_IDS.approval)) {
    const ref = definitionRefOf(existing).id;
    return ref === undefined || ref === '' || same(ref, MAIN_APPROVAL_DEFINITION);
  }
  if (!same(want.type.id, CHECK_TYPE_IDS.taskCheck)) return true;
  return same(definitionRefOf(existing).id, definitionRefOf(want).id ?? '');
}

const scalar = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);

/** The fields wif manages, flattened for a field-by-field comparison. */
function fieldsOf(c: {
  settings?: Readonly<Record<string, unknown>> | null | undefined;
  timeout?: number | null | undefined;
}): Record<string, string> {
  const s = c.settings ?? {};
  const out: Record<string, string> = { timeout: String(c.timeout ?? '') };
  if (Array.isArray(s['approvers'])) {
    out['approvers'] = (s['approvers'] as { id?: string }[])
      .map((a) => (a.id ?? '').toLowerCase())
      .sort()
      .join(',');
    out['minRequiredApprovers'] = scalar(s['minRequiredApprovers'] ?? 0);
    out['instructions'] = scalar(s['instructions'] ?? '');
    out['requesterCannotBeApprover'] = scalar(s['requesterCannotBeApprover'] ?? false);
  }
  const inputs = s['inputs'];
  if (typeof inputs === 'object' && inputs !== null) {
    for (const [k, v] of Object.entries(inputs as Record<string, unknown>)) out[`inputs.${k}`] = scalar(v);
  }
  return out;
}

/** The fields wif manages of a check body, as text (what plan shows for a check it creates). */
export function checkFields(body: CheckConfigurationBody): Readonly<Record<string, string>> {
  return fieldsOf(body);
}

/** The managed fields of `want` that differ in `seen`. */
export function checkFieldChanges(seen: CheckConfiguration, want: CheckConfigurationBody): CheckFieldChange[] {
  const before = fieldsOf(seen);
  const after = fieldsOf(want);
  return Object.keys(after)
    .filter((k) => (before[k] ?? '') !== after[k])
    .map((k) => ({ field: k, from: before[k] ?? '', to: after[k] ?? '' }));
}

/**
 * decide (pure): per desired kind, the lowest-id existing check of that kind is the one managed:
 * unchanged, or an update with the differing fields; none → create. Never a second one.
 */
export function decideChecks(desired: readonly DesiredCheck[], observed: readonly CheckConfiguration[]): CheckChange[] {
  return desired.map((d): CheckChange => {
    const match = observed.filter((c) => sameKind(c, d.body)).sort((a, b) => a.id - b.id)[0];
    if (!match) return { action: 'create', kind: d.kind, body: d.body };
    const fields = checkFieldChanges(match, d.body);
    return fields.length === 0
      ? { action: 'unchanged', kind: d.kind, id: match.id }
      : { action: 'update', kind: d.kind, id: match.id, version: match.version ?? undefined, body: d.body, fields };
  });
}

/** read: the checks on the connection, with settings. */
export function readChecks(
  deps: { readonly devops: DevOpsClient },
  project: string,
  endpointId: string,
  o: StepOptions = {},
): ResultAsync<CheckConfiguration[], TransportError> {
  return listCheckConfigurations(
    deps.devops,
    project,
    { type: 'endpoint', id: endpointId },
    o.abortSignal ? { abortSignal: o.abortSignal } : {},
  );
}

/**
 * write: one change. After a create, the checks are read again: if another writer created the same
 * kind first (a lower id), the one just created is deleted, so one check per kind remains.
 */
export function writeCheck(
  deps: { readonly devops: DevOpsClient },
  project: string,
  change: CheckChange,
  o: StepOptions = {},
): ResultAsync<{ id: number; outcome: Outcome }, TransportError> {
  const opts = o.abortSignal ? { abortSignal: o.abortSignal } : {};
  if (change.action === 'unchanged') return okAsync({ id: change.id, outcome: 'unchanged' });
  if (change.action === 'update') {
    return updateCheckConfiguration(deps.devops, project, change.id, change.body, { version: change.version }, opts).map((c) => ({
      id: c.id,
      outcome: 'updated' as const,
    }));
  }
  return safeTry(async function* () {
    const created = yield* createCheckConfiguration(deps.devops, project, change.body, opts);
    const now = yield* listCheckConfigurations(deps.devops, project, change.body.resource, opts);
    const first = now.filter((c) => sameKind(c, change.body)).sort((a, b) => a.id - b.id)[0];
    if (first && first.id < created.id) {
      yield* deleteCheckConfiguration(deps.devops, project, created.id, opts);
      return ok({ id: first.id, outcome: 'unchanged' as Outcome });
    }
    return ok({ id: created.id, outcome: 'created' as Outcome });
  });
}

/** What {@link ensureChecks} reports per kind. */
export interface EnsuredCheck {
  readonly kind: CheckKind;
  readonly id: number;
  readonly outcome: Outcome;
  readonly fields: readonly CheckFieldChange[];
}

/**
 * Converges the checks of one connection to the spec: resolves approver names, reads the checks
 * (`$expand=settings`), decides, writes. Writes to one connection are serialised in this process.
 * Permission: Administrator role on the connection. Safe to re-run: no change → every kind `unchanged`.
 * Errors: `DevOpsIdentityNotFound` (an approver name Azure DevOps does not know; nothing is written),
 * and those of every call.
 * @example await ensureChecks({ devops }, { project: projectId, endpointId: sc.id, checks: { approvals: { approvers: ['[Payments]\\Release Approvers'] } } })
 */
export function ensureChecks(
  deps: { readonly devops: DevOpsClient },
  input: { readonly project: string; readonly endpointId: string; readonly checks: ChecksSpec },
  o: StepOptions = {},
): ResultAsync<EnsuredCheck[], TransportError | DevOpsIdentityNotFoundError> {
  const names = input.checks.approvals?.approvers ?? [];
  return resolveDevOpsIdentities(deps, names, o).andThen((ids) => convergeChecks(deps, input, ids, o));
}

/**
 * The read → decide → write of {@link ensureChecks} once the approvers are resolved (`ids`: name →
 * identity id), serialised per connection in this process. @internal
 */
export function convergeChecks(
  deps: { readonly devops: DevOpsClient },
  input: { readonly project: string; readonly endpointId: string; readonly checks: ChecksSpec },
  ids: ReadonlyMap<string, string>,
  o: StepOptions = {},
): ResultAsync<EnsuredCheck[], TransportError> {
  const desired = desiredChecks(input.checks, input.endpointId, ids);
  const key = `checks|${deps.devops.transport.baseUrl}|${input.endpointId.toLowerCase()}`;
  return new ResultAsync(
    withLock(key, async () => {
      const observed = await readChecks(deps, input.project, input.endpointId, o);
      if (observed.isErr()) return err(observed.error);
      const done: EnsuredCheck[] = [];
      for (const change of decideChecks(desired, observed.value)) {
        const written = await writeCheck(deps, input.project, change, o);
        if (written.isErr()) return err(written.error);
        done.push({ kind: change.kind, ...written.value, fields: change.action === 'update' ? change.fields : [] });
      }
      return ok(done);
    }),
  );
}
