import { packageBuild } from "../../tsdown.shared.ts"

// One entry per subpath: the heavy optional dependencies (nodemailer, croner, pg-boss) load only
// from the subpath that needs them, never from the root entry.
export default packageBuild({
  entry: {
    index: "src/index.ts",
    smtp: "src/smtp/index.ts",
    schedule: "src/schedule/index.ts",
    "pg-boss": "src/pg-boss/index.ts"
  }
})
