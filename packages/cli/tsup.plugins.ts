import type { Options } from 'tsup';
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

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
    // One wrapper per importing file (`node:fs_1a2b3c4d`), not one shared by all: with code splitting, a
    // wrapper shared by modules of different chunks became a chunk of its own (a dozen 450-byte
    // chunks, each one more module for the ESM loader to resolve, read and link at every start).
    // A copy lands in its importer's chunk; `require` returns the same built-in to every copy. The
    // tag is a hash of the importer's path in the repository, so builds stay reproducible.
    build.onResolve(
      {
        filter:
          /^node:|^(?:assert|buffer|child_process|crypto|dns|events|fs|fs\/promises|http|https|net|os|path|process|querystring|readline|stream|string_decoder|timers|tls|tty|url|util|worker_threads|zlib)$/,
      },
      (args) => {
        if (args.namespace === 'wif-builtin') return undefined;
        const tag = createHash('sha256').update(relative(root, args.importer)).digest('hex').slice(0, 8);
        return { path: `${args.path}_${tag}`, namespace: 'wif-builtin' };
      },
    );
    build.onLoad({ filter: /.*/, namespace: 'wif-builtin' }, (args) => {
      const name = args.path.replace(/_[0-9a-f]{8}$/, '');
      return { contents: `module.exports = require(${JSON.stringify(name.startsWith('node:') ? name : `node:${name}`)});`, loader: 'js' };
    });
  },
};

/**
 * `@wif/http`'s dependency-free name suggester, not its barrel, for the command-line parser. With
 * code splitting, esbuild puts a module in the chunks of every entry that can reach it through any
 * import, used or not: `import { closestName } from '@wif/http'` in args.ts made `wif --version`
 * load the whole transport chunk (the Azure core pipeline, supports-color, http, https, zlib; ~50 ms),
 * although the parser only needs didYouMean.ts. Only args.ts is redirected, and only to that module
 * (a name it does not export fails the build).
 */
export const argsSuggesterOnly: Plugin = {
  name: 'wif-args-suggester-only',
  setup(build) {
    build.onResolve({ filter: /^@wif\/http$/ }, (args) =>
      /[\\/]cli[\\/]src[\\/]args\.ts$/.test(args.importer)
        ? { path: fileURLToPath(new URL('../http/src/didYouMean.ts', import.meta.url)) }
        : undefined,
    );
  },
};
