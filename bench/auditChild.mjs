// Audits the emulator at argv[2] in its own process (plain JS: no loader in the measured process)
// and prints its peak memory as JSON. With argv[3] = 'identity' it audits with all three clients
// (the identity checks too, as the CLI does); with 'live' (and --expose-gc) it also samples the
// live heap after a full GC every 20,000 findings.
import { getHeapStatistics } from 'node:v8';
import { createClients } from '@wif/core';
import { auditOrganization } from '@wif/core/audit';
import { createTestCredential } from '@wif/testing';

const url = process.argv[2];
const live = process.argv[3] === 'live' && typeof globalThis.gc === 'function';
const clients = createClients({
  credential: createTestCredential(),
  organization: 'contoso',
  endpoints: { graph: `${url}/graph/v1.0`, arm: `${url}/arm`, devops: `${url}/devops`, authority: `${url}/entra` },
});
let peakHeap = 0;
const liveHeapInMb = [];
// v8's own counter, not process.memoryUsage() (which also reads /proc for the RSS: measured at 3% of
// this process's CPU when sampled this often).
const sample = () => (peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size));
const sampler = setInterval(sample, 20);
const t0 = performance.now();
const run = auditOrganization(process.argv[3] === 'identity' ? clients : { devops: clients.devops });
let findings = 0;
for await (const _finding of run) {
  findings++;
  if (findings % 1000 === 0) sample();
  if (live && findings % 20_000 === 0) {
    globalThis.gc();
    liveHeapInMb.push(process.memoryUsage().heapUsed / 2 ** 20);
  }
}
clearInterval(sampler);
process.stdout.write(
  JSON.stringify({
    connections: run.stats.connections,
    findings,
    wallInMs: performance.now() - t0,
    maxRssInMb: process.resourceUsage().maxRSS / 1024,
    // User + system CPU of this process, start-up included (as /usr/bin/time counts the CLI's).
    cpuInMs: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1000,
    peakHeapInMb: peakHeap / 2 ** 20,
    liveHeapInMb,
  }),
);
