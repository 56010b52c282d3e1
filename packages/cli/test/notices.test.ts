/**
 * The executable bundles third-party code, so it must carry their licenses: dist/THIRD-PARTY-NOTICES.md
 * (tsup.notices.ts, from esbuild's metafile). Checked here against another record of what is in the
 * bundle, the source maps of the built executable, and against the packages' own license files.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NOTICES_FILE, noticesComment, renderNotices, thirdPartyNotices } from '../tsup.notices';

const DIST = fileURLToPath(new URL('../dist', import.meta.url));

/** Package directory → package name, for every node_modules file the executable's source maps name. */
function packagesInSourceMaps(): Map<string, string> {
  const dirs = new Map<string, string>();
  const maps = [
    join(DIST, 'wif.cjs.map'),
    ...readdirSync(join(DIST, 'chunks'))
      .filter((f) => f.endsWith('.map'))
      .map((f) => join(DIST, 'chunks', f)),
  ];
  for (const map of maps) {
    const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] };
    for (const source of sources) {
      const at = source.lastIndexOf('node_modules/');
      if (at < 0) continue;
      const [first = '', second = ''] = source.slice(at + 'node_modules/'.length).split('/');
      const name = first.startsWith('@') ? `${first}/${second}` : first;
      dirs.set(resolve(dirname(map), source.slice(0, at + 'node_modules/'.length) + name), name);
    }
  }
  return dirs;
}

describe('THIRD-PARTY-NOTICES.md of the executable', () => {
  const notices = readFileSync(join(DIST, NOTICES_FILE), 'utf8');
  const sections = new Map(
    notices
      .split(/^(?=## )/m)
      .slice(1)
      .map((s) => [s.slice(3, s.indexOf('\n')), s] as const),
  );

  it('has a section for exactly the packages whose code the source maps show in the bundle', () => {
    const expected = [...packagesInSourceMaps().keys()].map((dir) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
      return `${pkg.name} ${pkg.version}`;
    });
    expect(new Set(expected).size).toBeGreaterThan(20);
    expect([...sections.keys()].sort()).toEqual([...new Set(expected)].sort());
    // zod and neverthrow are in every command's path; MSAL comes with a real sign-in.
    expect([...sections.keys()].map((k) => k.split(' ')[0])).toEqual(expect.arrayContaining(['zod', 'neverthrow', '@azure/msal-node']));
  });

  it("carries each package's license files verbatim, and says so where a package ships none", () => {
    for (const [dir, name] of packagesInSourceMaps()) {
      const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
      const section = sections.get(`${name} ${version}`) ?? '';
      const files = readdirSync(dir).filter((f) => /^(?:licen[cs]e|copying|notice)(?:[.-].*)?$/i.test(f));
      if (files.length === 0) expect(section).toContain('ships no license file');
      for (const f of files) {
        expect(section).toContain(`${f}:`);
        expect(section).toContain(readFileSync(join(dir, f), 'utf8').replace(/\r\n/g, '\n').trimEnd());
      }
    }
  });

  it('names no path of the machine that built it', () => {
    expect(notices).not.toContain(fileURLToPath(new URL('../../..', import.meta.url)));
    expect(notices).not.toMatch(/\.pnpm\//);
  });
});

describe('renderNotices', () => {
  const pkg = (name: string, files: { name: string; text: string }[]) => ({
    name,
    version: '1.0.0',
    license: 'MIT',
    source: undefined,
    files,
  });

  it('sorts by name and fences a license text longer than any run of backticks in it', () => {
    const text = renderNotices('`x`', [pkg('zeta', []), pkg('alpha', [{ name: 'LICENSE', text: 'a ``` b ```` c' }])]);
    expect(text.indexOf('## alpha 1.0.0')).toBeLessThan(text.indexOf('## zeta 1.0.0'));
    expect(text).toContain('`````text\na ``` b ```` c\n`````');
    expect(text).toContain('The package ships no license file; its package.json declares MIT.');
    expect(text).toContain('Source: https://www.npmjs.com/package/alpha/v/1.0.0');
  });

  it('as a comment, cannot end early where a license text has */', () => {
    const comment = noticesComment('before */ after');
    expect(comment.match(/\*\//g)).toHaveLength(1);
    expect(comment.trimEnd().endsWith('*/')).toBe(true);
  });
});

describe('thirdPartyNotices (the esbuild plugin)', () => {
  it('writes the notices into an output directory that does not exist yet, from what put bytes into the output', async () => {
    const base = mkdtempSync(join(tmpdir(), 'wif-notices-'));
    try {
      const outdir = join(base, 'fresh', 'out');
      const onEnd: ((result: unknown) => void)[] = [];
      const initialOptions: Record<string, unknown> = { outdir, absWorkingDir: fileURLToPath(new URL('..', import.meta.url)) };
      const setup = thirdPartyNotices('`x.mjs`').setup as (build: unknown) => void;
      setup({ initialOptions, onEnd: (f: (result: unknown) => void) => onEnd.push(f) });
      expect(initialOptions['metafile']).toBe(true);
      const metafile = {
        outputs: {
          'x.mjs': {
            inputs: {
              'node_modules/yaml/dist/index.js': { bytesInOutput: 10 },
              'node_modules/neverthrow/dist/index.es.js': { bytesInOutput: 0 },
              'src/bin.ts': { bytesInOutput: 5 },
            },
          },
        },
      };
      for (const f of onEnd) f({ errors: [], metafile });
      const written = readFileSync(join(outdir, NOTICES_FILE), 'utf8');
      expect(written).toContain('## yaml ');
      expect(written).toContain('contains code of the 1 package below');
      // Read but tree-shaken to nothing: not in the bundle, no notice.
      expect(written).not.toContain('## neverthrow ');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
