import { execFileSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

// Runs the README's examples as written (Node strips their types), one after the other in one
// module, against the sandbox's Exact: msw answers for Exact's host, and the consent code arrives on
// stdin as if the user pasted it. The epilogue prints what the examples' comments claim.
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? "")

const app = {
  clientId: "readme-client",
  clientSecret: "readme-client-secret-5d2e",
  redirectUri: "https://psa-ledger.example/exact/callback"
}

const prologue = `
import { Readable as ReadmeReadable } from "node:stream"
import { createExactSimulation as readmeSimulation, exactHandlers as readmeHandlers, seedExactDivision as readmeSeed } from "@psa-ledger/sandbox"
import { setupServer as readmeServer } from "msw/node"
const readmeSim = readmeSimulation({ apps: [${JSON.stringify(app)}] })
const readmeToday = new Date()
const readmeMonth = new Date(Date.UTC(readmeToday.getUTCFullYear(), readmeToday.getUTCMonth() - 1, 1))
readmeSeed(readmeSim, { invoices: { year: readmeMonth.getUTCFullYear(), month: readmeMonth.getUTCMonth() + 1, count: 3, linesPerInvoice: 2 } })
readmeServer(...readmeHandlers(readmeSim)).listen()
Object.defineProperty(process, "stdin", { value: ReadmeReadable.from([readmeSim.authorize() + "\\n"]) })
`

const epilogue = `
console.log("README-RESULT " + JSON.stringify({
  invoices: invoices.length,
  linesPerInvoice: invoices.map((invoice) => (invoice.SalesInvoiceLines ?? []).length),
  lines: lines.length,
  amount: typeof lines[0]?.AmountFC
}))
`

describe("README examples", () => {
  it("run against the sandbox and show what their comments say", () => {
    expect(examples).toHaveLength(3)
    const file = new URL("./.readme-example.tmp.ts", import.meta.url)
    writeFileSync(file, prologue + examples.join("\n") + epilogue)
    try {
      const out = execFileSync(process.execPath, ["--conditions=@psa-ledger/source", file.pathname], {
        encoding: "utf8",
        env: { ...process.env, EXACT_CLIENT_ID: app.clientId, EXACT_CLIENT_SECRET: app.clientSecret }
      })
      const result = out.split("\n").find((line) => line.startsWith("README-RESULT ")) ?? ""
      expect(JSON.parse(result.slice("README-RESULT ".length))).toEqual({
        invoices: 3,
        linesPerInvoice: [2, 2, 2],
        lines: 6,
        amount: "string"
      })
      expect(out).toContain("Open this URL, consent")
      expect(out).toMatch(/\d+ accounts/)
      expect(out).toContain("refused:")
      expect(out).not.toContain(app.clientSecret)
    } finally {
      rmSync(file, { force: true })
    }
  })
})
