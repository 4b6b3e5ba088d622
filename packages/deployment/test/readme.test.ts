import { execFileSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { newKey, tempDir } from "./support.ts"

// Runs the README's example as written (Node strips its types) against the sandbox, which answers
// for ConnectWise's and Exact Online's real hosts through msw, so the documentation cannot drift.
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? ""
const prologue = `
import { createSandbox, createWorld, sandboxHandlers } from "@psa-ledger/sandbox"
import { setupServer } from "msw/node"
const sandbox = createSandbox({
  world: createWorld({ seed: 11, customers: 20, products: 4, months: 2 }),
  credentials: { connectwise: { companyId: "acme" }, exact: { redirectUri: "https://ledger.msp.example/oauth/exact" } }
})
const server = setupServer(...sandboxHandlers(sandbox))
server.listen({ onUnhandledFrame: "error" })
const { publicKey, privateKey, clientId } = sandbox.credentials.connectwise
const { clientId: exactAppId, clientSecret, division } = sandbox.credentials.exact
// The user on Exact's consent page: choose the division, grant access, follow the redirect.
const userConsentsAt = async (url: string) => {
  const page = new URL(url)
  const granted = await fetch(page.origin + page.pathname, {
    method: "POST",
    body: new URLSearchParams({ ...Object.fromEntries(page.searchParams), division: String(division) }),
    redirect: "manual"
  })
  return granted.headers.get("location") ?? ""
}
`
const epilogue = `
server.close()
`

describe("README example", () => {
  it("runs: a link created, Exact connected, tested ok and opened", () => {
    expect(example).toContain("openDeployment(")
    const file = new URL("./.readme-example.tmp.ts", import.meta.url)
    const temp = tempDir()
    // The example's imports first, then the sandbox that answers for the real hosts.
    const imports = example.split("\n").filter((line) => line.startsWith("import "))
    const body = example.split("\n").filter((line) => !line.startsWith("import "))
    writeFileSync(file, [...imports, prologue, ...body, epilogue].join("\n"))
    try {
      const out = execFileSync(process.execPath, ["--conditions=@psa-ledger/source", "--no-warnings", file.pathname], {
        encoding: "utf8",
        cwd: temp.dir,
        env: { ...process.env, PSA_LEDGER_SECRET_KEY: newKey(), PSA_LEDGER_SECRET_KEY_FILE: "" }
      })
      const [secretState, outcome] = out.trim().split("\n")
      expect(secretState).toMatch(/^\{ set: true, updatedAt: '\d{4}-\d\d-\d\dT/)
      expect(outcome).toMatch(/^true \d{4}-\d\d$/) // links.test ok, and the newest month with invoices
      expect(out).not.toContain("sandbox-private-key")
    } finally {
      rmSync(file, { force: true })
      temp.remove()
    }
  })
})
