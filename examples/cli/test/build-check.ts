// Vitest global setup: the tests run the built bin (`dist/main.js`) against the workspace packages'
// built `dist/`, as a user's `npx psa-ledger` does. A missing or stale build would test something
// other than the source beside it, so it stops the run with what to do instead.
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"

const root = new URL("../../../", import.meta.url).pathname
const build = "npx turbo run build --filter=@psa-ledger/example-cli"

/** The newest modification time of `dir`'s files (test files aside), or of the file `dir`; 0 for none. */
const newest = (dir: string): number => {
  if (!existsSync(dir)) return 0
  if (statSync(dir).isFile()) return statSync(dir).mtimeMs
  let time = 0
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith(".test.ts")) continue
    time = Math.max(time, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return time
}

/** Why `output` is not a build of `sources`, or undefined when it is one. */
const staleness = (output: string, sources: ReadonlyArray<string>): string | undefined => {
  if (!existsSync(output)) return `${output} is missing`
  const built = statSync(output).mtimeMs
  const changed = sources.find((dir) => newest(dir) > built)
  return changed === undefined ? undefined : `${changed} changed after ${output} was built`
}

export default function checkBuild(): void {
  const checks: Array<[string, ReadonlyArray<string>]> = [
    // The bin bundles the worker's host and the portal's asset server (private, shipped as source).
    ["examples/cli/dist/main.js", ["examples/cli/src", "examples/worker/src", "examples/portal/src/server/assets.ts"]],
    ...readdirSync(join(root, "packages"))
      .filter((name) => existsSync(join(root, "packages", name, "tsdown.config.ts")))
      .map((name): [string, ReadonlyArray<string>] => [`packages/${name}/dist/index.js`, [`packages/${name}/src`]])
  ]
  const problems = checks.flatMap(([output, sources]) => {
    const problem = staleness(
      join(root, output),
      sources.map((dir) => join(root, dir))
    )
    return problem === undefined ? [] : [problem.replaceAll(root, "")]
  })
  if (problems.length > 0) {
    throw new Error(
      `The CLI tests run the built bin, and the build is not current (${problems.join("; ")}). ` +
        `Build first: ${build} (turbo's test task does this).`
    )
  }
}
