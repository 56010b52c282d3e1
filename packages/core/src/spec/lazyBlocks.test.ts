// In a file of its own: what it checks is which schemas this process has built so far.
import { isBuilt } from '@wif/http';
import { describe, expect, it } from 'vitest';
import { checksSpecSchema, identitySpecSchema, securitySpecSchema } from './governance';
import { loadSpec } from './load';
import { environmentSetSchema, pipelinesSchema, targetSchema } from './schema';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const RG = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-a';
const spec = (connection: Record<string, unknown>): string =>
  JSON.stringify({
    organization: 'contoso',
    tenantId: TENANT,
    connections: [{ project: 'platform', name: 'sc-a', app: 'app-a', scope: RG, roles: ['Reader'], ...connection }],
  });

const blocks = { checksSpecSchema, identitySpecSchema, securitySpecSchema, environmentSetSchema, targetSchema, pipelinesSchema };
const builtBlocks = (): string[] =>
  Object.entries(blocks)
    .filter(([, s]) => isBuilt(s))
    .map(([n]) => n);

describe('the optional blocks of the spec', () => {
  it('are built only once a spec uses them, and then validated as before', () => {
    expect(loadSpec(spec({}), 'wif.json').isOk()).toBe(true);
    expect(builtBlocks()).toEqual([]);

    expect(loadSpec(spec({ checks: { exclusiveLock: true } }), 'wif.json').isOk()).toBe(true);
    expect(builtBlocks()).toEqual(['checksSpecSchema']);

    const bad = loadSpec(spec({ security: { readers: [' padded '] }, checks: { exclusiveLock: 'yes' } }), 'wif.json');
    expect(
      bad
        ._unsafeUnwrapErr()
        .problems.map((p) => p.path)
        .sort(),
    ).toEqual(['connections[0].checks.exclusiveLock', 'connections[0].security.readers[0]']);
    expect(builtBlocks()).toEqual(['checksSpecSchema', 'securitySpecSchema']);
  });

  it('suggest the right key inside a block that is built late', () => {
    const typo = loadSpec(spec({ checks: { exclusivLock: true } }), 'wif.json');
    expect(
      typo
        ._unsafeUnwrapErr()
        .problems.map((p) => p.message)
        .join('\n'),
    ).toContain('exclusiveLock');
  });
});
