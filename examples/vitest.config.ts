import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@wif/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@wif/source', ...defaultServerConditions] } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
