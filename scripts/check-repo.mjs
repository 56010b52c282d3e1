#!/usr/bin/env node
// Repository checks that no package test owns (run by scripts/test.sh; `node scripts/check-repo.mjs`):
//  1. every document cited in packages/, examples/, bench/ and scripts/ is in the repository (with the
//     cited `§N` section) or is a public https URL: no `graph.md §8` pointing at notes a contributor
//     does not have, no `specs/` or `../shared/` paths;
//  2. generated TypeDoc is not committed (`git ls-files docs/api` is empty);
//  3. `azure-devops-node-api` is not in any package's production dependency graph.
// Prints one line per problem and exits 1 when there is any.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED = ['packages', 'examples', 'bench', 'scripts'];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'dist-release', '.turbo', 'coverage', 'tools']);
const EXTENSIONS = /\.(?:[cm]?[jt]s|tsx|json|md|ya?ml|sh)$/;
// Generated API reports repeat nothing of ours worth checking; lockfiles cite no documents.
const SKIP_FILES = /(?:\.api\.md|pnpm-lock\.yaml)$/;

/** Every file under `dir` worth scanning. */
function* walk(dir) {
  if (!statSync(dir).isDirectory()) {
    yield dir;
    return;
  }
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (EXTENSIONS.test(name) && !SKIP_FILES.test(name)) yield path;
  }
}

/** The [start, end) spans of https/http URLs on a line: what they contain is a public citation. */
function urlSpans(line) {
  return [...line.matchAll(/\bhttps?:\/\/[^\s)'"`>\]]+/g)].map((m) => [m.index, m.index + m[0].length]);
}
const inside = (spans, at) => spans.some(([s, e]) => at >= s && at < e);
/** A line naming a public Microsoft repository (`MicrosoftDocs/azure-devops-docs`, …) cites files in it, e.g. fixtures/SOURCES.md. */
const publicRepo = /\b(?:MicrosoftDocs|microsoftgraph|Azure|microsoft)\/[\w.-]+/;

const headingsCache = new Map();
/** The `§N` section numbers a markdown file has as headings (`## §5 …`). */
function sectionsOf(file) {
  if (!headingsCache.has(file)) {
    const found = new Set([...readFileSync(file, 'utf8').matchAll(/^#{1,6}\s+§(\d+)\b/gm)].map((m) => m[1]));
    headingsCache.set(file, found);
  }
  return headingsCache.get(file);
}

/** Problems with the document citations of one file. Exported for scripts/check-repo.test.mjs. */
export function citationProblems(file, text, exists = existsSync) {
  const problems = [];
  const where = (n) => `${relative(root, file)}:${n + 1}`;
  text.split('\n').forEach((line, n) => {
    const urls = urlSpans(line);
    for (const m of line.matchAll(/(?<![\w.-])(?:\.\.\/)*(?:shared\/)?specs\/|\/work\/shared\b|\.\.\/shared\//g)) {
      if (!inside(urls, m.index)) problems.push(`${where(n)}: cites "${m[0]}", which is not in the repository`);
    }
    for (const m of line.matchAll(/(?<![\w/.-])((?:\.{1,2}\/|[\w-]+\/)*[\w.-]*[\w-]\.md)\b(?:\s*§\s*(\d+))?/g)) {
      if (inside(urls, m.index) || publicRepo.test(line)) continue;
      // A quoted bare name is a string in code (join(root, 'docs', 'performance.md')), not a citation.
      if (/['"]/.test(line[m.index - 1] ?? '') && line[m.index + m[0].length] === line[m.index - 1]) continue;
      const cited = m[1];
      const target = [join(root, cited), join(dirname(file), cited)].find((p) => exists(p));
      if (!target) {
        problems.push(`${where(n)}: cites ${cited}, which is not in the repository (cite docs/reference/… or the public URL)`);
        continue;
      }
      if (m[2] !== undefined && !sectionsOf(target).has(m[2])) {
        problems.push(`${where(n)}: cites ${cited} §${m[2]}, but ${relative(root, target)} has no heading "§${m[2]}"`);
      }
    }
  });
  return problems;
}

function checkCitations() {
  const problems = [];
  for (const top of SCANNED) {
    const dir = join(root, top);
    if (!existsSync(dir)) continue;
    for (const file of walk(dir)) {
      if (file === fileURLToPath(import.meta.url) || file.endsWith('check-repo.test.mjs')) continue;
      problems.push(...citationProblems(file, readFileSync(file, 'utf8')));
    }
  }
  return problems;
}

function checkNoCommittedApiDocs() {
  const files = execFileSync('git', ['ls-files', 'docs/api'], { cwd: root, encoding: 'utf8' }).trim();
  return files === '' ? [] : [`docs/api: ${files.split('\n').length} generated files are committed; CI builds them, do not commit them`];
}

function checkDevOpsNodeApiIsDevOnly() {
  const why = (...extra) =>
    execFileSync('pnpm', ['why', 'azure-devops-node-api', '-r', ...extra], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  // The query itself must see the package (as a dev dependency), or an empty answer proves nothing.
  if (!why().includes('azure-devops-node-api')) return ['pnpm why azure-devops-node-api -r found nothing: the check cannot run'];
  const prod = why('--prod');
  return prod.includes('azure-devops-node-api')
    ? [`azure-devops-node-api is a production dependency:\n${prod.trim()}\n(use it in type tests only, as a devDependency)`]
    : [];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = [...checkCitations(), ...checkNoCommittedApiDocs(), ...checkDevOpsNodeApiIsDevOnly()];
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`check-repo: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log('check-repo: citations resolve, docs/api is not committed, azure-devops-node-api is dev-only');
}
