import { defineConfig } from 'tsup';
import { appendFileSync, readFileSync } from 'node:fs';
import { lazyBuiltins } from './tsup.plugins';
import { NOTICES_FILE, noticesComment, thirdPartyNotices } from './tsup.notices';

const outDir = '../../dist-release';

/**
 * The single-file CLI, `dist-release/wif.mjs` (bash scripts/release.sh): everything bundled, the
 * workspace packages from their sources and every dependency including `@azure/identity`, so that
 * `node wif.mjs` runs with no node_modules beside it. Without code splitting, the modules that a
 * command imports lazily are wrapped by esbuild and evaluated only when imported: `wif --version`
 * parses the file but runs only the argument table (decision 011).
 */
export default defineConfig({
  entry: { wif: 'src/bin.ts' },
  outDir,
  outExtension: () => ({ js: '.mjs' }),
  format: ['esm'],
  dts: false,
  sourcemap: false,
  clean: false,
  splitting: false,
  target: 'node22',
  platform: 'node',
  // Bundled CommonJS dependencies `require` Node built-ins: give the module a `require`.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __wifCreateRequire } from 'node:module';\nconst require = __wifCreateRequire(import.meta.url);",
  },
  noExternal: [/.*/],
  removeNodeProtocol: false,
  // dist-release/THIRD-PARTY-NOTICES.md, the licenses of every bundled package; and the same text as a
  // comment at the end of wif.mjs (onSuccess), so that a copy of the one file carries them too.
  esbuildPlugins: [lazyBuiltins, thirdPartyNotices('`wif.mjs`')],
  onSuccess: async () => {
    appendFileSync(`${outDir}/wif.mjs`, noticesComment(readFileSync(`${outDir}/${NOTICES_FILE}`, 'utf8')));
  },
  esbuildOptions(options) {
    options.conditions = ['@wif/source', 'import', 'node'];
    options.legalComments = 'none';
    // As the package's executable (tsup.config.ts): less to read and parse at every start, names kept.
    options.minifyWhitespace = true;
    options.minifySyntax = true;
  },
});
