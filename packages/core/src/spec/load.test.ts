import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSpec } from './load';

const SUB = '11111111-2222-3333-4444-555555555555';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('loadSpec', () => {
  it('expands an environment set into dev, prod and prod-readonly with one app each', () => {
    const spec = loadSpec(`
organization: contoso
tenantId: ${TENANT}
environments:
  - project: platform
    name: sc-platform
    subscriptionId: ${SUB}
    subscriptionName: Platform
    dev: { resourceGroup: rg-platform-dev }
    prod: { resourceGroup: rg-platform-prod, pipelines: [12] }
    extraRoles:
      - { role: Reader, scope: /subscriptions/${SUB}/resourceGroups/rg-tfstate }
`)._unsafeUnwrap();
    expect(spec.connections.map((c) => c.name)).toEqual(['sc-platform-dev', 'sc-platform-prod', 'sc-platform-prod-readonly']);
    expect(new Set(spec.connections.map((c) => c.app.uniqueName)).size).toBe(3);
    const [dev, prod, ro] = spec.connections;
    expect(dev!.roles[0]).toEqual({ role: 'Contributor', scope: `/subscriptions/${SUB}/resourceGroups/rg-platform-dev` });
    expect(prod!.pipelines).toEqual([12]);
    expect(ro!.roles[0]).toEqual({ role: 'Reader', scope: `/subscriptions/${SUB}/resourceGroups/rg-platform-prod` });
    expect(ro!.roles[1]!.scope).toContain('rg-tfstate');
    expect(dev!.target).toEqual({ level: 'subscription', subscriptionId: SUB, subscriptionName: 'Platform' });
  });

  it('accepts JSON and derives the target from the first role', () => {
    const spec = loadSpec(
      JSON.stringify({
        organization: 'contoso',
        tenantId: TENANT,
        connections: [
          {
            project: 'platform',
            name: 'sc-one',
            app: 'ado-one',
            roles: [{ role: 'Contributor', scope: `/subscriptions/${SUB}/resourceGroups/rg` }],
          },
        ],
      }),
    )._unsafeUnwrap();
    expect(spec.connections[0]!.target).toEqual({ level: 'subscription', subscriptionId: SUB, subscriptionName: SUB });
    expect(spec.connections[0]!.app.uniqueName).toBe('wif-ado-one');
  });

  it('lists every problem at once with its path', () => {
    const e = loadSpec(`
organization: -bad-
tenantId: not-a-guid
connections:
  - project: platform
    name: "sc-x "
    app: ado-x
    roles: [{ role: Contributor, scope: /subscriptions/nope }]
    colour: blue
`)._unsafeUnwrapErr();
    const paths = e.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['organization', 'tenantId', 'connections[0].name', 'connections[0].roles[0].scope', 'connections[0].colour']),
    );
  });

  it('lists problems across connections together with the field problems', () => {
    const e = loadSpec(`
organization: contoso
tenantId: ${TENANT}
connections:
  - { project: p, name: a, app: shared, scope: /subscriptions/${SUB}, roles: [Owner] }
  - { project: p, name: b, app: shared, scope: /subscriptions/${SUB}, roles: [Reader] }
  - { project: p, name: c, app: c, scope: /subscription/${SUB}, roles: [Reader] }
`)._unsafeUnwrapErr();
    expect(e.problems.map((p) => p.path)).toEqual(['connections[2].scope', 'connections[0].roles[0]', 'connections[1].app']);
  });

  it('refuses two connections sharing an app, and duplicate names', () => {
    const e = loadSpec(`
organization: contoso
tenantId: ${TENANT}
connections:
  - { project: p, name: a, app: shared, roles: [{ role: Reader, scope: /subscriptions/${SUB} }] }
  - { project: p, name: b, app: shared, roles: [{ role: Reader, scope: /subscriptions/${SUB} }] }
  - { project: p, name: A, app: other, roles: [{ role: Reader, scope: /subscriptions/${SUB} }] }
`)._unsafeUnwrapErr();
    expect(e.problems.some((p) => p.path === 'connections[1].app' && /one app per connection/.test(p.message))).toBe(true);
    expect(e.problems.some((p) => p.path === 'connections[2]' && /also defined at connections\[0\]/.test(p.message))).toBe(true);
  });

  it('reports malformed YAML as a validation error', () => {
    const e = loadSpec('organization: [unclosed')._unsafeUnwrapErr();
    expect(e.kind).toBe('Validation');
    expect(e.problems[0]!.location).toEqual({ source: 'spec', line: 1, column: 24 });
    expect(e.problems[0]!.message).toMatch(/^not valid YAML or JSON: /);
  });

  it('rejects a spec with no connections', () => {
    const e = loadSpec(`organization: contoso\ntenantId: ${TENANT}\n`)._unsafeUnwrapErr();
    expect(e.problems[0]!.message).toMatch(/names no connection/);
  });

  it('gives a connection one scope for its roles, and a role its own scope', () => {
    const spec = loadSpec(`
organization: contoso
tenantId: ${TENANT}
connections:
  - project: platform
    name: sc-app
    app: ado-app
    scope: /subscriptions/${SUB}/resourceGroups/rg-app
    roles:
      - Contributor
      - { role: Reader, scope: /subscriptions/${SUB}/resourceGroups/rg-tfstate }
`)._unsafeUnwrap();
    expect(spec.connections[0]!.roles).toEqual([
      { role: 'Contributor', scope: `/subscriptions/${SUB}/resourceGroups/rg-app` },
      { role: 'Reader', scope: `/subscriptions/${SUB}/resourceGroups/rg-tfstate` },
    ]);
    expect(spec.connections[0]!.target).toMatchObject({ level: 'subscription', subscriptionId: SUB });
  });

  it('lists a bad connection scope and a role without any scope with the other problems', () => {
    const e = loadSpec(`
organization: contoso
tenantId: ${TENANT}
connections:
  - { project: p, name: a, app: a, scope: /subscriptions/${SUB}, roles: [Reader] }
  - { project: p, name: b, app: b, roles: [Reader, { role: Reader, scope: /subscriptions/${SUB} }] }
  - { project: p, name: c, app: c, scope: /subscriptions/not-a-guid, roles: [Reader], pipelines: [0] }
`)._unsafeUnwrapErr();
    expect(e.problems.map((p) => p.path)).toEqual(['connections[1].roles[0].scope', 'connections[2].scope', 'connections[2].pipelines[0]']);
  });

  it('refuses a privileged role at subscription scope unless allowed, before anything is sent', () => {
    const text = (allow: string) => `
organization: contoso
tenantId: ${TENANT}
connections:
  - { project: p, name: a, app: a, roles: [{ role: owner, scope: /subscriptions/${SUB} ${allow} }] }
  - { project: p, name: b, app: b, roles: [{ role: Owner, scope: /subscriptions/${SUB}/resourceGroups/rg }] }
`;
    const e = loadSpec(text(''))._unsafeUnwrapErr();
    expect(e.problems).toMatchObject([{ path: 'connections[0].roles[0]', message: expect.stringMatching(/allowPrivileged/) }]);
    expect(loadSpec(text(', allowPrivileged: true')).isOk()).toBe(true);
  });

  it('loads the complete example of docs/vending.md', () => {
    const doc = readFileSync(new URL('../../../../docs/vending.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n# wif\.yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(yaml).toBeDefined();
    const spec = loadSpec(yaml!)._unsafeUnwrap();
    expect(spec.connections.map((c) => c.name)).toEqual(expect.arrayContaining(['sc-web-dev', 'sc-web-prod', 'sc-web-prod-readonly']));
    expect(spec.connections.some((c) => c.roles.length >= 2 && c.shareWith.length > 0 && Array.isArray(c.pipelines))).toBe(true);
  });
});

describe('loadSpec of JSON text (read without the YAML parser when it resolves)', () => {
  const spec = {
    organization: 'contoso',
    tenantId: TENANT,
    connections: [
      {
        project: 'platform',
        name: 'sc-a',
        app: 'ado-a',
        description: 'a "quoted" \\ back-slashed, {braced} [bracketed], comma-ful text',
        roles: [{ role: 'Contributor', scope: `/subscriptions/${SUB}/resourceGroups/rg-a` }],
      },
    ],
  };

  it('resolves to exactly what the same document gives as YAML', () => {
    const fromJson = loadSpec(JSON.stringify(spec, null, 2))._unsafeUnwrap();
    // A leading comment makes the text YAML only: the YAML parser reads the same document.
    const fromYaml = loadSpec(`# yaml\n${JSON.stringify(spec, null, 2)}`)._unsafeUnwrap();
    expect(fromJson).toEqual(fromYaml);
    expect(fromJson.connections[0]!.description).toBe(spec.connections[0]!.description);
  });

  it('refuses a duplicate key, which JSON.parse alone would silently merge', () => {
    const text = JSON.stringify(spec).replace('"organization":"contoso"', '"organization":"contoso","organization":"fabrikam"');
    expect(() => JSON.parse(text) as unknown).not.toThrow();
    const e = loadSpec(text, 'wif.json')._unsafeUnwrapErr();
    expect(e.kind).toBe('Validation');
    expect(e.problems[0]!.message).toMatch(/not valid YAML or JSON/);
  });

  it('refuses a duplicate key inside a nested object, not a repeated value or a key of another object', () => {
    const nested = JSON.stringify(spec).replace('"name":"sc-a"', '"name":"sc-a","name":"sc-b"');
    expect(loadSpec(nested)._unsafeUnwrapErr().problems[0]!.message).toMatch(/not valid YAML or JSON/);
    const twoConnections = {
      ...spec,
      connections: [
        spec.connections[0]!,
        {
          ...spec.connections[0]!,
          name: 'sc-b',
          app: 'ado-b',
          roles: [{ role: 'Contributor', scope: `/subscriptions/${SUB}/resourceGroups/rg-b` }],
        },
      ],
    };
    expect(
      loadSpec(JSON.stringify(twoConnections))
        ._unsafeUnwrap()
        .connections.map((c) => c.name),
    ).toEqual(['sc-a', 'sc-b']);
  });

  it('reports a problem of a JSON spec with its line and column, as for YAML', () => {
    const bad = JSON.stringify({ ...spec, organization: 'not an org!' }, null, 2);
    const e = loadSpec(bad, 'wif.json')._unsafeUnwrapErr();
    expect(e.problems[0]!.path).toBe('organization');
    expect(e.problems[0]!.location).toEqual({ source: 'wif.json', line: 2, column: 19 });
  });
});

describe('loadSpec warns about connections that share a managed identity with different roles', () => {
  const MI = (name: string) =>
    `{ kind: managedIdentity, subscriptionId: 11111111-2222-3333-4444-555555555555, resourceGroup: rg-identities, name: ${name}, location: westeurope }`;
  const envSet = (identity: string) => `
organization: contoso
tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47
environments:
  - project: platform
    name: sc-platform
    subscriptionId: 11111111-2222-3333-4444-555555555555
    ${identity}
    dev: { resourceGroup: rg-dev }
    prod: { resourceGroup: rg-prod }
`;
  const warningsOf = (text: string, source = 'wif.yaml'): string[] => {
    const warnings: string[] = [];
    expect(loadSpec(text, source, { onWarning: (w) => warnings.push(w) }).isOk()).toBe(true);
    return warnings;
  };

  it('one identity for the whole set: the read-only connection can write prod, and the warning says so', () => {
    const warnings = warningsOf(envSet(`identity: ${MI('id-platform')}`));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'wif.yaml: platform/sc-platform-dev, platform/sc-platform-prod, platform/sc-platform-prod-readonly run on one managed identity, id-platform',
    );
    expect(warnings[0]).toContain('Contributor @ /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-prod');
    expect(warnings[0]).toContain('an identity of its own');
    // The same from a JSON spec (the fast path).
    const json = JSON.stringify({
      organization: 'contoso',
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      environments: [
        {
          project: 'platform',
          name: 'sc-platform',
          subscriptionId: '11111111-2222-3333-4444-555555555555',
          identity: {
            kind: 'managedIdentity',
            subscriptionId: '11111111-2222-3333-4444-555555555555',
            resourceGroup: 'rg-identities',
            name: 'id-platform',
            location: 'westeurope',
          },
          dev: { resourceGroup: 'rg-dev' },
          prod: { resourceGroup: 'rg-prod' },
        },
      ],
    });
    expect(warningsOf(json, 'wif.json')).toHaveLength(1);
  });

  it('no warning for an identity per connection, or for connections on one identity with the same roles', () => {
    expect(
      warningsOf(envSet('').replace('prod: { resourceGroup: rg-prod }', `prod: { resourceGroup: rg-prod, identity: ${MI('id-prod')} }`)),
    ).toEqual([]);
    const same = `
organization: contoso
tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47
connections:
  - { project: platform, name: sc-a, identity: ${MI('id-shared')}, scope: /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-a, roles: [Reader] }
  - { project: web, name: sc-a, identity: ${MI('id-shared')}, scope: /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-a, roles: [Reader] }
`;
    expect(warningsOf(same)).toEqual([]);
  });
});
