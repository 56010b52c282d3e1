import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { writeFileSync } from 'node:fs';
import { benchSpec, withEmulator, WIF_BIN } from './_lib';
const log: { s: number; e: number; m: string; u: string }[] = [];
for (let i = 0; i < 4; i++) await withEmulator({ fake: { latencyInMs: 50 } }, async (emu) => {
  const upstream = emu.url; let origin = '';
  const server = createServer((req, res) => {
    const s = performance.now(); const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const up = httpRequest(`${upstream}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } }, (a) => {
        const b: Buffer[] = []; a.on('data', (c) => b.push(c)); a.on('end', () => {
          const text = Buffer.from(Buffer.concat(b).toString('utf8').split(upstream).join(origin));
          const h = { ...a.headers }; for (const k of ['content-length', 'connection', 'keep-alive', 'transfer-encoding']) delete h[k];
          res.writeHead(a.statusCode ?? 502, { ...h, 'content-length': text.length }); res.end(text);
          log.push({ s, e: performance.now(), m: req.method!, u: req.url! });
        });
      });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as any).port}`;
  {
    log.length = 0;
    const f = `/tmp/tl-spec-${i}.json`; writeFileSync(f, JSON.stringify(benchSpec([`tl-${Date.now()}-${i}`])));
    await new Promise((r) => spawn(process.execPath, [WIF_BIN, 'plan', '-c', f, '--emulator', origin], { stdio: 'ignore' }).on('exit', r)); log.length = 0;
    const t0 = performance.now();
    const child = spawn(process.execPath, [...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof/cpuA'] : []), WIF_BIN, 'apply', '-c', f, '--yes', '--emulator', origin], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
    await new Promise((r) => child.on('exit', r));
    const t1 = performance.now();
    if (i === 0) { server.close(); return; }
    const rows = log.filter((l) => !l.u.startsWith('/_emulator')).sort((a, b) => a.s - b.s);
    console.log(`run ${i}: total ${(t1 - t0).toFixed(0)} ms; first request at ${(rows[0]!.s - t0).toFixed(0)}; last answer ${(Math.max(...rows.map((r) => r.e)) - t0).toFixed(0)}; requests ${rows.length}`);
    if (i === 3) for (const r of log.sort((a,b)=>a.s-b.s)) console.log(`  ${(r.s - t0).toFixed(0).padStart(5)} ${(r.e - t0).toFixed(0).padStart(5)} ${r.m} ${r.u.split('?')[0]!.slice(0, 90)}`);
  }
  server.close();
});
