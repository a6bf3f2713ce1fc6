import { defineConfig } from 'vitest/config'
import { IntegrationOrder } from './test/integration/order.ts'

export default defineConfig({
  test: {
    sequence: { sequencer: IntegrationOrder },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**'],
          testTimeout: 20_000,
        },
      },
      {
        // Real sandbox hosts: heavy (a Debian host each, OpenStack packages), so one file at a time.
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          fileParallelism: false,
          globalSetup: ['test/integration/layer-setup.ts'],
          testTimeout: 30 * 60_000,
          hookTimeout: 30 * 60_000,
        },
      },
      // `npm run bench:vsphere` only: figures, not tests.
      ...(process.env.STACKHOUSE_BENCH ? [{ test: { name: 'bench', include: ['bench/**/*.ts'], testTimeout: 30 * 60_000 } }] : []),
    ],
  },
})
