/**
 * The chunks' code cache (codeCache.ts), in fresh Node processes as the executable uses it: a chunk
 * runs as Node's own loader would run it, the cache is written once and then used, and a cache that
 * does not belong to the source, or lies where someone else could have written it, is never used.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { codeCacheDir, isPrivate, type ChunkLoad } from './codeCache';

const CODE_CACHE = fileURLToPath(new URL('./codeCache.ts', import.meta.url));

interface Run {
  readonly loads: readonly ChunkLoad[];
  readonly result: unknown;
  readonly stack?: string;
}

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/**
 * A directory with a `chunks/` of two CommonJS files (`a.cjs` requires `b.cjs`), a cache root, and a
 * driver that installs the cache, requires `a.cjs` and prints what happened.
 */
function fixture(): { root: string; chunks: string; cacheRoot: string; run(command?: string, nodeFlags?: readonly string[]): Run } {
  const root = mkdtempSync(join(tmpdir(), 'wif-code-cache-'));
  roots.push(root);
  const chunks = join(root, 'chunks');
  const cacheRoot = join(root, 'cache');
  mkdirSync(chunks);
  mkdirSync(cacheRoot, { mode: 0o700 });
  writeFileSync(
    join(chunks, 'a.cjs'),
    [
      "'use strict';",
      "const b = require('./b.cjs');",
      "const path = require('node:path');",
      'function twice(x) { return b.add(x, x); }',
      'exports.result = { twice: twice(21), file: path.basename(__filename), dir: path.basename(__dirname), own: module.exports === exports };',
      'exports.fail = () => { throw new Error("from line 6"); };',
      "exports.later = () => import('node:path').then((p) => p.basename('/x/y.txt'));",
    ].join('\n'),
  );
  writeFileSync(join(chunks, 'b.cjs'), "'use strict';\nexports.add = (x, y) => x + y;\n");
  const driver = join(root, 'driver.mjs');
  writeFileSync(
    driver,
    [
      `import { createRequire } from 'node:module';`,
      `import { useCodeCache } from ${JSON.stringify(CODE_CACHE)};`,
      `const cache = useCodeCache(${JSON.stringify(chunks)}, ${JSON.stringify(cacheRoot)}, process.argv[2]);`,
      `const a = createRequire(import.meta.url)(${JSON.stringify(join(chunks, 'a.cjs'))});`,
      `let stack; try { a.fail(); } catch (e) { stack = e.stack; }`,
      `const imported = await a.later();`,
      `process.stdout.write(JSON.stringify({ loads: cache.loads, result: { ...a.result, imported }, stack }));`,
    ].join('\n'),
  );
  return {
    root,
    chunks,
    cacheRoot,
    run(command = 'plan', nodeFlags = []) {
      const r = spawnSync(process.execPath, [...nodeFlags, driver, command], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`driver exited ${r.status}: ${r.stderr}`);
      return JSON.parse(r.stdout) as Run;
    },
  };
}

const states = (r: Run): string[] => r.loads.map((l) => `${l.chunk} ${l.cache}`);

describe('the code cache of the executable’s chunks', () => {
  it('runs a chunk as Node’s loader would: require, import(), exports, module, __filename, __dirname and line numbers', () => {
    const f = fixture();
    const first = f.run();
    expect(first.result).toEqual({ twice: 42, file: 'a.cjs', dir: 'chunks', own: true, imported: 'y.txt' });
    expect(first.stack).toMatch(new RegExp(`${f.chunks.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}/a\\.cjs:6:\\d+`));
    // The same from the cache.
    const second = f.run();
    expect(states(second)).toEqual(['a.cjs used', 'b.cjs used']);
    expect(second.result).toEqual(first.result);
    expect(second.stack?.split('\n')[1]).toBe(first.stack?.split('\n')[1]);
  });

  it('writes each chunk’s cache at exit when there is none, then uses it and writes nothing', () => {
    const f = fixture();
    expect(states(f.run())).toEqual(['a.cjs none', 'b.cjs none']);
    const dir = codeCacheDir(f.cacheRoot, f.chunks, 'plan');
    expect(readdirSync(dir).sort()).toEqual(['a.cjs.v8', 'b.cjs.v8']);
    const written = statSync(join(dir, 'a.cjs.v8'));
    expect(written.mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(states(f.run())).toEqual(['a.cjs used', 'b.cjs used']);
    expect(statSync(join(dir, 'a.cjs.v8')).mtimeMs).toBe(written.mtimeMs);
  });

  it('keeps one cache per command', () => {
    const f = fixture();
    f.run('plan');
    expect(states(f.run('apply'))).toEqual(['a.cjs none', 'b.cjs none']);
    expect(states(f.run('plan'))).toEqual(['a.cjs used', 'b.cjs used']);
    expect(codeCacheDir(f.cacheRoot, f.chunks, 'apply')).not.toBe(codeCacheDir(f.cacheRoot, f.chunks, 'plan'));
  });

  it('does not run a cache made from other content of the same length, and replaces it', () => {
    const f = fixture();
    f.run();
    // Same length, other code: V8 alone would accept the old cache (it checks the length) and run 42.
    const b = readFileSync(join(f.chunks, 'b.cjs'), 'utf8');
    writeFileSync(join(f.chunks, 'b.cjs'), b.replace('x + y', 'x * y'));
    const changed = f.run();
    expect(states(changed)).toEqual(['a.cjs used', 'b.cjs stale']);
    expect(changed.result).toMatchObject({ twice: 441 });
    expect(states(f.run())).toEqual(['a.cjs used', 'b.cjs used']);
  });

  it('compiles from source when V8 refuses a cache, and replaces it', () => {
    const f = fixture();
    f.run();
    const file = join(codeCacheDir(f.cacheRoot, f.chunks, 'plan'), 'b.cjs.v8');
    const stored = readFileSync(file);
    // The file's identity, then bytes that are not a V8 cache.
    writeFileSync(file, Buffer.concat([stored.subarray(0, 40), Buffer.alloc(stored.length - 40, 7)]));
    const refused = f.run();
    expect(states(refused)).toEqual(['a.cjs used', 'b.cjs rejected']);
    expect(refused.result).toMatchObject({ twice: 42 });
    expect(states(f.run())).toEqual(['a.cjs used', 'b.cjs used']);
  });

  it.skipIf(process.platform === 'win32')(
    'leaves the chunks to Node’s loader when another user could write the cache, and writes nothing there',
    () => {
      const f = fixture();
      f.run();
      const dir = codeCacheDir(f.cacheRoot, f.chunks, 'plan');
      const before = statSync(join(dir, 'a.cjs.v8')).mtimeMs;
      chmodSync(join(f.cacheRoot, 'wif'), 0o777);
      expect(isPrivate(dir, f.cacheRoot)).toBe(false);
      // Node's loader runs the chunks instead, and nothing is written.
      const shared = f.run();
      expect(states(shared)).toEqual([]);
      expect(shared.result).toMatchObject({ twice: 42 });
      expect(statSync(join(dir, 'a.cjs.v8')).mtimeMs).toBe(before);
      chmodSync(join(f.cacheRoot, 'wif'), 0o700);
      chmodSync(f.cacheRoot, 0o777);
      expect(isPrivate(dir, f.cacheRoot)).toBe(false);
      chmodSync(f.cacheRoot, 0o700);
      expect(isPrivate(dir, f.cacheRoot)).toBe(true);
      expect(states(f.run())).toEqual(['a.cjs used', 'b.cjs used']);
    },
  );

  it.runIf(process.getuid?.() === 0)('reads no cache from a directory that belongs to another user', () => {
    const f = fixture();
    f.run();
    const dir = codeCacheDir(f.cacheRoot, f.chunks, 'plan');
    chownSync(dir, 1, 1);
    expect(isPrivate(dir, f.cacheRoot)).toBe(false);
    expect(states(f.run())).toEqual([]);
  });

  it('leaves the chunks to Node’s loader when source maps are on, so that stack traces are mapped', () => {
    const f = fixture();
    f.run();
    const mapped = f.run('plan', ['--enable-source-maps']);
    expect(states(mapped)).toEqual([]);
    expect(mapped.result).toMatchObject({ twice: 42 });
    expect(states(f.run())).toEqual(['a.cjs used', 'b.cjs used']);
  });

  it('names a directory per Node, installation and command, and one for anything that is not a command', () => {
    const plan = codeCacheDir('/c', '/opt/wif/dist/chunks', 'plan');
    expect(plan).toMatch(new RegExp(`^/c/wif/${process.version}-${process.arch}-[0-9a-f]{8}/plan$`));
    expect(codeCacheDir('/c', '/usr/lib/wif/dist/chunks', 'plan')).not.toBe(plan);
    for (const notCommand of ['', 'http://127.0.0.1:4010', 'Plan', '../up', 'a'.repeat(40)]) {
      expect(codeCacheDir('/c', '/opt/wif/dist/chunks', notCommand)).toBe(join(plan, '..', '_'));
    }
  });

  it('leaves a .cjs file outside the chunks directory to Node', () => {
    const f = fixture();
    writeFileSync(join(f.root, 'other.cjs'), 'exports.x = 1;\n');
    const driver = join(f.root, 'other.mjs');
    writeFileSync(
      driver,
      [
        `import { createRequire } from 'node:module';`,
        `import { useCodeCache } from ${JSON.stringify(CODE_CACHE)};`,
        `const cache = useCodeCache(${JSON.stringify(f.chunks)}, ${JSON.stringify(f.cacheRoot)}, 'plan');`,
        `const x = createRequire(import.meta.url)('./other.cjs').x;`,
        `process.stdout.write(JSON.stringify({ x, loads: cache.loads.length }));`,
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [driver], { encoding: 'utf8' });
    expect(JSON.parse(r.stdout)).toEqual({ x: 1, loads: 0 });
  });
});
