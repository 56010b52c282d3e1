/**
 * Executing a plan: `apply` and `sync` are `plan`, then this. A connection whose plan carries a
 * refusal (or could not be read) gets no write; with `atomic`, one refusal anywhere stops every
 * write. A plan handed in (saved with `wif plan --out`, or shown for confirmation) is re-checked
 * before the connection's first write: the connection is planned again and every observed fact
 * its changes depend on (ids, actions, compared values) must be as the plan recorded them, else
 * the connection is refused with `StalePlan` and nothing is written for it. The converge then
 * starts from the app and the connection lookup that re-check read (the facts it compared), rather
 * than reading them a third time. @internal
 */
import type { ValidationError } from '@wif/http';
import { errAsync, ResultAsync } from 'neverthrow';
import type { StalePlanError, WifError } from '../errors';
import { mapPool } from '../_internal/pool';
import { isRefusal } from '../refusals';
import { checkResolvedSpec, type DesiredConnection } from '../spec/load';
import { convergeOne, DEFAULT_APPLY_CONCURRENCY } from './_engine';
import { plannedRenameOf } from './_identityRename';
import { pruneOrphan } from './_prune';
import type { EngineOptions } from './_run';
import { specHash } from './_specHash';
import type { ApplyReport, ConnectionReport } from './types';
import type { WifClients } from './clients';
import { type ConnectionPlan, type ObservedConnection, type Plan, planConnectionObserved, planUntouched } from './plan';
import type { OrphanReport, PlannedResource } from './types';
import { monotonicMs } from '../_internal/monotonic';

const describe = (r: PlannedResource): string => `${r.kind} ${r.name}`;
const fact = (r: PlannedResource): string => JSON.stringify([r.action, r.id ?? null, r.changes.map((c) => [c.field, c.from, c.to])]);

/** What differs between the plan of a connection and the plan of it now: empty when nothing changed. */
export function staleFacts(saved: ConnectionPlan, now: ConnectionPlan): string[] {
  const out: string[] = [];
  const key = (r: PlannedResource): string => `${r.kind}|${r.name}`.toLowerCase();
  const current = new Map(now.resources.map((r) => [key(r), r]));
  for (const r of saved.resources) {
    const n = current.get(key(r));
    current.delete(key(r));
    if (!n) out.push(`${describe(r)}: no longer planned (was ${r.action})`);
    else if (fact(r) !== fact(n)) {
      const changesOf = (x: PlannedResource): string => x.changes.map((c) => `${c.field} ${c.from ?? '∅'} → ${c.to ?? '∅'}`).join(', ');
      const changes = changesOf(n);
      if (r.action !== n.action || (r.id ?? null) !== (n.id ?? null))
        out.push(
          `${describe(r)}: was ${r.action}${r.id ? ` (${r.id})` : ''}, now ${n.action}${n.id ? ` (${n.id})` : ''}${changes ? `: ${changes}` : ''}`,
        );
      // Same action on the same object: what it would change is what moved.
      else out.push(`${describe(r)}: still ${n.action}, but ${changes || 'no field'} now, not ${changesOf(r) || 'no field'}`);
    }
  }
  for (const n of current.values()) out.push(`${describe(n)}: newly planned (${n.action})`);
  const refusalsBefore = saved.refusals.map((r) => r.kind).join(',');
  const refusalsNow = now.refusals.map((r) => r.kind).join(',');
  if (refusalsBefore !== refusalsNow) out.push(`refusals: [${refusalsBefore}] → [${refusalsNow}]`);
  const unreadable = (c: ConnectionPlan): boolean => c.error !== undefined && !isRefusal(c.error);
  if (unreadable(saved) !== unreadable(now)) out.push(`readable: ${String(!unreadable(saved))} → ${String(!unreadable(now))}`);
  return out;
}

const stalePlan = (key: string | undefined, changed: readonly string[]): StalePlanError => ({
  kind: 'StalePlan',
  ...(key ? { key } : {}),
  changed,
  // Without the kind: a printer shows it (`StalePlan: …`), and the message repeated it.
  message: `${key ? `${key}: ` : ''}${changed.join('; ')}. Nothing was written${key ? ' for it' : ''}: run wif plan again and review the new plan.`,
});

/** Options of the executor: the engine's, and how the plan came. */
export interface ExecuteOptions extends EngineOptions {
  /** Re-plan each connection before its first write and refuse it (`StalePlan`) if anything changed. */
  readonly recheck: boolean;
  /**
   * The plan was made by this call, moments ago, from a spec `plan` checked and hashed: neither is
   * done again (a saved or handed-in plan is always checked).
   */
  readonly madeHere?: boolean;
}

/** Executes `p`; fails only for an invalid spec in it (nothing sent). */
export function executePlan(clients: WifClients, p: Plan, options: ExecuteOptions): ResultAsync<ApplyReport, ValidationError> {
  if (options.madeHere !== true) {
    const checked = checkResolvedSpec(p.spec);
    if (checked.isErr()) return errAsync(checked.error);
  }
  const started = monotonicMs();
  const byKey = new Map(p.spec.connections.map((c) => [c.key, c]));
  // The whole plan is stale when it does not match the spec in it, or the spec as it is now. A plan
  // made by this call, or by `plan` from a spec `resolveSpec` froze and still holding it, cannot have
  // been edited: no hash is computed for it (node:crypto costs ~5 ms to load at start-up).
  const untouched = options.madeHere === true || planUntouched(p);
  const whole =
    !untouched && specHash(p.spec) !== p.specHash
      ? stalePlan(undefined, ['the plan was edited after it was made (its spec hash does not match)'])
      : options.spec && options.spec !== p.spec && specHash(options.spec) !== p.specHash
        ? stalePlan(undefined, ['the spec changed since the plan was made'])
        : undefined;
  const blocking = p.connections.find((c) => c.error !== undefined);
  const stopAll: WifError | undefined = whole ?? (options.atomic && blocking ? blocking.error : undefined);

  const skipped = (cp: ConnectionPlan, status: ConnectionReport['status'], error?: WifError): ConnectionReport => ({
    key: cp.key,
    project: cp.project,
    name: cp.name,
    status,
    planned: cp.resources,
    resources: [],
    timings: [],
    durationInMs: 0,
    leftovers: [],
    ...(error ? { error } : {}),
  });

  const one = async (cp: ConnectionPlan): Promise<ConnectionReport> => {
    const c: DesiredConnection | undefined = byKey.get(cp.key);
    if (stopAll)
      return skipped(cp, whole ? 'refused' : cp.error ? (isRefusal(cp.error) ? 'refused' : 'failed') : 'skipped', whole ?? cp.error);
    if (!c) return skipped(cp, 'refused', stalePlan(cp.key, ['the connection is not in the plan\u2019s spec']));
    if (cp.error) return skipped(cp, isRefusal(cp.error) ? 'refused' : 'failed', cp.error);
    let current = cp;
    let observed: ObservedConnection | undefined;
    if (options.recheck) {
      ({ plan: current, observed } = await planConnectionObserved(clients, p.spec, c, options));
      const changed = staleFacts(cp, current);
      if (changed.length > 0) return skipped(cp, 'refused', stalePlan(cp.key, changed));
    }
    // After a re-check the converge starts from what it read (the facts just compared with the
    // plan), not from a third reading of the app and the connection.
    const report = await convergeOne(clients, p.spec, c, options, observed, plannedRenameOf(current)?.id);
    return { ...report, planned: current.resources };
  };

  return ResultAsync.fromSafePromise(
    (async () => {
      const connections = await mapPool(p.connections, options.concurrency ?? DEFAULT_APPLY_CONCURRENCY, async (cp) => {
        const r = await one(cp);
        options.onConnection?.(r);
        return r;
      });
      const orphans: OrphanReport[] = [];
      for (const orphan of p.orphans) {
        orphans.push(
          options.prune && !stopAll
            ? await pruneOrphan(clients, orphan, options)
            : {
                project: orphan.project,
                name: orphan.name,
                connectionId: orphan.connectionId,
                status: 'kept',
                resources: [],
                leftovers: [],
              },
        );
      }
      return summarize(p.organization, connections, orphans, monotonicMs() - started);
    })(),
  );
}

function summarize(organization: string, connections: ConnectionReport[], orphans: OrphanReport[], durationInMs: number): ApplyReport {
  const count = (f: (c: ConnectionReport) => boolean): number => connections.filter(f).length;
  return {
    organization,
    durationInMs: Math.round(durationInMs),
    connections,
    orphans,
    summary: {
      converged: count((c) => c.status === 'converged'),
      failed: count((c) => c.status === 'failed'),
      rolledBack: count((c) => c.status === 'rolled-back'),
      rollbackIncomplete: count((c) => c.status === 'rollback-incomplete'),
      refused: count((c) => c.status === 'refused'),
      skipped: count((c) => c.status === 'skipped'),
      created: count((c) => c.outcome === 'created'),
      updated: count((c) => c.outcome === 'updated'),
      unchanged: count((c) => c.outcome === 'unchanged'),
      pruned: orphans.filter((o) => o.status === 'deleted').length,
    },
    ok: connections.every((c) => c.status === 'converged') && orphans.every((o) => o.status !== 'prune-incomplete'),
  };
}
