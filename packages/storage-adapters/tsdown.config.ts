import { packageBuild } from "../../tsdown.shared.ts"

// One entry per subpath in package.json `exports`, so that `pg` and `node:sqlite` load only when asked for.
export default packageBuild({ entry: ["src/index.ts", "src/sqlite.ts", "src/postgres.ts", "src/testing/index.ts"] })
