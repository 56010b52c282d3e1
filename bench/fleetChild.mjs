// Applies fleets in a process of its own (plain JS: no loader in the measured process), for the
// client CPU per request of the Start-up section. It reads one JSON line per fleet on stdin,
// `{ "url": emulator, "variant": "sdk" | "httpClient" | "nodeHttp", "spec": spec text }`, applies the spec with
// fresh clients against that emulator and answers one JSON line per fleet on stdout:
// `{ "ok", "cpuInMs", "wallInMs" }` (this process's user + system CPU over `apply`, after a full
// garbage collection). Started with --expose-gc; it stays up for every round, so that the first
// answer is the warm-up the caller drops, as in a runbook that applies fleet after fleet.
import diagnostics from 'node:diagnostics_channel';
import { createInterface } from 'node:readline';
import { apply, createClients, loadSpec, trustingHttpClient } from '@wif/core';
import { createTestCredential } from '@wif/testing';

const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('fleetChild.mjs needs --expose-gc');

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { url, variant, spec: text } = JSON.parse(line);
  const spec = loadSpec(text);
  if (spec.isErr()) throw new Error(spec.error.message);
  const clients = createClients({
    credential: createTestCredential(),
    organization: 'contoso',
    endpoints: { graph: `${url}/graph/v1.0`, arm: `${url}/arm`, devops: `${url}/devops`, authority: `${url}/entra` },
    // A caller's client for all three services (as `wif emulator --tls` runs), or wif's own.
    ...(variant === 'httpClient' ? { httpClient: trustingHttpClient([]) } : {}),
  });
  // `nodeHttp`: wif's client as before decision 044, every request through node:http (a subscriber
  // to Node's request channel, here a no-op, routes them there, as it does for a tracer).
  const noop = () => undefined;
  if (variant === 'nodeHttp') diagnostics.subscribe('http.client.request.start', noop);
  gc();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await apply(clients, spec.value);
  const wallInMs = performance.now() - t0;
  const used = process.cpuUsage(c0);
  if (variant === 'nodeHttp') diagnostics.unsubscribe('http.client.request.start', noop);
  process.stdout.write(
    `${JSON.stringify({ ok: report.isOk() && report.value.ok, cpuInMs: (used.user + used.system) / 1000, wallInMs })}\n`,
  );
}
