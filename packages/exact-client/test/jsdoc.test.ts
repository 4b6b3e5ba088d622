import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { seedExactDivision } from "@psa-ledger/sandbox"
import { describe, expect, it, vi } from "vitest"
import { memoryTokenStore } from "../src/index.ts"
import { app, useMsw, world } from "./helpers.ts"

// Runs every `@example` of the sources, each as its own module, against the simulation behind msw
// (which serves Exact's real host). Their imports of the package point at the sources; a prelude
// gives them the names they assume and do not declare: the app's keys, a token store, a consented
// client `exact`, the `code` of a consent, an `invoice` Exact refuses, a token set.
const srcDir = new URL("../src/", import.meta.url)
const examples = readdirSync(srcDir)
  .filter((name) => name.endsWith(".ts"))
  .sort()
  .flatMap((name) =>
    [...readFileSync(new URL(name, srcDir), "utf8").matchAll(/@example\n \* ```ts\n([\s\S]*?) \* ```/g)].map(
      (m, i) => [`${name}#${i + 1}`, m[1]!.replace(/^ \* ?/gm, "")] as const
    )
  )

type Given = Record<string, unknown>
const given = (example: string, names: ReadonlyArray<string>) =>
  names
    .filter((name) => !new RegExp(`const ${name}\\b`).test(example))
    .map((name) => `const ${name} = (globalThis as { jsdocGiven?: Record<string, any> }).jsdocGiven!.${name}`)
    .join("\n")

// What an example leaves for the test to check, where its comment makes a claim about a value.
const results: Record<string, string> = {
  "OData.ts#1": "Object.assign(globalThis, { jsdocResult: String(filter) })",
  "ExactClient.ts#1": `const jsdocLines = await Array.fromAsync(exact.paginate("salesinvoice/SalesInvoiceLines", { bulk: true, select: ["Quantity"] }))
Object.assign(globalThis, { jsdocResult: { lines: jsdocLines.length, quantities: jsdocLines.every((line) => Number.isSafeInteger(line.Quantity) || /^-?\\d+\\.\\d+$/.test(String(line.Quantity))) } })`
}

useMsw()

describe("JSDoc examples", () => {
  it("are found", () => {
    expect(examples.map(([name]) => name)).toEqual([
      "ErrorBudget.ts#1",
      "ErrorBudget.ts#2",
      "ExactClient.ts#1",
      "ExactError.ts#1",
      "OData.ts#1",
      "TokenStore.ts#1",
      "TokenStore.ts#2"
    ])
  })

  it.each(examples)("%s runs", async (name, example) => {
    const { sim, client, authorise } = world({ divisions: [{ code: 1234567, description: "JSDoc B.V." }] })
    seedExactDivision(sim, { division: 1234567, invoices: { year: 2026, month: 1, count: 2, linesPerInvoice: 3 } })
    const exact = client({ division: 1234567 })
    await authorise(exact)
    const values: Given = {
      ...app,
      tokens: memoryTokenStore(),
      exact,
      code: sim.authorize(),
      // No lines: the client refuses it with a ValidationError before sending anything.
      invoice: { OrderedBy: "00000000-0000-0000-0000-000000000001", SalesInvoiceLines: [] },
      accessToken: "jsdoc-access-token",
      refreshToken: "jsdoc-refresh-token",
      expiresAt: Date.now() + 600_000,
      obtainedAt: Date.now()
    }
    ;(globalThis as { jsdocGiven?: Given }).jsdocGiven = values
    vi.stubEnv("EXACT_CLIENT_ID", app.clientId)
    vi.stubEnv("EXACT_CLIENT_SECRET", app.clientSecret)
    const errors = vi.spyOn(console, "error").mockImplementation(() => {})
    let logged: Array<Array<unknown>> = []
    const source = example.replaceAll('from "@psa-ledger/exact-client"', 'from "../src/index.ts"')
    const file = new URL(`./.jsdoc-${name.replace(/\W/g, "-")}.tmp.ts`, import.meta.url)
    writeFileSync(file, `${given(source, Object.keys(values))}\n${source}\n${results[name] ?? ""}\nexport {}\n`)
    try {
      await import(file.href)
    } finally {
      rmSync(file, { force: true })
      logged = errors.mock.calls.slice()
      errors.mockRestore()
      vi.unstubAllEnvs()
    }
    // What the comments claim.
    const result = (globalThis as { jsdocResult?: unknown }).jsdocResult
    if (name === "ExactError.ts#1") expect(logged).toEqual([[["SalesInvoiceLines must not be empty"]]])
    if (name === "ExactClient.ts#1") {
      // The example's loop and the check's own read: one bulk page each.
      expect(sim.requestCounts()["GET bulk/SalesInvoice/SalesInvoiceLines"]).toBe(2)
      expect(result).toEqual({ lines: 6, quantities: true })
    }
    if (name === "OData.ts#1") {
      expect(result).toContain("(InvoiceDate ge datetime'2026-01-01T00:00:00')")
      expect(result).toContain("(OrderedByName eq 'Café ''t Hoekje')")
    }
  })
})
