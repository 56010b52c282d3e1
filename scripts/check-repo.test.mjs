// Tests of scripts/check-repo.mjs's citation rule (node --test scripts/check-repo.test.mjs).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { citationProblems, licenseProblems, redactedLiterals, scannedFiles } from './check-repo.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const file = join(root, 'packages', 'core', 'src', 'example.ts');
const problems = (text) => citationProblems(file, text);

test('a note that is not in the repository is refused, with or without a section', () => {
  assert.equal(problems('// graph.md §8: throttling').length, 1);
  assert.equal(problems('// see devops.md').length, 1);
  assert.equal(problems(' * (automate-service-connections.md)').length, 1);
});

test('paths into the specs folder or the shared notes are refused', () => {
  assert.ok(problems('// ../shared/specs/graph.md §5').length >= 1);
  assert.equal(problems('// specs/arm.md').length >= 1, true);
  assert.equal(problems('// read /work/shared/STYLE.md first').length >= 1, true);
});

test('a reference note in the repository is accepted only with a section it has', () => {
  assert.deepEqual(problems('// docs/reference/graph.md §5 says so'), []);
  assert.deepEqual(problems('// docs/reference/devops.md'), []);
  const bad = problems('// docs/reference/graph.md §99');
  assert.equal(bad.length, 1);
  assert.match(bad[0], /no heading "§99"/);
});

test('a public URL is a citation, whatever file it names', () => {
  assert.deepEqual(problems('// https://github.com/MicrosoftDocs/azure-devops-docs/blob/main/docs/x.md'), []);
  assert.deepEqual(problems('// https://learn.microsoft.com/graph/api/application-upsert'), []);
});

test('a file in a named public repository is a citation; a quoted name in code is not a citation', () => {
  assert.deepEqual(problems('| x.json | repo `MicrosoftDocs/entra-docs` | `docs/identity-platform/reference-error-codes.md` |'), []);
  assert.deepEqual(problems("writeFileSync(join(root, 'docs', 'performance.md'), text);"), []);
});

test('docs/ is scanned, but not the generated docs/api nor files outside the scanned folders', () => {
  const base = mkdtempSync(join(tmpdir(), 'check-repo-'));
  try {
    for (const path of ['docs/guide.md', 'docs/reference/graph.md', 'docs/api/index.md', 'packages/core/src/a.ts', 'other/b.md']) {
      mkdirSync(join(base, path, '..'), { recursive: true });
      writeFileSync(join(base, path), '');
    }
    const found = [...scannedFiles(base)].map((f) => relative(base, f).split('\\').join('/')).sort();
    assert.deepEqual(found, ['docs/guide.md', 'docs/reference/graph.md', 'packages/core/src/a.ts']);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('every published package ships the LICENSE of the repository; a private one need not', () => {
  const mit = 'MIT License\n';
  assert.deepEqual(
    licenseProblems(mit, [
      { name: 'core', private: false, license: mit },
      { name: 'conformance', private: true, license: undefined },
    ]),
    [],
  );
  assert.deepEqual(licenseProblems(mit, [{ name: 'core', private: false, license: undefined }]), [
    "packages/core/LICENSE: missing; a published package ships the repository's LICENSE (copy it)",
  ]);
  assert.deepEqual(licenseProblems(mit, [{ name: 'http', private: false, license: 'ISC\n' }]), [
    "packages/http/LICENSE: differs from the repository's LICENSE",
  ]);
  assert.deepEqual(licenseProblems(undefined, []), ['LICENSE: the repository has no LICENSE file']);
});

test('the name of a file the build writes is not a citation', () => {
  assert.deepEqual(
    citationProblems(join(root, 'scripts', 'x.sh'), 'grep zod "$out/THIRD-PARTY-NOTICES.md" dist/THIRD-PARTY-NOTICES.md', () => false),
    [],
  );
  assert.equal(citationProblems(join(root, 'scripts', 'x.sh'), 'see dist/OTHER-NOTES.md', () => false).length, 1);
});

test('a message the redactor would change is found; a header being built and a comment are not', async () => {
  const { default: ts } = await import('typescript');
  const { redact } = await import('../packages/http/dist/index.js');
  const source = [
    '// Authorization: Bearer eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.sig, in a comment',
    'const header = `Bearer ${token}`;',
    "const fine = 'the token is refused';",
    'const bad = `${name} holds spaces inside the token: set it to the token alone.`;',
    "const worse = 'check that the secret: `wif migrate start`';",
  ].join('\n');
  const found = redactedLiterals(ts, 'x.ts', source, redact);
  assert.deepEqual(
    found.map((p) => p.split(':').slice(0, 2).join(':')),
    ['x.ts:4', 'x.ts:5'],
  );
  assert.match(found[0], /\[REDACTED\]/);
});
