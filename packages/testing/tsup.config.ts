import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.shared';

// The root entry, and `./vitest` (the test-file harnesses, which import vitest: never from the root).
export default defineConfig({
  ...(libraryBuild as object),
  entry: { index: 'src/index.ts', vitest: 'src/vitest/index.ts' },
  external: ['vitest'],
});
