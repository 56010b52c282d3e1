/**
 * The bad-input catalogue: every malformed input gets a clear `Validation` error, sends no request
 * and does not crash. Each row is one input; the suite counts them so the catalogue cannot shrink
 * below 60 without a failing test.
 */
import { useFake } from '@wif/testing/vitest';
import { describe, expect, it } from 'vitest';
import {
  bindFederatedCredential,
  createClients,
  createManualConnection,
  grantRole,
  loadSpec,
  registerApp,
  verifySubject,
} from '../src/index';

const G = '11111111-2222-3333-4444-555555555555';
const T = '72f988bf-86f1-41af-91ab-2d7cd011db47';
// Default retries: a validation error must send nothing, so there is nothing to retry.
const { fake, clients } = useFake({ reset: 'file', retry: {}, clients: createClients });

type Case = readonly [name: string, run: () => unknown, path?: string];

const goodTarget = { level: 'subscription', subscriptionId: G, subscriptionName: 'Sub' } as const;
const conn = (over: Record<string, unknown>) =>
  createManualConnection(
    { devops: clients.devops },
    {
      project: 'platform',
      name: 'sc-x',
      tenantId: T,
      appId: G,
      target: goodTarget,
      ...over,
    },
  );
const bind = (over: Record<string, unknown>) =>
  bindFederatedCredential(
    { graph: clients.graph },
    {
      appObjectId: G,
      issuer: `https://login.microsoftonline.com/${T}/v2.0`,
      subject: 'sc://o/p/n',
      connectionId: G,
      ...over,
    },
  );
const grant = (over: Record<string, unknown>) =>
  grantRole({ arm: clients.arm }, { scope: `/subscriptions/${G}/resourceGroups/rg`, role: 'Reader', principalId: G, ...over });
const reg = (over: Record<string, unknown>) => registerApp({ graph: clients.graph }, { displayName: 'ado-app', ...over });
const verify = (over: Record<string, unknown>) =>
  verifySubject({ graph: clients.graph, devops: clients.devops }, { project: 'platform', connectionId: G, ...over });
const spec = (text: string) => loadSpec(text);
const yaml = (conns: string) => `organization: contoso\ntenantId: ${T}\nconnections:\n${conns}`;
const c1 = (extra: string) =>
  `  - project: platform\n    name: sc-a\n    app: ado-a\n    roles: [{ role: Reader, scope: /subscriptions/${G}/resourceGroups/rg }]\n${extra}`;

const cases: Case[] = [
  // GUIDs
  ['appId not a GUID', () => conn({ appId: 'not-a-guid' }), 'appId'],
  ['appId with braces', () => conn({ appId: `{${G}}` }), 'appId'],
  ['appId with trailing space', () => conn({ appId: `${G} ` }), 'appId'],
  ['appId with leading newline', () => conn({ appId: `\n${G}` }), 'appId'],
  ['appId without dashes', () => conn({ appId: G.replaceAll('-', '') }), 'appId'],
  ['tenantId empty', () => conn({ tenantId: '' }), 'tenantId'],
  ['tenantId a number', () => conn({ tenantId: 42 }), 'tenantId'],
  ['subscriptionId too short', () => conn({ target: { ...goodTarget, subscriptionId: '1111-2222' } }), 'target.subscriptionId'],
  ['principalId not a GUID', () => grant({ principalId: 'sp-object' }), 'principalId'],
  ['principalId null', () => grant({ principalId: null }), 'principalId'],
  ['appObjectId with whitespace', () => bind({ appObjectId: ` ${G}` }), 'appObjectId'],
  ['connectionId not a GUID (verify)', () => verify({ connectionId: 'sc-prod' }), 'connectionId'],
  ['connectionId not a GUID (bind)', () => bind({ connectionId: 'abc' }), 'connectionId'],
  // Scopes
  ['scope empty', () => grant({ scope: '' }), 'scope'],
  ['scope with stray whitespace', () => grant({ scope: ` /subscriptions/${G}` }), 'scope'],
  ['scope subscription id not a GUID', () => grant({ scope: '/subscriptions/prod' }), 'scope'],
  ['scope with empty segment', () => grant({ scope: `/subscriptions/${G}//resourceGroups/rg` }), 'scope'],
  ['scope resource group name too long', () => grant({ scope: `/subscriptions/${G}/resourceGroups/${'r'.repeat(91)}` }), 'scope'],
  ['scope resource group ending in a period', () => grant({ scope: `/subscriptions/${G}/resourceGroups/rg.` }), 'scope'],
  ['scope unknown level', () => grant({ scope: `/tenants/${G}` }), 'scope'],
  ['scope a URL', () => grant({ scope: `https://management.azure.com/subscriptions/${G}` }), 'scope'],
  ['scope with query string', () => grant({ scope: `/subscriptions/${G}?api-version=1` }), 'scope'],
  ['scope resource without type', () => grant({ scope: `/subscriptions/${G}/resourceGroups/rg/providers/Microsoft.Storage` }), 'scope'],
  // Roles
  ['role empty', () => grant({ role: '' }), 'role'],
  ['role with trailing space', () => grant({ role: 'Contributor ' }), 'role'],
  ['role not a string', () => grant({ role: ['Reader'] }), 'role'],
  ['unknown field on grant', () => grant({ roles: 'Reader' }), ''],
  // Names
  ['connection name with trailing space', () => conn({ name: 'sc-prod ' }), 'name'],
  ['connection name empty', () => conn({ name: '' }), 'name'],
  ['connection name with a tab', () => conn({ name: 'sc\tprod' }), 'name'],
  ['connection name too long', () => conn({ name: 'x'.repeat(257) }), 'name'],
  ['project name with a slash', () => conn({ project: 'plat/form' }), 'project'],
  ['project name starting with underscore', () => conn({ project: '_platform' }), 'project'],
  ['project name ending with a period', () => conn({ project: 'platform.' }), 'project'],
  ['project name too long', () => conn({ project: 'p'.repeat(65) }), 'project'],
  ['display name with leading space', () => reg({ displayName: ' ado-app' }), 'displayName'],
  ['display name empty', () => reg({ displayName: '' }), 'displayName'],
  ['uniqueName with a space', () => reg({ uniqueName: 'my app' }), 'uniqueName'],
  ['uniqueName starting with a dash', () => reg({ uniqueName: '-app' }), 'uniqueName'],
  ['unknown field on registerApp', () => reg({ signInAudience: 'AzureADMultipleOrgs' }), ''],
  ['credential name too short', () => bind({ name: 'ab' }), 'name'],
  ['credential name with a dot', () => bind({ name: 'ado.sc' }), 'name'],
  ['credential name starting with underscore', () => bind({ name: '_ado-sc' }), 'name'],
  ['credential without name or connection id', () => bind({ connectionId: undefined }), 'name'],
  // Issuers and subjects
  ['issuer with trailing whitespace', () => bind({ issuer: `https://login.microsoftonline.com/${T}/v2.0 ` }), 'issuer'],
  ['issuer with leading whitespace', () => bind({ issuer: ` https://vstoken.dev.azure.com/${G}` }), 'issuer'],
  ['issuer not a URL', () => bind({ issuer: 'vstoken.dev.azure.com' }), 'issuer'],
  ['issuer plain http to a remote host', () => bind({ issuer: `http://vstoken.dev.azure.com/${G}` }), 'issuer'],
  ['issuer longer than 600', () => bind({ issuer: `https://x.example.com/${'a'.repeat(600)}` }), 'issuer'],
  ['subject with trailing newline', () => bind({ subject: 'sc://contoso/platform/sc-prod\n' }), 'subject'],
  ['subject with a wildcard', () => bind({ subject: 'sc://contoso/platform/*' }), 'subject'],
  ['subject empty', () => bind({ subject: '' }), 'subject'],
  ['subject longer than 600', () => bind({ subject: 's'.repeat(601) }), 'subject'],
  // Targets
  ['target level unknown', () => conn({ target: { level: 'tenant', tenantId: T } }), 'target.level'],
  [
    'management group id with a space',
    () => conn({ target: { level: 'managementGroup', managementGroupId: 'mg 1', managementGroupName: 'MG' } }),
    'target.managementGroupId',
  ],
  ['cloud unknown', () => conn({ cloud: 'AzureGermanCloud' }), 'cloud'],
  // Specs
  ['spec: not YAML', () => spec('organization: [unclosed'), ''],
  ['spec: a list at the top', () => spec('- a\n- b'), ''],
  ['spec: organization with a space', () => spec(yaml(c1('')).replace('contoso', 'con toso')), 'organization'],
  ['spec: tenantId a number', () => spec(`organization: contoso\ntenantId: 42\nconnections:\n${c1('')}`), 'tenantId'],
  ['spec: unknown top-level field', () => spec(`${yaml(c1(''))}\nextra: 1`), ''],
  ['spec: unknown connection field', () => spec(yaml(c1('    colour: blue\n'))), 'connections[0].colour'],
  ['spec: roles empty', () => spec(yaml(`  - { project: platform, name: sc-a, app: ado-a, roles: [] }\n`)), 'connections[0].roles'],
  [
    'spec: roles of the wrong type',
    () => spec(yaml(`  - { project: platform, name: sc-a, app: ado-a, roles: Reader }\n`)),
    'connections[0].roles',
  ],
  ['spec: pipelines with a negative id', () => spec(yaml(c1('    pipelines: [-1]\n'))), 'connections[0].pipelines[0]'],
  ['spec: pipelines all false', () => spec(yaml(c1('    pipelines: { all: false }\n'))), 'connections[0].pipelines.all'],
  ['spec: duplicate connection names', () => spec(yaml(c1('') + c1('').replace('ado-a', 'ado-b'))), 'connections[1]'],
  ['spec: one app for two connections', () => spec(yaml(c1('') + c1('').replace('sc-a', 'sc-b'))), 'connections[1].app'],
  ['spec: shares with its own project', () => spec(yaml(c1('    shareWith: [platform]\n'))), 'connections[0].shareWith'],
  ['spec: duplicate keys', () => spec(`organization: contoso\norganization: other\ntenantId: ${T}\nconnections:\n${c1('')}`), ''],
  ['spec: no connections', () => spec(`organization: contoso\ntenantId: ${T}`), 'connections'],
  [
    'spec: environment set without prod',
    () =>
      spec(
        `organization: contoso\ntenantId: ${T}\nenvironments:\n  - { project: p, name: env, subscriptionId: ${G}, dev: { resourceGroup: rg } }`,
      ),
    'environments[0].prod',
  ],
  [
    'spec: environment resource group with a slash',
    () =>
      spec(
        `organization: contoso\ntenantId: ${T}\nenvironments:\n  - { project: p, name: env, subscriptionId: ${G}, dev: { resourceGroup: a/b }, prod: { resourceGroup: rg } }`,
      ),
    'environments[0].dev.resourceGroup',
  ],
  [
    'spec: alias bomb',
    () =>
      spec(
        `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]`,
      ),
    '',
  ],
];

describe('bad input catalogue', () => {
  it('has at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases.map((c) => [c[0], c] as const))('%s → Validation, nothing sent', async (_name, [, run, path]) => {
    const before = fake.requests.length;
    const result = (await run()) as { isErr(): boolean };
    expect(result.isErr()).toBe(true);
    const error = (result as unknown as { error: { kind: string; problems: { path: string; message: string }[]; message: string } }).error;
    expect(error.kind).toBe('Validation');
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.message).toMatch(/nothing was sent/);
    if (path) expect(error.problems.map((p) => p.path)).toContain(path);
    expect(fake.requests.length).toBe(before);
  });
});
