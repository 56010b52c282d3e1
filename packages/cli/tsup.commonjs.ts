import { existsSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { rollup, type Plugin } from 'rollup';

/**
 * The executable as CommonJS: esbuild's ES module output (`wif.mjs` and its `chunks/`, code
 * splitting as esbuild decided it) written again by rollup, file for file (`preserveModules`), as
 * `wif.cjs` and `chunks/*.cjs`. Nothing is merged, moved or shaken out: each `import` becomes a
 * `require`, each `import()` of a chunk a `require` when the promise runs, so a command still loads
 * only the chunks it reaches. Two things pay for this at every start
 * (docs/decisions/042-the-executable-is-commonjs-with-a-code-cache.md): Node's CommonJS loader sets
 * up a file in a fraction of what its ES module loader spends resolving and linking one, and a
 * CommonJS file can be compiled as a script with a V8 code cache made after the run
 * (src/codeCache.ts), which ES modules cannot.
 *
 * The source maps are chained: each `.cjs.map` leads back to the TypeScript and the bundled packages,
 * as the ES module maps did (test/notices.test.ts reads them). The ES module build is removed after.
 */
export async function toCommonJs(esmDir: string, outDir: string): Promise<void> {
  rmSync(join(outDir, 'chunks'), { recursive: true, force: true });
  rmSync(join(outDir, 'wif.cjs'), { force: true });
  rmSync(join(outDir, 'wif.cjs.map'), { force: true });
  const bundle = await rollup({
    input: join(esmDir, 'wif.mjs'),
    // A bare name is a dependency esbuild left outside the bundle (yaml, @peculiar/x509…): required
    // from node_modules as before. Everything else is a chunk of this build.
    external: (id) => isBuiltin(id) || (!id.startsWith('.') && !isAbsolute(id)),
    treeshake: false,
    plugins: [esbuildOutput()],
    onwarn(warning, warn) {
      // esbuild's chunks import each other in cycles (shared helpers), which CommonJS resolves as ES
      // modules did: every cross-chunk binding is read when a function runs, not at load.
      if (warning.code === 'CIRCULAR_DEPENDENCY') return;
      warn(warning);
    },
  });
  try {
    await bundle.write({
      dir: outDir,
      format: 'cjs',
      exports: 'named',
      preserveModules: true,
      preserveModulesRoot: esmDir,
      entryFileNames: '[name].cjs',
      sourcemap: true,
      // `import()` of a chunk becomes `Promise.resolve().then(() => require(…))`: still loaded only
      // when reached, and through the same loader (and code cache) as every other chunk.
      dynamicImportInCjs: false,
      generatedCode: 'es2015',
      // Other chunks read an export as a plain property, not through a getter per access.
      externalLiveBindings: false,
      freeze: false,
      banner: (chunk) => (chunk.isEntry && chunk.name === 'wif' ? '#!/usr/bin/env node' : ''),
    });
  } finally {
    await bundle.close();
  }
  rmSync(esmDir, { recursive: true, force: true });
}

/** Reads esbuild's output with its source maps, and says what `import.meta.url` is in CommonJS. */
function esbuildOutput(): Plugin {
  return {
    name: 'wif-esbuild-output',
    load(id) {
      if (!id.endsWith('.mjs')) return null;
      const code = readFileSync(id, 'utf8');
      const mapFile = `${id}.map`;
      return existsSync(mapFile) ? { code, map: readFileSync(mapFile, 'utf8') } : { code };
    },
    resolveImportMeta(property) {
      // The file's own URL, as Node gives a CommonJS module its `__filename`.
      return property === 'url' ? `require('node:url').pathToFileURL(__filename).href` : null;
    },
  };
}

/** The directory esbuild writes the executable's ES modules to, inside the final output directory. */
export const esmBuildDir = (outDir: string): string => join(outDir, '.esm-build');
