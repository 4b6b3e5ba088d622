import { defineConfig, mergeConfig, type ViteUserConfig } from "vitest/config"

/**
 * The vitest config every workspace package starts from.
 *
 * Packages resolve each other's `src/` through the `@psa-ledger/source` export condition, so tests
 * never need a build first. Each run also writes `.vitest-results.json`, which turbo caches and
 * `scripts/test-summary.mjs` adds up into one closing line.
 */
export const packageConfig = (overrides: ViteUserConfig = {}): ViteUserConfig =>
  mergeConfig(
    defineConfig({
      resolve: { conditions: ["@psa-ledger/source"] },
      ssr: { resolve: { conditions: ["@psa-ledger/source"] } },
      test: {
        include: ["src/**/*.test.ts", "test/**/*.test.ts"],
        reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
        // Limits that only stop a hung test, never a slow one: CI shares two cores with whatever else
        // the machine runs, so a test that passes idle in 3 s may need a minute there.
        testTimeout: 300_000,
        hookTimeout: 300_000
      }
    }),
    overrides
  )
