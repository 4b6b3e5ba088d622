import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { ConnectWiseSimulation, connectWiseHandlers, seedConnectWise } from "@psa-ledger/sandbox"
import { setupServer } from "msw/node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

// Runs every `@example` of the sources against the simulation behind msw (which serves the
// examples' real host name). A prelude gives them the names they assume: the package's exports,
// the keys, and a `client` unless the example makes its own.
const srcDir = new URL("../src/", import.meta.url)
const examples = readdirSync(srcDir)
  .filter((name) => name.endsWith(".ts"))
  .flatMap((name) =>
    [...readFileSync(new URL(name, srcDir), "utf8").matchAll(/@example\n \* ```ts\n([\s\S]*?) \* ```/g)].map(
      (m, i) => [`${name}#${i + 1}`, m[1]!.replace(/^ \* ?/gm, "")] as const
    )
  )
const secrets = { companyId: "acme", publicKey: "doc-public", privateKey: "doc-private", clientId: "doc-client" }
const prelude = (example: string) => `
import { BigDecimal } from "effect"
import { ConnectWiseError, conditions, createConnectWiseClient, patch } from "../src/index.ts"
const { publicKey, privateKey, clientId } = ${JSON.stringify(secrets)}
${example.includes("const client =") ? "" : `const client = createConnectWiseClient({ site: "api-eu.myconnectwise.net", companyId: "acme", publicKey, privateKey, clientId })`}
void [BigDecimal, ConnectWiseError, conditions, createConnectWiseClient, patch]
`
const sim = new ConnectWiseSimulation({ ...secrets, clientIds: [secrets.clientId] })
const server = setupServer(...connectWiseHandlers(sim))
beforeAll(() => {
  server.listen({ onUnhandledFrame: "error" })
  seedConnectWise(sim.store, { companies: 12, additionsPerAgreement: 1 })
  // The patch example edits addition 345 of agreement 12.
  sim.store.put("additions", { ...sim.store.all("additions")[0]!, id: 345, agreementId: 12 })
})
afterAll(() => server.close())

describe("JSDoc examples", () => {
  it("are found", () => {
    expect(examples.map(([name]) => name).sort()).toEqual([
      "Client.ts#1",
      "ConnectWiseError.ts#1",
      "conditions.ts#1",
      "patch.ts#1"
    ])
  })

  it.each(examples)("%s runs", async (name, example) => {
    const file = new URL(`./.jsdoc-${name.replace(/\W/g, "-")}.tmp.ts`, import.meta.url)
    writeFileSync(file, prelude(example) + example)
    try {
      await import(file.href)
    } finally {
      rmSync(file, { force: true })
    }
    if (name === "patch.ts#1") expect(sim.store.get("additions", 345)!.quantity).toBe(14)
  })
})
