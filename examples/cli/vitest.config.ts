import { packageConfig } from "../../vitest.shared.ts"

// The tests run the built bin in child processes; test/build-bin.ts makes sure it is current.
export default packageConfig({ test: { globalSetup: ["test/build-bin.ts"] } })
