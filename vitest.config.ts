import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Integration tests start real servers on random ports; keep them isolated per file.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { POWERTOOLS_DEV: 'true', POWERTOOLS_LOG_LEVEL: 'WARN', TZ: 'UTC' },
  },
});
