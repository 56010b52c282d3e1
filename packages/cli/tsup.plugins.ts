import type { Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * Node built-ins as lazily required CommonJS modules. An ESM bundle hoists every `import … from
 * 'node:…'` of every module to the top of the file, so `wif --version` would load http, readline,
 * child_process, crypto… up front; required from inside each module's (lazy) initialiser instead,
 * a built-in loads only when a command that uses it runs. And required, not imported: importing a
 * built-in as ESM reads every export to build the namespace, lazy ones included — `node:http`'s
 * `WebSocket` and friends load Node's whole fetch implementation (undici), ~50 ms, which wif never uses.
 */
export const lazyBuiltins: Plugin = {
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
