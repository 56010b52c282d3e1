import { defineConfig } from 'tsup';

/** The build of every library package: ESM + CJS + declarations from `src/index.ts`. */
export const libraryBuild = defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
});
