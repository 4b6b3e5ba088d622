import { packageConfig } from "../../vitest.shared.ts"

// The tests run the built bin in child processes; test/build-check.ts refuses a missing or stale build.
export default packageConfig({ test: { globalSetup: ["test/build-check.ts"] } })
