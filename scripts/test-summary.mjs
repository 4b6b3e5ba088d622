// Adds up the vitest results each workspace package wrote and prints one closing line, so a
// reader (or CI) sees how many tests ran across the whole repository.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const totals = { passed: 0, failed: 0, skipped: 0 }
const rows = []
for (const group of ["packages", "examples"]) {
  const dir = join(root, group)
  if (!existsSync(dir)) continue
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, ".vitest-results.json")
    if (!existsSync(file)) continue
    const result = JSON.parse(readFileSync(file, "utf8"))
    const skipped = result.numPendingTests + result.numTodoTests
    totals.passed += result.numPassedTests
    totals.failed += result.numFailedTests
    totals.skipped += skipped
    rows.push(
      `${`${group}/${name}`.padEnd(34)} ${String(result.numPassedTests).padStart(5)} passed  ${result.numFailedTests} failed  ${skipped} skipped`
    )
  }
}
console.log(`\n${rows.join("\n")}`)
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
if (totals.passed === 0 || totals.failed > 0) process.exitCode = 1
