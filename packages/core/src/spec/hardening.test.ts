/**
 * Spec strings cannot inject: every string (named field or not) is refused when it holds a control
 * or invisible formatting character, unknown YAML tags are refused, YAML warnings go to the caller
 * (never to the process's stderr), and an oversized spec is refused before it is parsed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkResolvedSpec, loadSpec, MAX_SPEC_BYTES, parseSpecText, type ResolvedSpec } from './load';

const SUB = '11111111-2222-3333-4444-555555555555';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-a`;

function spec(connection: Record<string, unknown>): string {
  return JSON.stringify({
    organization: 'contoso',
    tenantId: TENANT,
    connections: [{ project: 'platform', name: 'sc-a', app: 'app-a', scope: RG, roles: ['Reader'], ...connection }],
  });
}

afterEach(() => vi.restoreAllMocks());

describe('spec strings refuse control and format characters', () => {
  it.each([
    ['a role name carrying a ##vso logging command', { roles: ['Reader\n##vso[task.setvariable variable=pwned]1'] }, 'roles[0]'],
    ['a role object carrying CR', { roles: [{ role: 'Reader\r##[error]x' }] }, 'roles[0].role'],
    ['an ANSI escape in the connection name', { name: 'sc-\u001b[31mred' }, 'name'],
    ['a C1 control (NEL) in the app name', { app: 'app\u0085a' }, 'app'],
    ['a C1 CSI in the project', { project: 'plat\u009bform' }, 'project'],
    ['a bidi override in the description', { description: 'safe \u202egnp.exe' }, 'description'],
    ['a bidi isolate in the subscription name', { subscriptionName: 'Prod\u2066x\u2069' }, 'subscriptionName'],
    ['a zero-width space in the app display name', { app: { displayName: 'app\u200ba' } }, 'app.displayName'],
    ['a zero-width joiner in a shareWith project', { shareWith: ['ops\u200d'] }, 'shareWith[0]'],
    ['a BOM inside a name', { name: 'sc\ufeffa' }, 'name'],
    ['a line separator in a role', { roles: ['Read\u2028er'] }, 'roles[0]'],
    ['DEL in the scope', { scope: `${RG}\u007f` }, 'scope'],
  ])('%s', (_name, connection, field) => {
    const e = loadSpec(spec(connection))._unsafeUnwrapErr();
    expect(e.kind).toBe('Validation');
    expect(e.problems.map((p) => p.path)).toContain(`connections[0].${field}`);
    expect(e.message).toMatch(/control or invisible formatting character/);
    expect(e.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('refuses an unsafe character in a field name too', () => {
    const text = JSON.stringify({ organization: 'contoso', tenantId: TENANT, 'x\u001b[2J': 1, connections: [] });
    expect(loadSpec(text)._unsafeUnwrapErr().message).toMatch(/field name contains a control/);
  });

  it('checks a hand-built resolved spec the same way before a workflow sends anything', () => {
    const good = loadSpec(spec({}))._unsafeUnwrap();
    const bad: ResolvedSpec = { ...good, connections: [{ ...good.connections[0]!, description: 'x\u202ey' }] };
    expect(checkResolvedSpec(good).isOk()).toBe(true);
    expect(checkResolvedSpec(bad)._unsafeUnwrapErr().problems[0]!.path).toBe('connections[0].description');
  });
});

describe('a loaded spec', () => {
  it('is frozen to the last array, so that checking it again can be skipped; a copy is checked in full', () => {
    const good = loadSpec(spec({ shareWith: ['other'] }))._unsafeUnwrap();
    const c = good.connections[0]!;
    for (const part of [good, good.connections, c, c.roles, c.roles[0], c.shareWith]) expect(Object.isFrozen(part)).toBe(true);
    expect(() => {
      (c.roles as unknown as unknown[]).push('Owner');
    }).toThrow(TypeError);
    expect(checkResolvedSpec(good)._unsafeUnwrap()).toBe(good);
    // The same content in objects the loader did not make: checked, and a bad value still refused.
    const copy: ResolvedSpec = { ...good, connections: [{ ...c, name: 'sc,a' }] };
    expect(checkResolvedSpec(copy)._unsafeUnwrapErr().problems[0]!.path).toBe('connections[0].name');
  });
});

describe('YAML', () => {
  it('refuses tags YAML does not define', () => {
    for (const tag of ['!note', '!evil']) {
      const e = loadSpec(`organization: contoso\ntenantId: ${TENANT}\nconnections: ${tag} []\n`, 'wif.yaml')._unsafeUnwrapErr();
      expect(e.message).toContain('wif.yaml');
      expect(e.message).toContain(`Unresolved tag: ${tag}`);
    }
  });

  it('hands warnings to the caller and never to process.emitWarning', () => {
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const warnings: string[] = [];
    const r = parseSpecText('%YAML 1.3\n---\norganization: contoso\n', 'wif.yaml', { onWarning: (w) => warnings.push(w) });
    expect(r.isOk()).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^wif\.yaml: Unsupported YAML version 1\.3/);
    parseSpecText('%YAML 1.3\n---\na: 1\n');
    expect(emit).not.toHaveBeenCalled();
  });

  it('refuses a spec over 1 MB before parsing it', () => {
    const big = `organization: contoso\n# ${'x'.repeat(MAX_SPEC_BYTES)}\n`;
    const e = parseSpecText(big, 'big.yaml')._unsafeUnwrapErr();
    expect(e.problems[0]).toMatchObject({ path: 'big.yaml' });
    expect(e.message).toMatch(/larger than 1048576 bytes/);
  });
});
