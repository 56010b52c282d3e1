// The emulator in its own process, so that the measured client and the emulator do not share one
// JavaScript thread. Started by run.ts with `fork`; speaks over the IPC channel:
//   → { type: 'start', fake, seed, org?: { projects, perProject, appsPerProject? } }   ← { type: 'ready', url, seedInMs }
//   → { type: 'counts', prefix }                                        ← { type: 'counts', apps, connections, credentials, assignments }
//   → { type: 'operations' }                                            ← { type: 'operations', byOperation: { 'graph getApplication': n, … } }
//   → { type: 'usage' }                                                 ← { type: 'usage', cpuInMs, maxRssInMb }
//   → { type: 'stop' }
import { startEmulator } from '@wif/cli';

let emulator;

function seedOrg(state, projects, perProject, appsPerProject) {
  const sub = `/subscriptions/${state.subscriptionId}`;
  for (let p = 0; p < projects; p++) {
    const project = state.addProject(`project-${p}`);
    // With appsPerProject: real apps (service principal, one federated credential per connection),
    // each shared by perProject / appsPerProject connections of the project; one app in ten is
    // Contributor on the subscription. Without: every connection names one app that does not exist.
    const apps = Array.from({ length: appsPerProject ?? 0 }, (_, a) => {
      const app = state.addApplication({ displayName: `app-${p}-${a}` });
      const sp = state.addServicePrincipal({ appId: app.appId, createdAt: 0 });
      if ((p * appsPerProject + a) % 10 === 0) state.addRoleAssignment({ scope: sub, roleDefinitionId: CONTRIBUTOR, principalId: sp.id });
      return app;
    });
    for (let c = 0; c < perProject; c++) {
      // A realistic mix: mostly WIF (some on the legacy issuer), some on secrets, a few not ready.
      const k = (p * perProject + c) % 10;
      const app = apps.length > 0 ? apps[c % apps.length] : undefined;
      const endpoint = state.addServiceEndpoint({
        name: `sc-${p}-${c}`,
        projects: project.id,
        servicePrincipalId: app ? app.appId : '22222222-3333-4444-5555-666666666666',
        ...(k === 0 ? { scheme: 'ServicePrincipal' } : {}),
        ...(k === 1 ? { federation: 'legacy' } : {}),
        ...(k === 2 ? { isReady: false } : {}),
      });
      const fed = app && k !== 0 ? state.federation(endpoint.id) : undefined;
      if (fed) state.addFederatedCredential(app.id, { name: `fic-${p}-${c}`, issuer: fed.issuer, subject: fed.subject });
    }
  }
}

const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';

process.on('message', async (msg) => {
  if (msg.type === 'start') {
    const started = await startEmulator({ port: 0, seed: msg.seed !== false, fake: msg.fake ?? {} });
    if (started.isErr()) {
      process.send({ type: 'error', message: started.error.message });
      return;
    }
    emulator = started.value;
    const t0 = performance.now();
    if (msg.org) seedOrg(emulator.fake.state, msg.org.projects, msg.org.perProject, msg.org.appsPerProject);
    process.send({ type: 'ready', url: emulator.url, seedInMs: performance.now() - t0 });
  } else if (msg.type === 'counts') {
    const s = emulator.fake.state;
    const apps = s.applications().filter((a) => a.displayName.startsWith(`ado-${msg.prefix}`));
    process.send({
      type: 'counts',
      apps: apps.length,
      connections: s.serviceEndpoints().filter((e) => e.name.startsWith(`sc-${msg.prefix}`)).length,
      credentials: apps.reduce((k, a) => k + s.federatedCredentials(a.id).length, 0),
      assignments: s.roleAssignments().filter((r) => r.scope.includes(`rg-${msg.prefix}`)).length,
      // HTTP requests: a Graph $batch counts once, whatever it carried.
      requests: emulator.fake.requests.filter((r) => !r.batched).length,
      throttled: emulator.fake.requests.filter((r) => r.status === 429).length,
    });
  } else if (msg.type === 'operations') {
    // Requests per service operation (e.g. graph getApplication), for the request budget's breakdown.
    const byOperation = {};
    for (const r of emulator.fake.requests) {
      const k = `${r.service} ${r.operation}${r.batched ? ' (in a $batch)' : ''}`;
      byOperation[k] = (byOperation[k] ?? 0) + 1;
    }
    process.send({ type: 'operations', byOperation });
  } else if (msg.type === 'usage') {
    // The emulator's own CPU time (user + system) and peak memory so far: what every client run shares.
    const u = process.resourceUsage();
    process.send({ type: 'usage', cpuInMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssInMb: u.maxRSS / 1024 });
  } else if (msg.type === 'stop') {
    await emulator?.close();
    process.exit(0);
  }
});
