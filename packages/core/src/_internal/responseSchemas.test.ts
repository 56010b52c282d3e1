/**
 * The service packages' response schemas are built the first time a response is read, not when the
 * package loads (`deferred` of `@wif/http`): building a zod schema costs far more than running it,
 * and a command uses a few of the ~40 (docs/decisions/043-response-schemas-built-on-first-use.md).
 * A schema added the plain way would be built at every start by every program that imports the SDK.
 */
import { types } from 'node:util';
import * as arm from '@wif/arm';
import * as devops from '@wif/devops';
import * as graph from '@wif/graph';
import { describe, expect, it } from 'vitest';

describe('the response schemas of @wif/arm, @wif/devops and @wif/graph', () => {
  it.each([
    ['@wif/arm', arm],
    ['@wif/devops', devops],
    ['@wif/graph', graph],
  ] as const)('%s: every exported schema is built on first use', (_, exports) => {
    const schemas = Object.entries(exports).filter(([name]) => /Schema$/.test(name));
    expect(schemas.length).toBeGreaterThan(3);
    for (const [name, schema] of schemas) expect(types.isProxy(schema), name).toBe(true);
  });
});
