import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// In a fresh Node process (the sources run through tsx), with a module hook that notes every module
// loaded, ESM or CommonJS: the SDK's own requests — an ARM-style transport with a bearer token and a
// Graph request — must not load @azure/core-rest-pipeline (decision 022), and Graph requests no
// longer load @microsoft/microsoft-graph-client (decision 026).
const here = dirname(fileURLToPath(import.meta.url));
const httpSource = join(here, '..', '..', 'http', 'src', 'index.ts');
const graphSource = join(here, 'index.ts');

function loadedBy(body: string): { pipeline: string[]; graphClientLoaded: boolean } {
  const script = `
    import { registerHooks, createRequire } from 'node:module';
    import { createServer } from 'node:http';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const http = await import(${JSON.stringify(httpSource)});
    const graph = await import(${JSON.stringify(graphSource)});
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: '5e2f0c1a-0c44-4c6e-9a3b-2f1d7c0e9a11', appId: '03ef14b0-ca33-4840-8f4f-d6e91916010e', displayName: 'app' }));
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const base = 'http://127.0.0.1:' + server.address().port;
    const credential = { getToken: async () => ({ token: 'test-token-0123456789', expiresOnTimestamp: Date.now() + 3600000 }) };
    ${body}
    server.closeAllConnections();
    server.close();
    const all = [...loaded, ...Object.keys(createRequire(import.meta.url).cache)];
    process.stdout.write(JSON.stringify({
      pipeline: [...new Set(all.filter((u) => /core-rest-pipeline|ts-http-runtime/.test(u)))],
      graphClientLoaded: all.some((u) => /microsoft-graph-client/.test(u)),
    }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=@wif/source', '--input-type=module', '-e', script], {
    cwd: join(here, '..'),
    env: { ...process.env, NODE_OPTIONS: '', HTTPS_PROXY: '', HTTP_PROXY: '' },
  }).toString();
  return JSON.parse(out) as { pipeline: string[]; graphClientLoaded: boolean };
}

describe('module loading', () => {
  it('ARM-style and Graph requests load neither @azure/core-rest-pipeline nor the Graph SDK', () => {
    const seen = loadedBy(`
      const arm = http.createTransport({ service: 'arm', baseUrl: base, auth: { kind: 'bearer', credential, scope: 'https://management.azure.com/.default' } });
      const a = await arm.send({ method: 'GET', path: '/x', operation: 'GET x' });
      if (!a.isOk()) throw new Error(JSON.stringify(a.error));
      const client = graph.createGraphClient({ credential, endpoint: base + '/v1.0' });
      const g = await graph.getApplication(client, { id: '5e2f0c1a-0c44-4c6e-9a3b-2f1d7c0e9a11' });
      if (!g.isOk()) throw new Error(JSON.stringify(g.error));
    `);
    expect(seen.graphClientLoaded).toBe(false);
    expect(seen.pipeline).toEqual([]);
  }, 60_000);

  it('a caller’s own core-rest-pipeline HttpClient loads it (the check above can see it)', () => {
    const seen = loadedBy(`
      const own = { sendRequest: async (request) => ({ request, status: 200, headers: { get: () => undefined }, bodyAsText: '{}' }) };
      const arm = http.createTransport({ service: 'arm', baseUrl: base, auth: { kind: 'none' }, httpClient: own });
      const a = await arm.send({ method: 'GET', path: '/x', operation: 'GET x' });
      if (!a.isOk()) throw new Error(JSON.stringify(a.error));
    `);
    expect(seen.pipeline.length).toBeGreaterThan(0);
  }, 60_000);
});
