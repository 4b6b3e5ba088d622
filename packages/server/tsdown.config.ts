import { packageBuild } from "../../tsdown.shared.ts"

// The library and the `psa-ledger-server` bin.
export default packageBuild({ entry: { index: "src/index.ts", bin: "src/bin.ts" } })
