import { execFileSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

// Runs the README's example as written (Node strips its types); the epilogue prints what its comments claim.
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? ""
const epilogue = `
console.log(JSON.stringify({ role, cookie: cookie.startsWith("psa_session="), created: created.status, refused: [refused.status, (await refused.json()).error.code] }))
`

describe("README example", () => {
  it("signs in, creates a user with the CSRF token and is refused without a session", () => {
    const file = new URL("./.readme-example.tmp.ts", import.meta.url)
    writeFileSync(file, example + epilogue)
    try {
      const out = execFileSync(process.execPath, ["--conditions=@psa-ledger/source", file.pathname], {
        encoding: "utf8"
      })
      expect(JSON.parse(out)).toEqual({ role: "admin", cookie: true, created: 201, refused: [401, "Unauthenticated"] })
    } finally {
      rmSync(file, { force: true })
    }
  })
})
