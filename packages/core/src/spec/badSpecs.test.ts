/**
 * The bad-spec catalogue: every mistake a new user made while writing a first spec, with the exact
 * problem wif reports — `file:line:column`, the path, what was expected and what was found, and a
 * did-you-mean for a misspelt key. No problem says only "Invalid input".
 */
import { formatLocation } from '@wif/http';
import { describe, expect, it } from 'vitest';
import { loadSpec } from './load';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SUB = '8f2b8a36-55a8-4d5b-9a35-1f4e2d5c7b10';

/** A spec with one connection; `extra` is added as the last line of the connection (line 9). */
const connection = (extra: string): string => `organization: contoso
tenantId: ${TENANT}
connections:
  - project: platform
    name: sc-one
    app: ado-one
    scope: /subscriptions/${SUB}
    roles: [Reader]
${extra}
`;

/** A spec with one environment set; `extra` is the last line of the set (line 11). */
const environment = (extra: string): string => `organization: contoso
tenantId: ${TENANT}
environments:
  - project: payments
    name: payments
    subscriptionId: ${SUB}
    dev:
      resourceGroup: rg-dev
    prod:
      resourceGroup: rg-prod
${extra}
`;

interface Case {
  readonly name: string;
  readonly text: string;
  readonly at: string;
  readonly path: string;
  readonly expected: RegExp;
  readonly found: string;
  readonly suggestion?: string;
}

const CASES: readonly Case[] = [
  {
    name: 'pipelines: "101" (a string, not a list)',
    text: connection('    pipelines: "101"'),
    at: 'wif.yaml:9:16',
    path: 'connections[0].pipelines',
    expected: /^a list of pipeline ids \(whole numbers above 0\), or \{ all: true \}$/,
    found: 'the string "101"',
  },
  {
    name: 'pipelines: all',
    text: connection('    pipelines: all'),
    at: 'wif.yaml:9:16',
    path: 'connections[0].pipelines',
    expected: /or \{ all: true \}$/,
    found: 'the string "all"',
  },
  {
    name: 'pipelines: [-1]',
    text: connection('    pipelines: [-1]'),
    at: 'wif.yaml:9:17',
    path: 'connections[0].pipelines[0]',
    expected: /^must be a positive pipeline id$/,
    found: 'the number -1',
  },
  {
    name: 'app: 42',
    text: connection('    description: x').replace('app: ado-one', 'app: 42'),
    at: 'wif.yaml:6:10',
    path: 'connections[0].app',
    expected: /^an app display name \(a string\), \{ displayName, uniqueName \}, or \{ appId \} of an existing app registration$/,
    found: 'the number 42',
  },
  {
    name: 'readonly: true',
    text: environment('    readonly: true'),
    at: 'wif.yaml:11:15',
    path: 'environments[0].readonly',
    expected: /^false \(no prod-readonly connection\), or \{ pipelines: \[ids\] \}$/,
    found: 'true',
  },
  {
    name: 'allowPrivileged: "true" (a string)',
    text: connection('').replace('roles: [Reader]', 'roles: [{ role: Owner, allowPrivileged: "true" }]'),
    at: 'wif.yaml:8:45',
    path: 'connections[0].roles[0].allowPrivileged',
    expected: /^true or false$/,
    found: 'the string "true"',
  },
  {
    name: 'a missing tenantId',
    text: connection('').replace(`tenantId: ${TENANT}\n`, ''),
    at: 'wif.yaml:1:1',
    path: 'tenantId',
    expected: /^a string \(Entra tenant id\)$/,
    found: 'nothing (the key is missing)',
  },
  {
    name: 'appPrefx (a misspelt key)',
    text: environment('    appPrefx: payments-app'),
    at: 'wif.yaml:11:5',
    path: 'environments[0].appPrefx',
    expected: /^one of: .*appPrefix/,
    found: 'the key "appPrefx"',
    suggestion: 'appPrefix',
  },
  {
    name: 'Roles (a key in the wrong case)',
    text: connection('    Roles: [Reader]'),
    at: 'wif.yaml:9:5',
    path: 'connections[0].Roles',
    expected: /^one of: .*roles/,
    found: 'the key "Roles"',
    suggestion: 'roles',
  },
];

describe('the bad-spec catalogue', () => {
  it.each(CASES)('$name', (c) => {
    const e = loadSpec(c.text, 'wif.yaml')._unsafeUnwrapErr();
    expect(e.kind).toBe('Validation');
    expect(e.problems, JSON.stringify(e.problems, null, 2)).toHaveLength(1);
    const p = e.problems[0]!;
    expect(formatLocation(p)).toBe(c.at);
    expect(p.path).toBe(c.path);
    expect(p.expected).toMatch(c.expected);
    expect(p.found).toBe(c.found);
    expect(p.message).toContain(
      `found ${c.found}`.replace('found the key', 'unknown key').replace(/^unknown key "(.*)"$/, 'unknown key "$1"'),
    );
    if (c.suggestion) {
      expect(p.suggestion).toBe(c.suggestion);
      expect(p.message).toContain(`did you mean "${c.suggestion}"?`);
    }
    expect(p.message).not.toMatch(/^Invalid input$/);
    expect(e.message).toContain(`${c.at} ${c.path}: `);
  });

  it('no problem of any case says only "Invalid input", and each names expected and found', () => {
    for (const c of CASES) {
      for (const p of loadSpec(c.text, 'wif.yaml')._unsafeUnwrapErr().problems) {
        expect(p.message).not.toMatch(/^Invalid input/);
        expect(p.expected).toBeTruthy();
        expect(p.found).toBeTruthy();
      }
    }
  });

  it('offers no suggestion for a key unlike any valid one', () => {
    const p = loadSpec(connection('    colour: blue'), 'wif.yaml')._unsafeUnwrapErr().problems[0]!;
    expect(p.suggestion).toBeUndefined();
    expect(p.message).not.toContain('did you mean');
    expect(formatLocation(p)).toBe('wif.yaml:9:5');
  });

  it('locates problems in a JSON spec too', () => {
    const json = JSON.stringify(
      {
        organization: 'contoso',
        tenantId: TENANT,
        connections: [{ project: 'p', name: 'n', app: 'a', scope: `/subscriptions/${SUB}`, roles: ['Reader'], pipelines: '101' }],
      },
      null,
      2,
    );
    const p = loadSpec(json, 'wif.json')._unsafeUnwrapErr().problems[0]!;
    expect(p.path).toBe('connections[0].pipelines');
    expect(formatLocation(p)).toBe(`wif.json:${json.split('\n').findIndex((l) => l.includes('"pipelines"')) + 1}:20`);
  });
});
