import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages are read from src/ through the `dev-source` export condition, so tests
// never need a build (the packaging tests in test-utils load the built dist/ on purpose).
const conditions = ['dev-source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'examples/test/**/*.test.ts',
      'test-utils/**/*.test.ts',
      'runtimes/test/**/*.test.ts',
    ],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
    unstubEnvs: true,
  },
});
