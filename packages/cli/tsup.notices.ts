import type { Options } from 'tsup';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/** What this reads of esbuild's metafile: each output file's inputs, with the bytes each put in it. */
export interface Metafile {
  readonly outputs: Readonly<Record<string, { readonly inputs: Readonly<Record<string, { readonly bytesInOutput: number }>> }>>;
}

/** The file, beside the executable, that carries the notices of what the build bundled. */
export const NOTICES_FILE = 'THIRD-PARTY-NOTICES.md';

interface BundledPackage {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  readonly source: string | undefined;
  /** Each license file the package ships (LICENSE, COPYING, NOTICE…), by name, as it ships it. */
  readonly files: readonly { readonly name: string; readonly text: string }[];
}

const LICENSE_FILE = /^(?:licen[cs]e|copying|notice)(?:[.-].*)?$/i;

/**
 * The package directories of every node_modules file that put bytes into an output. A file esbuild
 * read but tree-shook to nothing is not in the bundle, so its package needs no notice.
 */
export function bundledPackageDirs(metafile: Metafile, workingDir: string): string[] {
  const dirs = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const at = input.lastIndexOf('node_modules/');
      if (at < 0 || bytesInOutput === 0) continue;
      const rest = input.slice(at + 'node_modules/'.length).split('/');
      const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '');
      dirs.add(resolve(workingDir, input.slice(0, at + 'node_modules/'.length) + name));
    }
  }
  return [...dirs];
}

function readPackage(dir: string): BundledPackage {
  const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    license?: string;
    repository?: string | { url?: string };
    homepage?: string;
  };
  const repository = typeof json.repository === 'string' ? json.repository : json.repository?.url;
  return {
    name: json.name,
    version: json.version,
    license: json.license ?? 'no license field',
    source: repository ?? json.homepage,
    files: readdirSync(dir)
      .filter((f) => LICENSE_FILE.test(f))
      .sort()
      .map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8').replace(/\r\n/g, '\n').trimEnd() })),
  };
}

/** A Markdown fence longer than any run of backticks in the text. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** The notices document: each bundled package, its declared license, and its license files verbatim. */
export function renderNotices(what: string, packages: readonly BundledPackage[]): string {
  const sorted = [...packages].sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name < b.name ? -1 : 1));
  const lines = [
    '# Third-party notices',
    '',
    `${what} contains code of the ${sorted.length} package${sorted.length === 1 ? '' : 's'} below, bundled into it at build time.`,
    'Each is listed with the license its package.json declares and, verbatim, the license files it ships.',
    '',
  ];
  for (const p of sorted) {
    // Where its source is, as published: what the MPL-2.0 (JMESPath, in the single file) asks a
    // bundle to tell its recipients, and useful for every other one.
    const published = `https://www.npmjs.com/package/${p.name}/v/${p.version}`;
    lines.push(`## ${p.name} ${p.version}`, '', `License: ${p.license}`, '', `Source: ${published}${p.source ? ` · ${p.source}` : ''}`, '');
    if (p.files.length === 0) lines.push(`The package ships no license file; its package.json declares ${p.license}.`, '');
    for (const f of p.files) {
      const ticks = fence(f.text);
      lines.push(`${f.name}:`, '', `${ticks}text`, f.text, ticks, '');
    }
  }
  return lines.join('\n');
}

/**
 * Writes `THIRD-PARTY-NOTICES.md` beside the build's output: the notices of every third-party package
 * the bundle contains (MIT, ISC, BSD and Apache-2.0 all ask that their notices go with every copy, and
 * a bundle is a copy). The list comes from esbuild's own record of what it put in each output file.
 * `notesDir`: another directory for it than the build's (the executable's, which esbuild writes to an
 * intermediate directory: tsup.commonjs.ts).
 */
export function thirdPartyNotices(what: string, notesDir?: string): Plugin {
  return {
    name: 'wif-third-party-notices',
    setup(build) {
      build.initialOptions.metafile = true;
      build.onEnd((result) => {
        if (result.errors.length > 0 || !result.metafile) return;
        const outDir = notesDir ?? build.initialOptions.outdir ?? dirname(build.initialOptions.outfile ?? '.');
        const workingDir = build.initialOptions.absWorkingDir ?? process.cwd();
        const packages = bundledPackageDirs(result.metafile, workingDir).map(readPackage);
        // onEnd runs before tsup writes the bundle, so on a first build the directory may not exist yet.
        const dir = resolve(workingDir, outDir);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, NOTICES_FILE), renderNotices(what, packages));
      });
    },
  };
}

/** The notices as a block comment to append to a single-file bundle, so that any copy of it carries them. */
export function noticesComment(notices: string): string {
  return `\n/*\n${notices.replaceAll('*/', '* /')}\n*/\n`;
}
