import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { apply, loadSpec } from '@wif/core';
import { TEST_TENANT_ID } from '@wif/testing';
import { recordingClients, SUBSCRIPTION, withEmulator } from './_lib';
const spec = (names: string[]) => loadSpec(JSON.stringify({ organization: 'contoso', tenantId: TEST_TENANT_ID, connections: names.map((n) => ({ project: 'platform', name: `sc-${n}`, app: `ado-${n}`, roles: [{ role: 'Contributor', scope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-${n}` }] })) }))._unsafeUnwrap();
const s = new Session(); s.connect(); await s.post("Profiler.enable"); await s.post("Profiler.setSamplingInterval", { interval: 1000 }); const PROF = process.env.PROF === "1";
for (let run = 0; run < 5; run++) {
  await withEmulator({ fake: { latencyInMs: 50, throttleRate: 0.05, retryAfterSeconds: 0, seed: 3000 + run } }, async (emu) => {
    const clients = recordingClients(emu, undefined);
    const sp = spec(Array.from({ length: 43 }, (_, i) => `pf-${run}-${i}`));
    if (PROF && run === 2) await s.post('Profiler.start');
    const c0 = process.cpuUsage();
    const r = (await apply(clients, sp))._unsafeUnwrap();
    const u = process.cpuUsage(c0);
    if (PROF && run === 2) { const { profile } = await s.post('Profiler.stop'); writeFileSync('/tmp/i15s/fleet.cpuprofile', JSON.stringify(profile)); }
    const c = await emu.counts(`pf-${run}-`);
    console.log(run, r.ok, 'cpu ms', ((u.user + u.system) / 1000).toFixed(0), 'requests', c.requests, 'per req', ((u.user + u.system) / 1000 / c.requests).toFixed(2));
  });
}
