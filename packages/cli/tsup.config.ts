import { defineConfig } from 'tsup';

export default defineConfig([
  { entry: ['src/index.ts'], format: ['esm', 'cjs'], dts: true, sourcemap: true, clean: true, target: 'node22' },
  // The executable: ESM only, with a shebang; heavy modules are imported lazily inside commands.
  { entry: { wif: 'src/bin.ts' }, format: ['esm'], dts: false, sourcemap: true, clean: false, target: 'node22', banner: { js: '#!/usr/bin/env node' } },
]);
