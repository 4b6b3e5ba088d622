import { packageBuild } from "../../tsdown.shared.ts"

// The `psa-ledger` bin as a user runs it: `dist/main.js`, importing the published packages' built
// `dist/` (they stay imports); the worker's host and the portal's asset server are private examples
// shipped as TypeScript source, which Node will not run from an installed package, so they are bundled.
export default packageBuild({
  entry: { main: "src/main.ts" },
  dts: false,
  deps: { alwaysBundle: ["@psa-ledger/example-worker", /^@psa-ledger\/example-portal\//] }
})
