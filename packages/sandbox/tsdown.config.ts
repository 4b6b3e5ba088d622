import { packageBuild } from "../../tsdown.shared.ts"

// The library, and the CLI as its own entry (dist/bin/psa-ledger-sandbox.js keeps its shebang).
export default packageBuild({
  entry: { index: "src/index.ts", "bin/psa-ledger-sandbox": "src/bin/psa-ledger-sandbox.ts" }
})
