/**
 * Vends an environment set (dev, prod, prod-readonly) from a spec file: plan, then apply, then
 * print each connection's outcome and verified trust chain.
 *
 *   WIF_EMULATOR_URL=http://127.0.0.1:4010 pnpm exec tsx examples/env-set.ts examples/env-set.yaml
 *   pnpm exec tsx examples/env-set.ts my-spec.yaml        # against Azure, after `az login`
 */
import { readFile } from 'node:fs/promises';
import { apply, loadSpec, plan } from '@wif/core';
import { connect, runIfMain } from './_clients';

export async function main(file = process.argv[2] ?? new URL('./env-set.yaml', import.meta.url).pathname): Promise<number> {
  const spec = loadSpec(await readFile(file, 'utf8'), file);
  if (spec.isErr()) {
    console.error(spec.error.message);
    return 2;
  }
  const { clients } = await connect(spec.value.organization);

  const planned = await plan(clients, spec.value);
  if (planned.isErr()) return fail(planned.error.message);
  const s = planned.value.summary;
  console.log(`plan: ${s.create} to create, ${s.update} to update, ${s.unchanged} unchanged, ${s.delete} to delete, ${s.errors} errors`);

  const applied = await apply(clients, planned.value);
  if (applied.isErr()) return fail(applied.error.message);
  for (const c of applied.value.connections) {
    const chain = c.trustChain ? `verified (${c.trustChain.issuerFormat} issuer)` : (c.error?.message ?? 'not verified');
    console.log(`${c.name.padEnd(28)} ${c.status.padEnd(11)} ${(c.outcome ?? '').padEnd(9)} ${chain}`);
  }
  return applied.value.ok ? 0 : 1;
}

function fail(message: string): number {
  console.error(message);
  return 1;
}

runIfMain(import.meta.url, main);
