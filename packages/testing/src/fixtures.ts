/**
 * The official request/response examples published by Microsoft (REST specs and docs pages), copied verbatim into
 * `fixtures/` of this package (see packages/testing/fixtures/SOURCES.md for provenance).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function fixturesDir(): string {
  // src/fixtures.ts and dist/index.js both sit one level below the package root.
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  return join(here, '..', 'fixtures');
}

/** Reads one fixture by file name (BOM stripped). */
export function loadFixture<T = unknown>(name: string): T {
  const text = readFileSync(join(fixturesDir(), name), 'utf8').replace(/^\uFEFF/, '');
  return JSON.parse(text) as T;
}
