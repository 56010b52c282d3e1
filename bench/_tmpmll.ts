import { spawnSync } from 'node:child_process';
import { withEmulator, WIF_BIN } from './_lib';
await withEmulator({ fake: { latencyInMs: 0 } }, async (emu) => {
  const r = spawnSync(process.execPath, ['--import', '/tmp/i15s/mll.mjs', WIF_BIN, 'plan', '-c', '/tmp/i15s-plan.json', '--emulator', emu.url], { env: { ...process.env, MLL_OUT: '/tmp/i15s/mll-plan.txt' } });
  console.log(r.status, r.stderr.toString().slice(0, 500));
});
