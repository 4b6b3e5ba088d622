// Vitest global setup: the tests run the built bin (`dist/main.js`) against the workspace packages'
// built `dist/`, as a user's `npx psa-ledger` does, so that build must be current before they start.
// Under turbo the test task depends on it; a bare `npx vitest run` asks turbo for it here (a cache
// hit when nothing changed), so it never tests a build older than the source beside it.
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"

const root = new URL("../../../", import.meta.url).pathname

export default function buildBin(): void {
  // turbo sets TURBO_HASH in every task it runs: there, `dependsOn` has built everything already.
  if (process.env.TURBO_HASH === undefined) {
    const args = ["run", "build", "--filter=@psa-ledger/example-cli", "--output-logs=errors-only"]
    try {
      execFileSync(join(root, "node_modules/.bin/turbo"), args, { cwd: root, encoding: "utf8", stdio: "pipe" })
    } catch (error) {
      const output = (error as { stdout?: string }).stdout ?? String(error)
      throw new Error(`The CLI tests run the built bin, and building it failed (turbo ${args.join(" ")}):\n${output}`)
    }
  }
  for (const built of ["examples/cli/dist/main.js", "examples/portal/dist/index.html"]) {
    if (!existsSync(join(root, built))) throw new Error(`The CLI tests run the built bin: ${built} is missing.`)
  }
}
