import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * Node built-ins as lazily required CommonJS modules. An ESM bundle hoists every `import … from
 * 'node:…'` of every module to the top of the file, so `wif --version` would load http, readline,
 * child_process, crypto… up front; required from inside each module's (lazy) initialiser instead,
 * a built-in loads only when a command that uses it runs.
 */
const lazyBuiltins: Plugin = {
  name: 'wif-lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^node:|^(?:assert|buffer|child_process|crypto|dns|events|fs|fs\/promises|http|https|net|os|path|process|querystring|readline|stream|string_decoder|timers|tls|tty|url|util|worker_threads|zlib)$/ }, (args) =>
      args.namespace === 'wif-builtin' ? undefined : { path: args.path, namespace: 'wif-builtin' },
    );
    build.onLoad({ filter: /.*/, namespace: 'wif-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path.startsWith('node:') ? args.path : `node:${args.path}`)});`,
      loader: 'js',
    }));
  },
};

/**
 * The single-file CLI, `dist-release/wif.mjs` (bash scripts/release.sh): everything bundled, the
 * workspace packages from their sources and every dependency including `@azure/identity`, so that
 * `node wif.mjs` runs with no node_modules beside it. Without code splitting, the modules that a
 * command imports lazily are wrapped by esbuild and evaluated only when imported: `wif --version`
 * parses the file but runs only the argument table (decision 011).
 */
export default defineConfig({
  entry: { wif: 'src/bin.ts' },
  outDir: '../../dist-release',
  outExtension: () => ({ js: '.mjs' }),
  format: ['esm'],
  dts: false,
  sourcemap: false,
  clean: false,
  splitting: false,
  target: 'node22',
  platform: 'node',
  // Bundled CommonJS dependencies `require` Node built-ins: give the module a `require`.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __wifCreateRequire } from 'node:module';\nconst require = __wifCreateRequire(import.meta.url);" },
  noExternal: [/.*/],
  removeNodeProtocol: false,
  esbuildPlugins: [lazyBuiltins],
  esbuildOptions(options) {
    options.conditions = ['@wif/source', 'import', 'node'];
    options.legalComments = 'none';
  },
});
