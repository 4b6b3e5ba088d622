import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { ConnectWiseSimulation, connectWiseHandlers, seedConnectWise } from "@psa-ledger/sandbox"
import { setupServer } from "msw/node"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"

// Runs the README's examples as written, in order as one module, against the simulation behind
// msw (so the example's real host name is served), then checks what their comments claim.
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
const secrets = {
  companyId: "acme",
  publicKey: "readme-public",
  privateKey: "readme-private",
  clientId: "readme-client"
}
const sim = new ConnectWiseSimulation({ ...secrets, clientIds: [secrets.clientId] })
const server = setupServer(...connectWiseHandlers(sim))

beforeAll(() => server.listen({ onUnhandledFrame: "error" }))
afterAll(() => server.close())

describe("README examples", () => {
  it("list, patch, count with a signal and match a NotFoundError, as their comments describe", async () => {
    expect(examples.length).toBe(2)
    seedConnectWise(sim.store, { companies: 42, additionsPerAgreement: 1 })
    const customer = sim.store.all("companies").find((c) => c.identifier === "CUST00042")!
    const agreement = sim.store.all("agreements").find((a) => (a.company as { id: number }).id === customer.id)!
    const product = sim.store.all("catalogItems").find((p) => p.identifier === "M365-BP")!
    // The seeded line of that agreement, made the M365 licence the example looks for.
    const seeded = sim.store.all("additions").find((a) => a.agreementId === agreement.id)!
    const addition = { ...seeded, id: seeded.id as number, product: { id: product.id, identifier: "M365-BP" } }
    sim.store.put("additions", addition)
    vi.stubEnv("CW_PUBLIC_KEY", secrets.publicKey)
    vi.stubEnv("CW_PRIVATE_KEY", secrets.privateKey)
    vi.stubEnv("CW_CLIENT_ID", secrets.clientId)
    const logged: Array<string> = []
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => void logged.push(line))
    const file = new URL("./.readme-example.tmp.ts", import.meta.url)
    writeFileSync(file, examples.join("\n"))
    try {
      await import(file.href)
    } finally {
      rmSync(file, { force: true })
      log.mockRestore()
      vi.unstubAllEnvs()
    }
    expect(sim.store.get("additions", addition.id)!.quantity).toBe(14)
    expect(logged).toEqual(["42 active agreements", "No company 999999 (HTTP 404)"])
  })
})
