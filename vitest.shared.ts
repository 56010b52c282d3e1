import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The Vitest configuration of every package: workspace packages resolve to their TypeScript sources
 * (the `@wif/source` export condition, decision 003), so tests never need a build first.
 */
export function packageTestConfig(include: string[] = ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout = 20_000) {
  return defineConfig({
    resolve: { conditions: ['@wif/source', ...defaultServerConditions] },
    ssr: { resolve: { conditions: ['@wif/source', ...defaultServerConditions] } },
    test: { include, testTimeout },
  });
}
