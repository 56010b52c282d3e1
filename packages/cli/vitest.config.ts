import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Resolve workspace packages to their TypeScript sources, so tests never need a build first.
export default defineConfig({
  resolve: { conditions: ['@wif/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@wif/source', ...defaultServerConditions] } },
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 20_000 },
});
