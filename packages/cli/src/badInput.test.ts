/**
 * The bad-input catalogue of issue 12: organization names, emulator URLs, credentials, spec strings
 * that would inject into a terminal or an Azure Pipelines log, scopes a URL parser would move, files
 * that are not regular files or are too large. Each is a usage or validation error (exit 2) that says
 * what is wrong, nothing is sent, and nothing printed can start a logging command or a terminal escape.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, HttpResponse } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import { useContractServer } from '@wif/testing/vitest';
import { memoryIo } from '../test/memoryIo';
import { main } from './main';

let requests = 0;
useContractServer([
  http.all('*', () => {
    requests++;
    return HttpResponse.json({}, { status: 500 });
  }),
]);

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SUB = '11111111-2222-3333-4444-555555555555';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-a`;
const dir = mkdtempSync(join(tmpdir(), 'wif-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const E = ['--emulator', 'http://127.0.0.1:4097'];

/** A spec file with one connection, `connection` overriding its fields; returns its path. */
function specFile(name: string, connection: Record<string, unknown>): string {
  const path = join(dir, name);
  const doc = {
    organization: 'contoso',
    tenantId: TENANT,
    connections: [{ project: 'platform', name: 'sc-a', app: 'app-a', scope: RG, roles: ['Reader'], ...connection }],
  };
  writeFileSync(path, JSON.stringify(doc));
  return path;
}
function rawFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const fifo = join(dir, 'fifo.yaml');
execFileSync('mkfifo', [fifo]);
const journalFifo = join(dir, 'journal-fifo.json');
execFileSync('mkfifo', [journalFifo]);
const aDirectory = join(dir, 'a-directory.yaml');
mkdirSync(aDirectory);
// Sparse: one byte over apply's cap (MAX_PLAN_BYTES) without writing 64 MB.
const bigPlan = rawFile('big-plan.json', '');
truncateSync(bigPlan, 64 * 1024 * 1024 + 1);

type Case = readonly [
  name: string,
  argv: readonly string[],
  message: RegExp,
  env?: Record<string, string> | undefined,
  codes?: readonly number[],
];
const VSO = '##vso[task.setvariable variable=pwned]1';
/** `migrate start` of a connection, everything but what a case gets wrong. */
const START = ['migrate', 'start', '--connection', 'sc-a', '--project', 'p', '--tenant', TENANT];

const cases: readonly Case[] = [
  // --org: Azure DevOps organization names, checked before any request
  ['--org ..', ['audit', '--org', '..', ...E], /--org .*not an Azure DevOps organization name/],
  ['--org with a space', ['audit', '--org', 'a b', ...E], /not an Azure DevOps organization name/],
  ['--org with invalid UTF-8 (decoded as U+FFFD)', ['audit', '--org', 'con\ufffdtoso', ...E], /not an Azure DevOps organization name/],
  ['--org starting with a hyphen', ['audit', '--org=-contoso', ...E], /not an Azure DevOps organization name/],
  ['--org ending with a hyphen', ['audit', '--org', 'contoso-', ...E], /not an Azure DevOps organization name/],
  ['--org of 51 characters', ['audit', '--org', 'a'.repeat(51), ...E], /not an Azure DevOps organization name/],
  ['--org with a slash', ['audit', '--org', 'contoso/../x', ...E], /not an Azure DevOps organization name/],
  ['--org carrying a logging command', ['audit', '--org', `x\n${VSO}`, ...E], /not an Azure DevOps organization name/],
  ['--org carrying a terminal escape', ['audit', '--org', 'x\u001b[2J\u001b]0;pwned\u0007', ...E], /not an Azure DevOps organization name/],
  ['WIF_ORG ..', ['audit', ...E], /not an Azure DevOps organization name/, { WIF_ORG: '..' }],
  ['--org with --json carrying ##vso', ['audit', '--json', '--org', VSO, ...E], /not an Azure DevOps organization name/],
  // --emulator: a loopback http(s) URL, nothing else
  ['--emulator on another host', ['audit', '--emulator', 'http://10.0.0.1:1'], /must point at this machine/],
  ['--emulator with user info hiding the host', ['audit', '--emulator', 'http://127.0.0.1:1@evil.example:9'], /user name or password/],
  ['--emulator that does not parse', ['audit', '--emulator', 'http://[::1'], /must be a URL/],
  ['--emulator with another scheme', ['audit', '--emulator', 'ftp://127.0.0.1:21'], /must be a URL starting with http/],
  ['--emulator with a password', ['audit', '--emulator', 'http://u:p@127.0.0.1:4010'], /user name or password/],
  ['--emulator by name', ['audit', '--emulator', 'http://example.com:4010'], /must point at this machine/],
  ['WIF_EMULATOR_URL at the metadata service', ['audit'], /must point at this machine/, { WIF_EMULATOR_URL: 'http://169.254.169.254' }],
  ['--emulator with a query', ['audit', '--emulator', 'http://127.0.0.1:4010/?x=1'], /query or fragment/],
  ['--emulator carrying an escape', ['audit', '--emulator', 'http://127.0.0.1:1\u001b[31m'], /--emulator/],
  // credentials
  [
    'a whitespace-only AZURE_DEVOPS_EXT_PAT',
    ['audit', '--org', 'contoso', ...E],
    /AZURE_DEVOPS_EXT_PAT is set but holds only whitespace/,
    { AZURE_DEVOPS_EXT_PAT: '   ' },
  ],
  [
    'a PAT with a newline inside',
    ['audit', '--org', 'contoso', ...E],
    /AZURE_DEVOPS_EXT_PAT holds whitespace or control/,
    { AZURE_DEVOPS_EXT_PAT: 'abc\ndef' },
  ],
  [
    'a whitespace-only SYSTEM_ACCESSTOKEN',
    ['audit', '--org', 'contoso', '--devops-auth', 'pat', ...E],
    /SYSTEM_ACCESSTOKEN is set but/,
    { SYSTEM_ACCESSTOKEN: '\t' },
  ],
  // spec strings
  [
    'a role name carrying ##vso on a new line',
    ['plan', '--config', specFile('role.json', { roles: [`Reader\n${VSO}`] }), ...E],
    /roles\[0\].*control or invisible/,
  ],
  [
    'a role name carrying CR ##[error]',
    ['plan', '--config', specFile('cr.json', { roles: ['Reader\r##[error]x'] }), ...E],
    /control or invisible/,
  ],
  [
    'an ANSI escape in a connection name',
    ['plan', '--config', specFile('ansi.json', { name: 'sc-\u001b[31mred' }), ...E],
    /name.*control or invisible/,
  ],
  [
    'an OSC title escape in a role',
    ['plan', '--config', specFile('osc.json', { roles: ['Reader\u001b]0;t\u0007'] }), ...E],
    /control or invisible/,
  ],
  ['a C1 control in the app', ['plan', '--config', specFile('c1.json', { app: 'app\u009b2J' }), ...E], /app.*control or invisible/],
  [
    'a bidi override in the description',
    ['plan', '--config', specFile('bidi.json', { description: 'a\u202eb' }), ...E],
    /description.*control or invisible/,
  ],
  [
    'a zero-width space in the project',
    ['plan', '--config', specFile('zw.json', { project: 'plat\u200bform' }), ...E],
    /project.*control or invisible/,
  ],
  [
    'an unknown YAML tag',
    ['plan', '--config', rawFile('tag.yaml', `organization: contoso\ntenantId: ${TENANT}\nconnections: !evil []\n`), ...E],
    /Unresolved tag: !evil/,
  ],
  [
    'a scope with a .. segment',
    ['plan', '--config', specFile('dots.json', { scope: `${RG}/providers/Microsoft.Web/sites/..` }), ...E],
    /'\.' or '\.\.' segment/,
  ],
  [
    'a scope inside Microsoft.Authorization',
    ['plan', '--config', specFile('authz.json', { scope: `${RG}/providers/Microsoft.Authorization/roleAssignments/x` }), ...E],
    /Microsoft\.Authorization/,
  ],
  // files
  ['a spec over 1 MB', ['plan', '--config', rawFile('big.yaml', `# ${'x'.repeat(1_100_000)}\n`), ...E], /larger than 1048576 bytes/],
  ['--config /dev/zero', ['plan', '--config', '/dev/zero', ...E], /not a regular file/],
  ['--config a FIFO', ['plan', '--config', fifo, ...E], /not a regular file/],
  ['--config a directory', ['plan', '--config', aDirectory, ...E], /not a regular file/],
  ['--journal a FIFO', ['migrate', 'status', '--journal', journalFifo, ...E], /not a regular file/],
  ['--journal /dev/zero', ['migrate', 'status', '--journal', '/dev/zero', ...E], /not a regular file/],
  // migration and diagnose inputs: checked before the access check, which would otherwise go first
  [
    'migrate start with a scope that is not one',
    [...START, '--inventory-scope', '/subscriptions/x', '--journal', join(dir, 'j1.json'), ...E],
    /inventoryScopes\[0\].*not a subscription id/,
  ],
  [
    'migrate start onto an identity whose subscription is no GUID',
    [
      ...START,
      '--identity',
      'managed',
      '--identity-subscription',
      'nope',
      '--identity-resource-group',
      'rg',
      '--location',
      'westeurope',
      '--journal',
      join(dir, 'j2.json'),
      ...E,
    ],
    /identity\.subscriptionId: is not a GUID/,
  ],
  [
    'migrate convert of a name with a comma',
    ['migrate', 'convert', '--scheme', '--connection', 'a,b', '--project', 'p', '--yes', '--journal', join(dir, 'j3.json'), ...E],
    /connectionName: must not contain a comma/,
  ],
  [
    'migrate finish of a migration the journal does not have (exit 1)',
    ['migrate', 'finish', '--id', 'nope', '--yes', '--journal', join(dir, 'j4.json'), ...E],
    /MigrationNotFound/,
    undefined,
    [1],
  ],
  [
    'diagnose a connection name with a comma',
    ['diagnose', 'AADSTS700213', '--connection', 'x,y', '--project', 'p', ...E],
    /connectionName: must not contain a comma/,
  ],
  ['--plan /dev/zero', ['apply', '--plan', '/dev/zero', '--yes', ...E], /Cannot read the plan \/dev\/zero: it is not a regular file/],
  ['--plan a FIFO', ['apply', '--plan', fifo, '--yes', ...E], /not a regular file/],
  ['--plan over 64 MB', ['apply', '--plan', bigPlan, '--yes', ...E], /larger than 67108864 bytes/],
  // the emulator's state file: checked whole before it listens
  [
    'an emulator state that is not JSON',
    ['emulator', '--port', '0', '--state', rawFile('state-bad.json', '{not json')],
    /state-bad\.json is not JSON/,
  ],
  [
    'an emulator state of the right format but corrupt',
    [
      'emulator',
      '--port',
      '0',
      '--state',
      rawFile('state-corrupt.json', JSON.stringify({ format: 'wif-emulator-state/1', applications: 5 })),
    ],
    /state-corrupt\.json/,
  ],
  // echoed input in argument errors
  ['an unknown option carrying an escape', ['plan', `--x\u001b[2J`, ...E], /x/],
  ['an unknown command carrying ##vso', [VSO], /unknown command|vso/i],
];

/** No line that the agent or a terminal would act on. */
function assertInert(text: string): void {
  expect(text).not.toContain('\u001b');
  expect(text).not.toMatch(/##vso\[/i);
  expect(text).not.toMatch(/\r/);
  for (const line of text.split('\n')) expect(line.trimStart()).not.toMatch(/^##\[/);
}

describe('bad-input catalogue', () => {
  it.each(cases)('%s → exit 2, a clear message, nothing sent, nothing injected', async (...c) => {
    const [, argv, message, env, codes] = c as unknown as Case;
    const before = requests;
    const io = memoryIo(env ? { env } : {});
    const code = await main(argv, io);
    expect(codes ?? [2]).toContain(code);
    expect(io.err() + io.out()).toMatch(message);
    expect(requests).toBe(before);
    assertInert(io.out());
    assertInert(io.err());
  });

  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it('diagnose echoes pasted text without a logging command or escape', async () => {
    const io = memoryIo();
    const code = await main(['diagnose', `AADSTS700213: x ${VSO}\n##[error]y\u001b[2J\u202e`], io);
    expect([0, 1]).toContain(code);
    assertInert(io.out());
    assertInert(io.err());
  });
});
