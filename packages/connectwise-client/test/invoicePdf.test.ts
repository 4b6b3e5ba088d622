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

  it("reads a PDF cut short again, and rejects with a DecodeError when it stays cut", async () => {
    const invoice = sim.store.insert("invoices", { invoiceNumber: "24019", total: "10.00", type: "Standard" })
    let cuts = 0
    const cutting = (times: number) => async (request: Request) => {
      const response = await globalThis.fetch(request)
      if (!new URL(request.url).pathname.endsWith("/pdf") || cuts >= times) return response
      cuts++
      const bytes = new Uint8Array(await response.arrayBuffer())
      return new Response(bytes.subarray(0, bytes.length >> 1), { status: 200, headers: response.headers })
    }
    const options = { site: "api-eu.myconnectwise.net", ...secrets, sleep: async () => {}, maxRetries: 2 }
    const patient = createConnectWiseClient({ ...options, fetch: cutting(1) })
    const whole = new TextDecoder().decode(await patient.invoicePdf(invoice.id as number))
    expect(cuts).toBe(1)
    expect(whole.trimEnd().endsWith("%%EOF")).toBe(true)
    cuts = 0
    const broken = createConnectWiseClient({ ...options, fetch: cutting(100) })
    const error = await broken.invoicePdf(invoice.id as number).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectWiseError)
    expect((error as ConnectWiseError).reason._tag).toBe("DecodeError")
    expect(cuts).toBe(3)
  })

  it("rejects with a typed NotFound for an invoice ConnectWise does not have", async () => {
    const error = await client.invoicePdf(999_999).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectWiseError)
    expect((error as ConnectWiseError).reason._tag).toBe("NotFoundError")
  })
})
