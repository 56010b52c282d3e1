// A stand-in for an Azure Artifacts npm feed, for scripts/smoke.sh: serves the @wif tarballs of
// dist-release/ over the npm registry protocol (a packument per package, then its tarball) on
// 127.0.0.1, so that the consumer's `.npmrc` + `npm install @wif/core` path of docs/install.md is
// exercised as written. Everything else the consumer installs still comes from the npm registry.
// Usage: node scripts/smoke-feed.mjs <dir with wif-*.tgz>; prints "feed http://127.0.0.1:PORT/".
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const dir = process.argv[2];
const packages = new Map(); // name -> { versions: { [v]: manifest }, tarballs: Map<file, Buffer> }
for (const file of readdirSync(dir).filter((f) => /^wif-.*\.tgz$/.test(f))) {
  const bytes = readFileSync(join(dir, file));
  const manifest = JSON.parse(execFileSync('tar', ['-xOzf', join(dir, file), 'package/package.json'], { encoding: 'utf8' }));
  const entry = packages.get(manifest.name) ?? { versions: {}, tarballs: new Map() };
  entry.versions[manifest.version] = {
    ...manifest,
    _id: `${manifest.name}@${manifest.version}`,
    dist: {
      tarball: `/${manifest.name}/-/${file}`,
      shasum: createHash('sha1').update(bytes).digest('hex'),
      integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
    },
  };
  entry.tarballs.set(file, bytes);
  packages.set(manifest.name, entry);
}

const server = createServer((req, res) => {
  const base = `http://${req.headers.host}`;
  const path = decodeURIComponent(new URL(req.url, base).pathname).replace(/^\/+/, '');
  const tarball = /^(@[^/]+\/[^/]+)\/-\/([^/]+\.tgz)$/.exec(path);
  if (req.method === 'GET' && tarball && packages.get(tarball[1])?.tarballs.has(tarball[2])) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(packages.get(tarball[1]).tarballs.get(tarball[2]));
    console.log(`served tarball ${tarball[1]} ${tarball[2]}`);
    return;
  }
  const entry = packages.get(path);
  if (req.method === 'GET' && entry) {
    const versions = Object.fromEntries(
      Object.entries(entry.versions).map(([v, m]) => [v, { ...m, dist: { ...m.dist, tarball: `${base}${m.dist.tarball}` } }]),
    );
    const latest = Object.keys(versions).at(-1);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name: path, 'dist-tags': { latest }, versions }));
    console.log(`served packument ${path}`);
    return;
  }
  // The feed holds only @wif: anything else is not here (npm asks the npm registry for those).
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'not found' }));
});
server.listen(0, '127.0.0.1', () => console.log(`feed http://127.0.0.1:${server.address().port}/`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
