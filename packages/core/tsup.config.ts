import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.shared';

// The root entry and the subpath exports (docs/decisions/007-core-subpath-exports.md).
export default defineConfig({
  ...(libraryBuild as object),
  entry: {
    index: 'src/index.ts',
    audit: 'src/audit/index.ts',
    migration: 'src/migration/index.ts',
    diagnose: 'src/diagnose/index.ts',
    spec: 'src/spec/index.ts',
    access: 'src/access/index.ts',
  },
  // _internal/lazyYaml.ts reads import.meta.url only where __filename is undefined, i.e. never in the CJS build.
  esbuildOptions(options) {
    options.logOverride = { 'empty-import-meta': 'silent' };
  },
});
