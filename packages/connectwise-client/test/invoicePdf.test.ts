import { ConnectWiseSimulation, connectWiseHandlers } from "@psa-ledger/sandbox"
import { setupServer } from "msw/node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ConnectWiseError, createConnectWiseClient } from "../src/index.ts"

const secrets = { companyId: "acme", publicKey: "PUB-1", privateKey: "PRIV-1", clientId: "CLIENT-1" }
const sim = new ConnectWiseSimulation({ ...secrets, clientIds: [secrets.clientId] })
const server = setupServer(...connectWiseHandlers(sim))
const client = createConnectWiseClient({ site: "api-eu.myconnectwise.net", ...secrets, sleep: async () => {} })

beforeAll(() => server.listen({ onUnhandledFrame: "error" }))
afterAll(() => server.close())

describe("invoicePdf", () => {
  it("reads the invoice's PDF as bytes, unchanged", async () => {
    const invoice = sim.store.insert("invoices", { invoiceNumber: "24018", total: "1041.93", type: "Standard" })
    const pdf = await client.invoicePdf(invoice.id as number)
    const text = new TextDecoder().decode(pdf)
    expect(text.startsWith("%PDF-1.4")).toBe(true)
    expect(text).toContain("Invoice 24018 total 1041.93")
    expect(text.trimEnd().endsWith("%%EOF")).toBe(true)
    expect(sim.requests.count("GET", "/finance/invoices/{id}/pdf")).toBe(1)
  })

  it("rejects with a typed NotFound for an invoice ConnectWise does not have", async () => {
    const error = await client.invoicePdf(999_999).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectWiseError)
    expect((error as ConnectWiseError).reason._tag).toBe("NotFoundError")
  })
})
