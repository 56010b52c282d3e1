import { defineConfig, type Options } from 'tsup';
import { argsSuggesterOnly, lazyBuiltins } from './tsup.plugins';
import { NOTICES_FILE, thirdPartyNotices } from './tsup.notices';
import { esmBuildDir, toCommonJs } from './tsup.commonjs';

// The two builds run in parallel into dist/: each cleans only its own files.
// WIF_CLI_OUT_DIR builds the executable alone, elsewhere (the benchmark's unminified copy).
const executableOnly = process.env['WIF_CLI_OUT_DIR'] !== undefined;
// Typed here, so that each build is checked as tsup's Options (a bare array literal loses that).
const builds = (all: Options[]): Options[] => all.filter((_, i) => !executableOnly || i === 1);
const executableDir = process.env['WIF_CLI_OUT_DIR'] ?? 'dist';

export default defineConfig(
  builds([
    // The library entry (main, startEmulator): workspace packages stay external, as for any library.
    {
      entry: ['src/index.ts'],
      format: ['esm', 'cjs'],
      dts: true,
      sourcemap: true,
      clean: ['!wif.cjs', '!wif.cjs.map', '!chunks/**', '!.esm-build/**', `!${NOTICES_FILE}`],
      splitting: false,
      target: 'node22',
      // output.ts reads import.meta.url only where __filename is undefined, i.e. never in the CJS build.
      esbuildOptions(options) {
        options.logOverride = { 'empty-import-meta': 'silent' };
      },
    },
    // The executable: dist/wif.cjs with a shebang, and its chunks. The workspace packages are bundled
    // from their TypeScript sources (the `@wif/source` condition), so it is self-contained and always
    // matches the sources it was built from; `@azure/identity` is bundled too (below). Code splitting
    // (dist/chunks/) keeps each command and the SDK in their own chunks, loaded only when a command
    // runs: `wif --help` and `wif --version` load none of them. esbuild splits code only into ES
    // modules: it writes them to dist/.esm-build, and onSuccess writes them again as CommonJS, file
    // for file (tsup.commonjs.ts; docs/decisions/042-the-executable-is-commonjs-with-a-code-cache.md).
    {
      entry: { wif: 'src/bin.ts' },
      outDir: esmBuildDir(executableDir),
      format: ['esm'],
      // .mjs, as Node would read them (the CommonJS files are .cjs: the package is "type": "module").
      outExtension: () => ({ js: '.mjs' }),
      dts: false,
      sourcemap: true,
      clean: true,
      splitting: true,
      target: 'node22',
      platform: 'node',
      // neverthrow too: bundled, esbuild takes its ES build and keeps only what wif uses, in the
      // chunks that use it, rather than one more package for the loader to find at every start.
      // And `@azure/identity` with MSAL (the chunk a real sign-in loads, never `--emulator`): imported
      // from node_modules it is 395 files and ~260 ms before a real run's first request; bundled, one
      // lazily loaded chunk (docs/decisions/032-the-executable-bundles-azure-identity.md).
      noExternal: [/^@wif\//, 'neverthrow', '@azure/identity'],
      // Built-ins required when first needed, never imported as ESM (see tsup.plugins.ts). The
      // licenses of what is bundled go beside it, in dist/THIRD-PARTY-NOTICES.md (tsup.notices.ts).
      removeNodeProtocol: false,
      esbuildPlugins: [lazyBuiltins, argsSuggesterOnly, thirdPartyNotices('`wif.cjs`, with its chunks in `chunks/`,', executableDir)],
      onSuccess: () => toCommonJs(esmBuildDir(executableDir), executableDir),
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
