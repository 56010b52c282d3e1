import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.ts';

const packages = fileURLToPath(new URL('..', import.meta.url));

// One emulator over TLS for the whole suite (globalSetup), started before the test workers so that
// they inherit NODE_EXTRA_CA_CERTS pointing at its CA. The global setup does not resolve with the
// `@wif/source` condition, so the workspace packages are aliased to their sources (no build needed).
export default mergeConfig(
  packageTestConfig(['test/**/*.test.ts'], 30_000),
  defineConfig({
    resolve: { alias: [{ find: /^@wif\/(http|graph|arm|devops|core|testing|cli)$/, replacement: `${packages}$1/src/index.ts` }] },
    // One worker process reused across files: the suite stays quick on a loaded CI machine.
    test: { globalSetup: ['test/_globalSetup.ts'], isolate: false },
  }),
);
