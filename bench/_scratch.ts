import { runCli, withEmulator } from './_lib';
const projects = Number(process.argv[2] ?? 200), apps = Number(process.argv[3] ?? 10), lat = Number(process.argv[4] ?? 0);
const extra = process.argv.slice(5);
await withEmulator({ seed: false, org: { projects, perProject: 10, ...(apps > 0 ? { appsPerProject: apps } : {}) }, fake: { latencyInMs: lat } }, async (emu) => {
  const r = await runCli(['audit', '--output', 'ndjson', '--emulator', emu.url, ...extra], { stdoutFile: '/tmp/i10-scratch.ndjson', nodeFlags: (process.env['CLI_FLAGS'] ?? '').split(' ').filter(Boolean) });
  console.log(JSON.stringify({ code: r.code, wall: Math.round(r.wallInMs), rss: Math.round(r.maxRssInMb), stderr: r.stderr.slice(-300) }));
  const ops = await emu.operations();
  const total = Object.values(ops).reduce((a, b) => a + b, 0);
  console.log(total, ops);
});
