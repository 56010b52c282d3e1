import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.shared';

// The root entry; `./vitest` (the test-file harnesses, which import vitest: never from the root);
// and `./credential` alone: the development credential without the fake and msw, for the `wif`
// executable's `--emulator` mode (it loads only what a command needs).
export default defineConfig({
  ...(libraryBuild as object),
  entry: { index: 'src/index.ts', vitest: 'src/vitest/index.ts', credential: 'src/credential.ts' },
  external: ['vitest'],
});
