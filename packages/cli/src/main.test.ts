import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../test/memoryIo';
import { useEmulator } from '../test/useEmulator';
import { EXIT } from './exitCodes';
import { main } from './main';
import { preflightError } from './runtime';
import { VERSION } from './version';

const ENV_SET = fileURLToPath(new URL('../../../examples/env-set.yaml', import.meta.url));
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL3ZzdG9rZW4ifQ.c2lnbmF0dXJlLWJ5dGVz';

const ctx = useEmulator('wif-cli-');

/** Runs `wif` in-process against the emulator; returns the exit code and what it printed. */
async function wif(args: string[], options: { tty?: boolean; input?: string; env?: Record<string, string> } = {}) {
  const io = memoryIo({
    cwd: ctx.dir,
    env: { WIF_EMULATOR_URL: ctx.emu.url, ...options.env },
    ...(options.tty ? { tty: true } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('wif (in-process, against the emulator)', () => {
  it('prints the version and help without loading a command, and exits 2 when no command is given', async () => {
    expect(await wif(['--version'])).toMatchObject({ code: EXIT.ok, out: `${VERSION}\n` });
    const help = await wif(['apply', '--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.out).toContain('--keep-on-failure');
    expect((await wif([])).code).toBe(EXIT.usage);
  });

  it('exits 2 on a usage error, as JSON with --json', async () => {
    const r = await wif(['plan', '--bogus', '--json']);
    expect(r.code).toBe(EXIT.usage);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { kind: 'Usage' } });
  });

  it('exits 2 for a missing or invalid spec, listing every problem with its path, before any request', async () => {
    const bad = join(ctx.dir, 'bad.yaml');
    await writeFile(bad, 'organization: contoso\ntenantId: not-a-guid\nconnections: []\n');
    const r = await wif(['plan', '-c', bad]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('tenantId: is not a GUID');
    expect((await wif(['plan', '-c', join(ctx.dir, 'missing.yaml')])).err).toContain(`no such file: ${join(ctx.dir, 'missing.yaml')}`);
    expect((await wif(['plan'])).code).toBe(EXIT.usage);
    expect(ctx.emu.fake.requests).toHaveLength(0);
  });

  it('plans, refuses to apply without a terminal or --yes, applies with --yes, then finds nothing to do', async () => {
    const first = await wif(['plan', '-c', ENV_SET, '--exit-code']);
    expect(first.code).toBe(EXIT.drift);
    // prod of the example carries an approval and branch control, shown field by field, and its security roles.
    expect(first.out).toMatch(/create\s+check\s+approvals\s+.*approvers: ∅ → \[platform\]\\Project Administrators/);
    expect(first.out).toMatch(/create\s+check\s+branchControl\s+.*inputs\.allowedBranches: ∅ → refs\/heads\/main/);
    expect(first.out).toMatch(/create\s+securityRole\s+\[platform\]\\Contributors\s+role: ∅ → User/);

    const before = ctx.emu.fake.requests.length;
    const refused = await wif(['apply', '-c', ENV_SET]);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.err).toContain('pass --yes');
    expect(ctx.emu.fake.requests.length).toBe(before);

    const applied = await wif(['apply', '-c', ENV_SET, '--yes']);
    expect(applied.code).toBe(EXIT.ok);
    expect(applied.out).toMatch(/3 converged \(3 created/);
    // No terminal: plain, timestamped progress lines on stderr.
    expect(applied.err).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ platform\/sc-platform-dev: started$/m);
    expect(ctx.emu.fake.state.serviceEndpoints().map((e) => e.name)).toEqual(
      expect.arrayContaining(['sc-platform-dev', 'sc-platform-prod', 'sc-platform-prod-readonly']),
    );

    const plan = await wif(['plan', '-c', ENV_SET, '--exit-code', '--json']);
    expect(plan.code).toBe(EXIT.ok);
    expect(JSON.parse(plan.out)).toMatchObject({ ok: true, changes: false, organization: 'contoso' });
    expect(plan.err).toBe('');
    expect(ctx.emu.fake.state.governance.checks()).toHaveLength(2);
  });

  it('on a terminal, shows the plan and applies only when the answer is yes', async () => {
    const declined = await wif(['apply', '-c', ENV_SET, '--no-color'], { tty: true, input: 'n\n' });
    expect(declined.code).toBe(EXIT.failure);
    expect(declined.out).toContain('+  create  application');
    expect(declined.err).toContain('Apply these changes to contoso? [y/N]');
    expect(ctx.emu.fake.state.serviceEndpoints().some((e) => e.name === 'sc-platform-dev')).toBe(false);
    const accepted = await wif(['apply', '-c', ENV_SET, '--no-color'], { tty: true, input: 'yes\n' });
    expect(accepted.code).toBe(EXIT.ok);
    expect(ctx.emu.fake.state.serviceEndpoints().some((e) => e.name === 'sc-platform-dev')).toBe(true);
    // Live progress on a terminal: lines redrawn in place.
    expect(accepted.err).toContain('\u001b[2K');
  });

  it('verifies trust chains, and explains a broken subject with its hint (exit 1)', async () => {
    await wif(['apply', '-c', ENV_SET, '--yes']);
    expect((await wif(['verify', '-c', ENV_SET])).code).toBe(EXIT.ok);
    await fetch(`${ctx.emu.url}/_emulator/break-subject`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connection: 'sc-platform-dev' }),
    });
    const r = await wif(['verify', '-c', ENV_SET]);
    expect(r.code).toBe(EXIT.failure);
    expect(r.err).toContain('SubjectMismatch');
    expect(r.err).toContain('hint: differs only in letter case');
    const one = await wif(['verify', '-c', ENV_SET, '--connection', 'sc-platform-prod', '--json']);
    expect(one.code).toBe(EXIT.ok);
    expect((JSON.parse(one.out) as { connections: unknown[] }).connections).toHaveLength(1);
  });

  it('verify of a connection renamed in the portal: its chain holds, and a warning says pipelines naming it will not find it', async () => {
    await wif(['apply', '-c', ENV_SET, '--yes']);
    const prod = ctx.emu.fake.state.serviceEndpoints().find((e) => e.name === 'sc-platform-prod')!;
    ctx.emu.fake.state.renameServiceEndpoint(prod.id, 'prod-by-hand');
    try {
      const r = await wif(['verify', '-c', ENV_SET, '--no-color']);
      expect(r.code).toBe(EXIT.ok);
      expect(r.err).toContain(
        '! sc-platform-prod: it is named "prod-by-hand" in Azure DevOps: a pipeline that names sc-platform-prod does not find it (wif sync renames it back).',
      );
      const json = JSON.parse((await wif(['verify', '-c', ENV_SET, '--json'])).out) as {
        connections: Array<{ name: string; warnings?: string[] }>;
      };
      expect(json.connections.find((c) => c.name === 'sc-platform-prod')!.warnings).toHaveLength(1);
      expect(json.connections.find((c) => c.name === 'sc-platform-dev')!.warnings).toBeUndefined();
    } finally {
      ctx.emu.fake.state.renameServiceEndpoint(prod.id, 'sc-platform-prod');
    }
  });

  it('prints the request log with --verbose, with no token or PAT in it', async () => {
    const pat = 'emulator-pat-0123456789abcdef';
    const r = await wif(['plan', '-c', ENV_SET, '--verbose', '--devops-auth', 'pat'], { env: { AZURE_DEVOPS_EXT_PAT: pat } });
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toContain('auth: emulator development credential; Azure DevOps: personal access token in AZURE_DEVOPS_EXT_PAT');
    expect(r.err).toMatch(/\[debug\] devops: GET http:\/\/127\.0\.0\.1:\d+\/devops\/contoso\/_apis\/projects\/platform/);
    expect(r.err).not.toContain(pat);
    expect(r.err).not.toContain(Buffer.from(`:${pat}`).toString('base64'));
    // The test credential's tokens start with the base64url of {"alg":"none",…}.
    expect(`${r.out}${r.err}`).not.toContain('eyJhbGciOiJub25l');
  });

  it('audits the demo organization: exit 0 by default, 4 with --fail-on high, 2 for an unknown severity', async () => {
    const r = await wif(['audit', '--json']);
    expect(r.code).toBe(EXIT.ok);
    const doc = JSON.parse(r.out) as { findings: Array<{ code: string }>; stats: { complete: boolean } };
    expect(doc.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['SecretBased', 'LegacyIssuer']));
    expect(doc.stats.complete).toBe(true);
    expect((await wif(['audit', '--fail-on', 'high'])).code).toBe(EXIT.findings);
    expect((await wif(['audit', '--fail-on', 'severe'])).code).toBe(EXIT.usage);
  });

  it('audit --query prints only what the query selects from the JSON document; not with another format on stdout', async () => {
    const secrets = await wif(['audit', '--query', "findings[?code=='SecretBased'].connection.name"]);
    expect(secrets.code).toBe(EXIT.ok);
    expect((JSON.parse(secrets.out) as string[]).sort()).toEqual(['sc-platform-automatic', 'sc-shared-deploy']);
    const worst = await wif(['audit', '--query', 'summary.worst', '--fail-on', 'critical']);
    expect(worst.code).toBe(EXIT.findings);
    expect(JSON.parse(worst.out)).toBe('critical');
    const refused = await wif(['audit', '--query', 'summary', '--output', 'ndjson']);
    expect(refused.code).toBe(EXIT.usage);
    // In JSON mode (--query implies it) the error is the document on stdout.
    expect(refused.out).toContain('--query selects from the JSON document');
  });

  it('prints names from the spec and the services inert, in a pipeline run (plain progress) and on a terminal', async () => {
    // Valid names, as far as Azure DevOps and the spec go, that would be logging commands in a pipeline log.
    const name = 'sc-##vso[task.setvariable variable=pwned]1 ##[error]x';
    const spec = join(ctx.dir, 'hostile.json');
    await writeFile(
      spec,
      JSON.stringify({
        organization: 'contoso',
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        connections: [
          {
            project: 'platform',
            name,
            app: 'ado-hostile',
            scope: '/subscriptions/78c6d91d-b273-427d-a92d-943378c2f496/resourceGroups/rg-hostile',
            roles: ['Reader'],
          },
        ],
      }),
    );
    const runs = [
      ['plan', '-c', spec],
      ['apply', '-c', spec, '--yes'],
      ['verify', '-c', spec],
      ['sync', '-c', spec, '--detect-only'],
      ['plan', '-c', spec, '-o', 'yaml'],
      ['audit'],
    ];
    for (const env of [{ TF_BUILD: 'True' }, {}]) {
      for (const argv of runs) {
        const r = await wif(argv, { env, tty: !('TF_BUILD' in env) });
        expect(r.code, `${argv.join(' ')}: ${r.err}`).not.toBe(EXIT.usage);
        expect(r.out + r.err, argv.join(' ')).not.toMatch(/##vso\[|##\[/i);
      }
    }
    expect(ctx.emu.fake.state.serviceEndpoints().some((e) => e.name === name)).toBe(true);
  });

  it('diagnoses from the text alone, without credentials, and prints no secret it was given', async () => {
    const text = `##[error]AADSTS700213: No matching federated identity record found for presented assertion subject 'sc://contoso/platform/sc-dev'. client_assertion=${JWT}`;
    const r = await wif(['diagnose', text, '--json'], { env: { WIF_EMULATOR_URL: '' } });
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).not.toContain(JWT);
    const doc = JSON.parse(r.out) as { diagnoses: Array<{ cause: string }> };
    expect(doc.diagnoses[0]!.cause).toBe('SubjectMismatch');
    expect((await wif(['diagnose', 'the build was fine'], { env: { WIF_EMULATOR_URL: '' } })).code).toBe(EXIT.failure);
  });

  it('migrates a secret-based connection: start, status, finish only with --force before the soak ends', async () => {
    const journal = ['--journal', join(ctx.dir, `journal-${ctx.emu.port}.json`)];
    const target = ['--connection', 'sc-shared-deploy', '--project', 'shared'];
    // The old connection is gated: an approval, and a check wif does not model whose name came from someone.
    const state = ctx.emu.fake.state;
    const old = state.serviceEndpoints().find((e) => e.name === 'sc-shared-deploy')!;
    const on = { projectId: state.project('shared')!.id, resource: { type: 'endpoint', id: old.id } };
    state.governance.addCheck({
      ...on,
      type: { id: '8c6f20a7-a545-4486-9777-f762fafe0d4d', name: 'Approval' },
      settings: { approvers: [{ id: old.createdBy.id }] },
    });
    const custom = {
      displayName: '##vso[task.complete result=Succeeded]',
      definitionRef: { id: '11111111-2222-4333-8444-555555555555' },
      inputs: {},
    };
    state.governance.addCheck({ ...on, type: { id: 'fe1de3ee-a436-41b4-bb20-f6eb4cb879a7', name: 'Task Check' }, settings: custom });
    const started = await wif(['migrate', 'start', ...target, ...journal]);
    expect(started.code, started.err).toBe(EXIT.ok);
    expect(started.out).toContain('checks:  Approval, **vso[task.complete result=Succeeded]');
    expect(started.out + started.err).not.toContain('##vso');
    expect(started.err).toContain(
      'Checks other than approvals, branch control, business hours and exclusive lock were copied as the API returned them',
    );
    const copy = state.serviceEndpoints().find((e) => e.name === 'sc-shared-deploy-wif')!;
    expect(state.governance.checksOn('endpoint', copy.id).map((c) => c.settings)).toEqual([
      { approvers: [{ id: old.createdBy.id }] },
      custom,
    ]);
    // No pipeline was authorised on the seeded connection: what to do next names the new connection.
    expect(started.out).toContain('Next: point the pipelines that use the old connection at sc-shared-deploy-wif');
    const status = await wif(['migrate', 'status', '--json', ...journal]);
    expect(JSON.parse(status.out)).toMatchObject({ migrations: [{ oldConnection: { name: 'sc-shared-deploy' }, phase: 'soaking' }] });
    // finish and rollback delete: with no terminal and no --yes, refused before any request.
    const sent = ctx.emu.fake.requests.length;
    for (const action of ['finish', 'rollback']) {
      const r = await wif(['migrate', action, ...target, ...journal]);
      expect(r.code, action).toBe(EXIT.usage);
      expect(r.err).toContain(`migrate ${action} deletes the ${action === 'finish' ? 'old' : 'new'} connection`);
    }
    expect(ctx.emu.fake.requests.length - sent).toBe(0);
    const early = await wif(['migrate', 'finish', ...target, ...journal, '--yes']);
    expect(early.code).toBe(EXIT.failure);
    expect(early.err).toContain('SoakNotOver');
    // On a terminal the question comes once every check has passed, naming what goes: none before a refusal.
    const soaking = await wif(['migrate', 'finish', ...target, ...journal], { tty: true, input: 'y\n' });
    expect(soaking.err).toContain('SoakNotOver');
    expect(soaking.err).not.toContain('[y/N]');
    const declined = await wif(['migrate', 'finish', ...target, ...journal, '--force'], { tty: true, input: 'n\n' });
    expect(declined.code).toBe(EXIT.failure);
    expect(declined.err).toContain('Delete the old connection "sc-shared-deploy" (shared), the 1 role assignment(s) of its identity');
    expect(declined.err).toContain('Nothing changed.');
    expect(state.serviceEndpoint(old.id)).toBeDefined();
    // A pipeline ran with the old connection during the soak: finish names it and deletes nothing.
    const before = await wif(['migrate', 'status', '--usage', ...journal]);
    expect(before.code, before.err).toBe(EXIT.ok);
    expect(before.out).toContain('sc-shared-deploy: no pipeline has run with it since sc-shared-deploy-wif went live.');
    expect(before.out).toContain('sc-shared-deploy-wif: no pipeline has run with it yet.');
    state.addServiceEndpointExecution(old.id, { project: 'shared', definition: { id: 31, name: 'shared-infra' }, runName: '20261206.4' });
    // Another pipeline was switched already: the new connection's history shows it (what rollback would break).
    state.addServiceEndpointExecution(copy.id, { project: 'shared', definition: { id: 32, name: 'shared-apps' }, runName: '20261206.5' });
    const still = await wif(['migrate', 'status', '--usage', ...journal]);
    expect(still.out).toContain(
      'sc-shared-deploy: still used since sc-shared-deploy-wif went live; point these pipelines at sc-shared-deploy-wif:',
    );
    expect(still.out).toMatch(/shared-infra\s+shared\s+20261206\.4\s+\S+\s+succeeded/);
    expect(still.out).toContain('sc-shared-deploy-wif: already used by these pipelines (a rollback would break them):');
    expect(still.out).toMatch(/shared-apps\s+shared\s+20261206\.5\s+\S+\s+succeeded/);
    const asJson = JSON.parse((await wif(['migrate', 'status', '--usage', '--json', ...journal])).out) as {
      usage: Record<string, { uses: { pipeline: string }[]; complete: boolean }>;
    };
    expect(Object.values(asJson.usage)).toEqual([
      {
        uses: [expect.objectContaining({ pipeline: 'shared-infra', project: 'shared' })],
        complete: true,
        newConnection: { uses: [expect.objectContaining({ pipeline: 'shared-apps', project: 'shared' })], complete: true },
      },
    ]);
    const used = await wif(['migrate', 'finish', ...target, ...journal, '--yes', '--force']);
    expect(used.code).toBe(EXIT.failure);
    expect(used.err).toContain('OldConnectionInUse');
    expect(used.err).toContain('shared-infra in shared (last: 20261206.4 at');
    expect(used.err).toContain('--ignore-recent-use');
    expect(state.serviceEndpoint(old.id)).toBeDefined();
    const finished = await wif(['migrate', 'finish', ...target, ...journal, '--yes', '--force', '--ignore-recent-use']);
    expect(finished.code, finished.err).toBe(EXIT.ok);
    expect(finished.out).toContain(
      'A pipeline that still names sc-shared-deploy now fails with "could not be found": point it at sc-shared-deploy-wif.',
    );
    expect(ctx.emu.fake.state.serviceEndpoints().map((e) => e.name)).not.toContain('sc-shared-deploy');
    expect(ctx.emu.fake.state.serviceEndpoints().map((e) => e.name)).toContain('sc-shared-deploy-wif');
    // A pipeline that never ran during the soak fails now: diagnose reads the journal and names the replacement.
    const text = 'Step AzureCLI input connectedServiceNameARM references service connection sc-shared-deploy which could not be found.';
    const why = await wif(['diagnose', text, ...target, ...journal, '--no-color']);
    expect(why.code, why.err).toBe(EXIT.ok);
    expect(why.out).toMatch(/^ConnectionMigrated \(certain\)/);
    expect(why.out).toContain("Point the pipeline at 'sc-shared-deploy-wif' (azureSubscription: sc-shared-deploy-wif)");
    expect(why.out).not.toContain('ConnectionNotShared');
  });
});

describe('wif migrate onto a managed identity (in-process)', () => {
  it('start --identity managed vends the new connection on the identity; rollback removes it and the identity; usage errors exit 2', async () => {
    const journal = ['--journal', join(ctx.dir, `journal-mi-${ctx.emu.port}.json`)];
    const target = ['--connection', 'sc-shared-deploy', '--project', 'shared'];
    const sub = ctx.emu.fake.state.subscriptionId;
    const half = await wif(['migrate', 'start', ...target, ...journal, '--identity', 'managed', '--location', 'westeurope']);
    expect(half.code).toBe(EXIT.usage);
    expect(half.err).toContain('--identity-subscription');
    expect((await wif(['migrate', 'start', ...target, ...journal, '--location', 'westeurope'])).code).toBe(EXIT.usage);

    const identityFlags = [
      '--identity',
      'managed',
      '--identity-subscription',
      sub,
      '--identity-resource-group',
      'rg-identities',
      '--location',
      'westeurope',
    ];
    const start = await wif(['migrate', 'start', ...target, ...journal, ...identityFlags]);
    expect(start.code, start.err).toBe(EXIT.ok);
    expect(start.out).toContain('managed identity: id-sc-shared-deploy-wif');
    const mi = ctx.emu.fake.state.governance.managedIdentity(sub, 'rg-identities', 'id-sc-shared-deploy-wif')!;
    const created = ctx.emu.fake.state.serviceEndpoints().find((e) => e.name === 'sc-shared-deploy-wif')!;
    expect(created.parameters['serviceprincipalid']).toBe(mi.clientId);
    expect([...mi.credentials.keys()]).toEqual([`ado-sc-${created.id}`]);

    expect((await wif(['migrate', 'rollback', ...target, ...journal, '--yes'])).code).toBe(EXIT.ok);
    expect(ctx.emu.fake.state.governance.managedIdentity(sub, 'rg-identities', 'id-sc-shared-deploy-wif')).toBeUndefined();
    expect(ctx.emu.fake.state.serviceEndpoints().map((e) => e.name)).toContain('sc-shared-deploy');
    expect(ctx.emu.fake.state.serviceEndpoints().map((e) => e.name)).not.toContain('sc-shared-deploy-wif');
    // The status of a rolled-back migration: its new connection is gone, and there is no soak to wait for.
    const status = await wif(['migrate', 'status', ...journal, '--no-color']);
    const row = status.out.split('\n').find((l) => l.startsWith('sc-shared-deploy '))!;
    expect(row).toMatch(/rolled-back +rollback +- +sc-shared-deploy-wif \(deleted\) +-$/);
  });
});

describe('wif migrate start --inventory-scope (in-process)', () => {
  it("copies the old identity's roles found at the extra scopes too; a bad scope is refused before any request", async () => {
    const journal = ['--journal', join(ctx.dir, `journal-scopes-${ctx.emu.port}.json`)];
    const target = ['--connection', 'sc-platform-automatic', '--project', 'platform'];
    const state = ctx.emu.fake.state;
    const old = state.serviceEndpoints().find((e) => e.name === 'sc-platform-automatic')!;
    const oldSp = state.servicePrincipalByAppId(old.parameters['serviceprincipalid']!)!;
    const mg = '/providers/Microsoft.Management/managementGroups/mg-platform';
    state.addRoleAssignment({ scope: mg, roleDefinitionId: 'acdd72a7-3385-48ef-bd42-f606fba81ae7', principalId: oldSp.id });

    const before = ctx.emu.fake.requests.length;
    const bad = await wif(['migrate', 'start', ...target, ...journal, '--inventory-scope', '/subscriptions/not-a-guid']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toContain('inventoryScopes');
    expect(ctx.emu.fake.requests.length - before).toBe(0);

    const started = await wif(['migrate', 'start', ...target, ...journal, '--inventory-scope', mg, '--json']);
    expect(started.code, started.err).toBe(EXIT.ok);
    const record = (JSON.parse(started.out) as { migration: { id: string; inventory: { roles: { scope: string; roleName: string }[] } } })
      .migration;
    expect(record.inventory.roles.map((r) => `${r.roleName} ${r.scope}`)).toContain(`Reader ${mg}`);
    // A pipeline was switched to the new connection: rollback names it and deletes nothing, unless told to.
    const fresh = state.serviceEndpoints().find((e) => e.name === 'sc-platform-automatic-wif')!;
    state.addServiceEndpointExecution(fresh.id, {
      project: 'platform',
      definition: { id: 41, name: 'platform-infra' },
      runName: '20261206.2',
    });
    const refused = await wif(['migrate', 'rollback', ...target, ...journal, '--yes']);
    expect(refused.code).toBe(EXIT.failure);
    expect(refused.err).toContain('NewConnectionInUse');
    expect(refused.err).toContain('platform-infra in platform (last: 20261206.2 at');
    expect(state.serviceEndpoint(fresh.id)).toBeDefined();
    // Deleted by hand since: status --usage says so instead of failing, and rollback has no use to refuse on.
    state.deleteServiceEndpoint(fresh.id);
    const gone = await wif(['migrate', 'status', '--usage', ...journal]);
    expect(gone.code, gone.err).toBe(EXIT.ok);
    expect(gone.out).toContain('sc-platform-automatic-wif: Azure DevOps no longer has it (deleted outside wif?)');
    expect(JSON.parse((await wif(['migrate', 'status', '--usage', '--json', ...journal])).out)).toMatchObject({
      usage: { [record.id]: { newConnection: null } },
    });
    const rolled = await wif(['migrate', 'rollback', ...target, ...journal, '--yes']);
    expect(rolled.code, rolled.err).toBe(EXIT.ok);
    expect(state.serviceEndpoint(fresh.id)).toBeUndefined();
  });
});

describe('wif migrate status --usage of several live migrations (in-process)', () => {
  it("reads each migration's own uses, and lists them in the journal's order", async () => {
    const journal = ['--journal', join(ctx.dir, `journal-two-${ctx.emu.port}.json`)];
    const state = ctx.emu.fake.state;
    const ids: string[] = [];
    for (const [connection, project] of [
      ['sc-shared-deploy', 'shared'],
      ['sc-platform-automatic', 'platform'],
    ] as const) {
      const started = await wif(['migrate', 'start', '--connection', connection, '--project', project, ...journal, '--json']);
      expect(started.code, started.err).toBe(EXIT.ok);
      ids.push((JSON.parse(started.out) as { migration: { id: string } }).migration.id);
    }
    const oldOf = (name: string): string => state.serviceEndpoints().find((e) => e.name === name)!.id;
    state.addServiceEndpointExecution(oldOf('sc-platform-automatic'), {
      project: 'platform',
      definition: { id: 51, name: 'platform-deploy' },
      runName: '20261206.7',
    });
    state.addServiceEndpointExecution(oldOf('sc-shared-deploy-wif'), {
      project: 'shared',
      definition: { id: 52, name: 'shared-apps' },
      runName: '20261206.8',
    });
    const usage = (
      JSON.parse((await wif(['migrate', 'status', '--usage', '--json', ...journal])).out) as {
        usage: Record<string, { uses: { pipeline: string }[]; newConnection: { uses: { pipeline: string }[] } | null }>;
      }
    ).usage;
    expect(Object.keys(usage)).toEqual(ids);
    expect(usage[ids[0]!]!.uses).toEqual([]);
    expect(usage[ids[0]!]!.newConnection!.uses.map((u) => u.pipeline)).toEqual(['shared-apps']);
    expect(usage[ids[1]!]!.uses.map((u) => u.pipeline)).toEqual(['platform-deploy']);
    expect(usage[ids[1]!]!.newConnection!.uses).toEqual([]);
  });
});

describe('a client secret added to an app wif made (in-process)', () => {
  it('the emulator adds one; sync --detect-only reports it (exit 3), sync --prune removes it', async () => {
    expect((await wif(['apply', '-c', ENV_SET, '--yes'])).code).toBe(EXIT.ok);
    const added = await fetch(`${ctx.emu.url}/_emulator/add-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connection: 'sc-platform-dev' }),
    });
    expect(added.status).toBe(200);
    const { keyId, appObjectId } = (await added.json()) as { keyId: string; appObjectId: string };
    const secrets = (): unknown[] => (ctx.emu.fake.state.application(appObjectId)?.properties['passwordCredentials'] as unknown[]) ?? [];
    expect(secrets()).toHaveLength(1);
    const detected = await wif(['sync', '-c', ENV_SET, '--detect-only', '--no-color']);
    expect(detected.code, detected.err).toBe(EXIT.drift);
    expect(detected.out).toContain(`client secret "added in the emulator" (key id ${keyId}`);
    const pruned = await wif(['sync', '-c', ENV_SET, '--prune', '--yes', '--json']);
    expect(pruned.code, pruned.err).toBe(EXIT.ok);
    expect(JSON.parse(pruned.out)).toMatchObject({
      drifts: expect.arrayContaining([expect.objectContaining({ resource: 'appSecret', id: keyId, action: 'deleted' })]),
    });
    expect(secrets()).toEqual([]);
    // A managed identity has no app to hold one: refused.
    const onIdentity = await fetch(`${ctx.emu.url}/_emulator/add-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connection: 'sc-platform-prod' }),
    });
    expect(onIdentity.status).toBe(400);
  });
});

describe('wif adopt (in-process)', () => {
  it('writes a spec adopting the connections made by hand; its plan creates nothing; what it skips is said on stderr', async () => {
    const state = ctx.emu.fake.state;
    const legacy = state.serviceEndpoints().find((e) => e.name === 'sc-platform-legacy')!;
    const sent = ctx.emu.fake.requests.length;
    const printed = await wif(['adopt', '--org', 'contoso', '--no-color']);
    expect(printed.code, printed.err).toBe(EXIT.ok);
    expect(ctx.emu.fake.requests.slice(sent).filter((r) => r.method !== 'GET' && !r.batched)).toEqual([]);
    expect(printed.out).toMatch(
      /^# Written by wif adopt from the Azure DevOps organization contoso on \d{4}-\d{2}-\d{2}: 1 connection\(s\)/,
    );
    expect(printed.out).toContain(`appId: ${legacy.parameters['serviceprincipalid']}`);
    expect(printed.err).toContain('skipped shared/sc-shared-deploy: is on a client secret (wif migrate start --project shared');
    expect(printed.err).not.toContain('[REDACTED]');

    const written = await wif(['adopt', '--org', 'contoso', '--project', 'platform', '--out', 'adopted.yaml']);
    expect(written.code, written.err).toBe(EXIT.ok);
    expect(written.err).toContain('Spec for 1 connection(s) written to adopted.yaml');
    const planned = await wif(['plan', '-c', 'adopted.yaml', '--json']);
    expect(planned.code, planned.err).toBe(EXIT.ok);
    expect(JSON.parse(planned.out)).toMatchObject({ summary: { create: 0, delete: 0, refused: 0 } });

    const none = await wif(['adopt', '--org', 'contoso', '--project', 'shared', '--json']);
    expect(none.code).toBe(EXIT.failure);
    expect(JSON.parse(none.out)).toMatchObject({ ok: false, spec: null, skipped: [{ name: 'sc-shared-deploy' }] });
  });
});

describe('one cause, one message (in-process)', () => {
  it('translates an unknown organization into "organization \'fabrikam\' not found", once, after one request', async () => {
    const before = ctx.emu.fake.requests.length;
    const r = await wif(['diagnose', 'AADSTS700213', '--connection', 'sc-x', '--project', 'p', '--org', 'fabrikam']);
    expect(r.code).toBe(EXIT.failure);
    expect(r.err).toContain("OrganizationNotFound: organization 'fabrikam' not found");
    expect(r.err).not.toContain('No devops operation matches');
    expect(ctx.emu.fake.requests.length - before).toBe(1);
  });

  it('names the URL and `wif emulator` when nothing answers, and says `az login` for a missing sign-in', () => {
    expect(
      preflightError(
        { kind: 'Network', service: 'devops', operation: 'GET connectionData', retryable: true, code: 'ECONNREFUSED', message: 'x' },
        'http://127.0.0.1:4010',
      ).message,
    ).toBe('cannot reach http://127.0.0.1:4010 — is `wif emulator` running?');
    const tls = {
      kind: 'Network' as const,
      service: 'devops' as const,
      operation: 'GET connectionData',
      retryable: false,
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      message: "The emulator's TLS certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE).",
    };
    // An untrusted certificate keeps its own message (how to trust the CA), not "cannot reach".
    expect(preflightError(tls, 'https://127.0.0.1:4010')).toEqual(tls);
    const auth = preflightError(
      { kind: 'Authentication', service: 'devops', message: 'ChainedTokenCredential authentication failed.' },
      undefined,
    );
    expect(auth.message).toMatch(/^not signed in to Azure: run `az login`/);
    expect(auth.message).not.toContain('ChainedTokenCredential');
  });
});
