import { defineConfig, type Options } from 'tsup';
import { argsSuggesterOnly, lazyBuiltins } from './tsup.plugins';
import { NOTICES_FILE, thirdPartyNotices } from './tsup.notices';

// The two builds run in parallel into dist/: each cleans only its own files.
// WIF_CLI_OUT_DIR builds the executable alone, elsewhere (the benchmark's unminified copy).
const executableOnly = process.env['WIF_CLI_OUT_DIR'] !== undefined;
// Typed here, so that each build is checked as tsup's Options (a bare array literal loses that).
const builds = (all: Options[]): Options[] => all.filter((_, i) => !executableOnly || i === 1);

export default defineConfig(
  builds([
    // The library entry (main, startEmulator): workspace packages stay external, as for any library.
    {
      entry: ['src/index.ts'],
      format: ['esm', 'cjs'],
      dts: true,
      sourcemap: true,
      clean: ['!wif.mjs', '!wif.mjs.map', '!chunks/**', `!${NOTICES_FILE}`],
      splitting: false,
      target: 'node22',
      // output.ts reads import.meta.url only where __filename is undefined, i.e. never in the CJS build.
      esbuildOptions(options) {
        options.logOverride = { 'empty-import-meta': 'silent' };
      },
    },
    // The executable: ESM with a shebang. The workspace packages are bundled from their TypeScript
    // sources (the `@wif/source` condition), so dist/wif.mjs is self-contained and always matches the
    // sources it was built from; `@azure/identity` is bundled too (below). Code splitting
    // (dist/chunks/) keeps each command and the SDK in their own chunks, imported only when a command
    // runs: `wif --help` and `wif --version` load none of them.
    {
      entry: { wif: 'src/bin.ts' },
      // WIF_CLI_OUT_DIR: another place for the executable only (the benchmark's unminified copy).
      ...(process.env['WIF_CLI_OUT_DIR'] ? { outDir: process.env['WIF_CLI_OUT_DIR'] } : {}),
      format: ['esm'],
      // .mjs, the executable and every chunk: Node knows an .mjs file is ESM from its name, where for
      // a .js file it looks up the nearest package.json's "type" for each of the ~50 files a command
      // loads (docs/decisions/028-the-critical-path-holds-only-requests.md).
      outExtension: () => ({ js: '.mjs' }),
      dts: false,
      sourcemap: true,
      clean: ['!index.*'],
      splitting: true,
      target: 'node22',
      platform: 'node',
      // Bundled CommonJS dependencies (the Azure core pipeline) `require` Node built-ins: give every chunk a `require`.
      banner: {
        js: "#!/usr/bin/env node\nimport { createRequire as __wifCreateRequire } from 'node:module';\nconst require = __wifCreateRequire(import.meta.url);",
      },
      // neverthrow too: it has no `exports` map, so Node would load its CommonJS build through the
      // ESM-CommonJS bridge (a lexer pass over the file) at every start; bundled, esbuild takes its ES build.
      // And `@azure/identity` with MSAL (the chunk a real sign-in loads, never `--emulator`): imported
      // from node_modules it is 395 files and ~260 ms before a real run's first request; bundled, one
      // lazily loaded chunk (docs/decisions/032-the-executable-bundles-azure-identity.md).
      noExternal: [/^@wif\//, 'neverthrow', '@azure/identity'],
      // Built-ins required when first needed, never imported as ESM (see tsup.plugins.ts). The
      // licenses of what is bundled go beside it, in dist/THIRD-PARTY-NOTICES.md (tsup.notices.ts).
      removeNodeProtocol: false,
      esbuildPlugins: [lazyBuiltins, argsSuggesterOnly, thirdPartyNotices('`wif.mjs`, with its chunks in `chunks/`,')],
      esbuildOptions(options) {
        options.conditions = ['@wif/source', 'import', 'node'];
        options.chunkNames = 'chunks/[name]-[hash]';
        // The ES build of a package that has one and no `exports` map (neverthrow), as Node's ESM would not.
        options.mainFields = ['module', 'main'];
        // Whitespace and syntax minified (names kept, for stack traces): 1.9 MB of JavaScript becomes
        // 1.4 MB for Node to read, decode and compile at every start (docs/performance.md, lever table;
        // bench/startup.ts builds an unminified copy with WIF_CLI_UNMINIFIED=1 to measure it).
        options.minifyWhitespace = process.env['WIF_CLI_UNMINIFIED'] !== '1';
        options.minifySyntax = process.env['WIF_CLI_UNMINIFIED'] !== '1';
      },
    },
  ]),
);
