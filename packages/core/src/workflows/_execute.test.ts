import { describe, expect, it } from 'vitest';
import { staleFacts } from './_execute';
import type { ConnectionPlan } from './plan';
import type { PlannedResource } from './types';

const plan = (...resources: PlannedResource[]): ConnectionPlan => ({
  key: 'platform/sc-a',
  project: 'platform',
  name: 'sc-a',
  resources,
  refusals: [],
});
const ra = (r: Partial<PlannedResource>): PlannedResource => ({
  kind: 'roleAssignment',
  name: 'Reader @ /x',
  action: 'create',
  changes: [],
  ...r,
});

describe('staleFacts (what a saved plan no longer says about a connection)', () => {
  it('is empty when nothing moved', () => {
    expect(staleFacts(plan(ra({})), plan(ra({})))).toEqual([]);
  });

  it('names the action and the object when either changed, then what it would change now', () => {
    expect(staleFacts(plan(ra({})), plan(ra({ action: 'unchanged', id: '/x/ra/1' })))).toEqual([
      'roleAssignment Reader @ /x: was create, now unchanged (/x/ra/1)',
    ]);
    expect(
      staleFacts(
        plan(ra({ action: 'update', id: 'a' })),
        plan(ra({ action: 'update', id: 'b', changes: [{ field: 'scope', from: '/x', to: '/y' }] })),
      ),
    ).toEqual(['roleAssignment Reader @ /x: was update (a), now update (b): scope /x → /y']);
  });

  it('with the same action on the same object, says what it would change now against what the plan said', () => {
    const before = ra({ action: 'update', id: 'a', changes: [{ field: 'description', from: 'x', to: 'y' }] });
    const after = ra({ action: 'update', id: 'a', changes: [{ field: 'description', from: 'z', to: 'y' }] });
    expect(staleFacts(plan(before), plan(after))).toEqual([
      'roleAssignment Reader @ /x: still update, but description z → y now, not description x → y',
    ]);
  });

  it('lists what is no longer planned and what is newly planned', () => {
    const fic = (name: string, action: PlannedResource['action']): PlannedResource => ({
      kind: 'federatedCredential',
      name,
      action,
      changes: [],
    });
    expect(staleFacts(plan(fic('old', 'create')), plan(fic('new', 'unchanged')))).toEqual([
      'federatedCredential old: no longer planned (was create)',
      'federatedCredential new: newly planned (unchanged)',
    ]);
  });
});
