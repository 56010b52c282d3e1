/**
 * The contract "what plan shows is what apply does", checked one way for every drift table
 * (planContract, governance, managedIdentity tests): plan `spec`, run `sync --prune` on that very
 * plan, and compare the plan's changed rows (kind and action) with the report's changed resources
 * (kind and outcome); then a second plan must show nothing to do.
 */
import { expect } from 'vitest';
import type { ResolvedSpec } from '../src/spec/load';
import type { WifClients } from '../src/workflows/clients';
import { plan, type PlanOptions } from '../src/workflows/plan';
import { sync } from '../src/workflows/sync';

const PAST: Record<string, string> = { create: 'created', update: 'updated', delete: 'deleted' };

export async function expectSyncDoesWhatPlanShows(
  clients: WifClients,
  spec: ResolvedSpec,
  options: { readonly replication: { readonly delayInMs: number; readonly maxDelayInMs?: number }; readonly plan?: PlanOptions },
): Promise<void> {
  const p = (await plan(clients, spec, options.plan ?? {}))._unsafeUnwrap();
  const planned = p.connections.flatMap((c) =>
    c.resources.filter((r) => r.action !== 'unchanged').map((r) => `${c.name} ${r.kind} ${PAST[r.action] ?? r.action}`),
  );
  expect(planned.length).toBeGreaterThan(0);
  const report = (await sync(clients, p, { replication: options.replication, prune: true }))._unsafeUnwrap();
  expect(report.ok).toBe(true);
  const done = report.connections.flatMap((c) =>
    c.resources.filter((r) => r.outcome !== 'unchanged').map((r) => `${c.name} ${r.kind} ${r.outcome}`),
  );
  expect(done.sort()).toEqual(planned.sort());
  expect((await plan(clients, spec, options.plan ?? {}))._unsafeUnwrap().summary).toMatchObject({ create: 0, update: 0, delete: 0 });
}
