import { defineConfig } from "vitest/config"

// One root config so `npx vitest` from the root runs every package at once; `npm test` runs each
// package's own config through turbo, which caches them independently.
export default defineConfig({
  test: {
    projects: ["packages/*", "examples/*", "bench"]
  }
})
