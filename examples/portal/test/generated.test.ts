import { execFile } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const run = promisify(execFile)
const packageDir = fileURLToPath(new URL("..", import.meta.url))
// Resolve the CLI the same way `npm run generate` does, so the check and the generator never disagree.
const cli = createRequire(import.meta.url)
  .resolve("openapi-typescript/package.json")
  .replace(/package\.json$/, "bin/cli.js")

describe("src/generated/api.ts", () => {
  it("matches what openapi-typescript generates from the server's openapi.json (run `npm run generate`)", async () => {
    const result = await run(
      process.execPath,
      [cli, "../../packages/server/openapi.json", "-o", "src/generated/api.ts", "--check"],
      { cwd: packageDir }
    ).then(
      () => ({ ok: true, output: "" }),
      (error: { stdout?: string; stderr?: string }) => ({
        ok: false,
        output: `${error.stdout ?? ""}${error.stderr ?? ""}`
      })
    )
    expect(result.ok, result.output).toBe(true)
  })
})
