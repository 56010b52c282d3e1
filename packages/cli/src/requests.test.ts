/**
 * What one `wif` run sends, per operation, against the emulator: every fact is read once per wave
 * (who the caller is once per run; a project and its connection list once per plan), as a request
 * budget that fails when a duplicate read comes back.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../test/memoryIo';
import { useEmulator } from '../test/useEmulator';
import { EXIT } from './exitCodes';
import { main } from './main';

const ctx = useEmulator('wif-requests-');

async function wif(args: string[]): Promise<{ code: number; err: string; ops: string[] }> {
  const io = memoryIo({ cwd: ctx.dir, env: { WIF_EMULATOR_URL: ctx.emu.url } });
  const from = ctx.emu.fake.requests.length;
  const code = await main(args, io);
  return { code, err: io.err(), ops: ctx.emu.fake.requests.slice(from).map((r) => `${r.method} ${r.operation}`) };
}

async function specFile(names: readonly string[]): Promise<string> {
  const sub = ctx.emu.fake.state.subscriptionId;
  const file = join(ctx.dir, `spec-${names.join('-')}-${ctx.emu.port}.json`);
  const spec = {
    organization: 'contoso',
    tenantId: ctx.emu.fake.state.tenantId,
    connections: names.map((n) => ({
      project: 'platform',
      name: `sc-${n}`,
      app: `ado-${n}`,
      roles: [{ role: 'Contributor', scope: `/subscriptions/${sub}/resourceGroups/rg-${n}` }],
    })),
  };
  await writeFile(file, JSON.stringify(spec));
  return file;
}

const count = (ops: readonly string[], op: string): number => ops.filter((o) => o === op).length;

describe('requests of one run (in-process, against the emulator)', () => {
  it('wif plan of three connections: who the caller is once, the project and its connection list once', async () => {
    const r = await wif(['plan', '-c', await specFile(['a', 'b', 'c'])]);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(count(r.ops, 'GET connectionData.get')).toBe(1); // the access check's; the preflight uses it
    expect(count(r.ops, 'GET projects.get')).toBe(1); // three connections and the orphan listing
    // Each connection by its name, and the project's list of connections for the orphan listing.
    expect(count(r.ops, 'GET serviceEndpoints.list')).toBe(4);
    expect(count(r.ops, 'GET applications.get')).toBe(3);
  });

  it('wif apply --yes of one new connection: the plan, its re-check, the writes; nothing read a third time', async () => {
    const r = await wif(['apply', '-c', await specFile(['one']), '--yes']);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect([...r.ops].sort()).toEqual(
      [
        'GET connectionData.get', // the access check (the preflight uses what it read)
        // The plan: the app, the project, the connection by name, the project's connections (orphans).
        'GET applications.get',
        'GET projects.get',
        'GET serviceEndpoints.list',
        'GET serviceEndpoints.list',
        // The preflight of its writes.
        'GET authorizationPolicy.get',
        'GET permissions.list',
        'GET roleAssignments.list',
        'POST permissions.evaluateBatch',
        // The re-check of the plan before the first write; the converge starts from what it read.
        'GET applications.get',
        'GET projects.get',
        'GET serviceEndpoints.list',
        // The writes, and verifySubject.
        'PATCH applications.update',
        'POST servicePrincipals.create',
        'PUT roleAssignments.create',
        'POST serviceEndpoints.create',
        'POST federatedIdentityCredentials.create',
        'GET serviceEndpoints.get',
        'GET applications.get',
        'GET federatedIdentityCredentials.list',
      ].sort(),
    );
  });
});
