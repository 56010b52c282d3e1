import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { withEmulator, WIF_BIN, SUBSCRIPTION, median } from './_lib';
import { TEST_TENANT_ID } from '@wif/testing';
const names = ['a','b','c'];
writeFileSync('/tmp/i15s-plan.json', JSON.stringify({ organization: 'contoso', tenantId: TEST_TENANT_ID, connections: names.map((n) => ({ project: 'platform', name: `sc-${n}`, app: `ado-${n}`, roles: [{ role: 'Contributor', scope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-${n}` }] })) }));
const cc = mkdtempSync('/tmp/i15s-cc-');
await withEmulator({ fake: { latencyInMs: 0 } }, async (emu) => {
  for (const [name, env] of [['plain', {}], ['cache', { NODE_COMPILE_CACHE: cc }]] as const) {
    const xs: number[] = []; const cpu: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, WIF_BIN, 'plan', '-c', '/tmp/i15s-plan.json', '--emulator', emu.url], { env: { ...process.env, ...env } });
      xs.push(performance.now() - t0);
      const l = r.stderr.toString().trim().split('\n').pop()!.split(' ').map(Number); cpu.push((l[0]! + l[1]!) * 1000);
      if (r.status !== 0) console.log(r.stderr.toString());
    }
    console.log(name, 'wall', median(xs.slice(1)).toFixed(0), 'cpu', median(cpu.slice(1)));
  }
  if (process.env.PROF) spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/i15s-prof', WIF_BIN, 'plan', '-c', '/tmp/i15s-plan.json', '--emulator', emu.url], { env: { ...process.env, NODE_COMPILE_CACHE: cc } });
});
