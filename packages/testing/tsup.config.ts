import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.shared';

// The root entry, and `./credential` alone: the development credential without the fake and msw,
// for the `wif` executable's `--emulator` mode (it loads only what a command needs).
export default defineConfig({
  ...(libraryBuild as object),
  entry: { index: 'src/index.ts', credential: 'src/credential.ts' },
});
