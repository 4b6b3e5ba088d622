import { describe, expect, it } from "vitest"
import { createSandbox, createWorld, type Sandbox, virtualClock } from "../../src/index.ts"

const world = createWorld({ seed: 5, customers: 120, products: 10, months: 3 })
const sandbox = createSandbox({ world, clock: virtualClock() })
const division = world.exact.division.Code

const cwGet = async (box: Sandbox, path: string): Promise<string> => {
  const { companyId, publicKey, privateKey, clientId } = box.credentials.connectwise
  const response = await box.handleConnectWise(
    new Request(`${box.connectwise.baseUrl()}${path}`, {
      headers: {
        authorization: `Basic ${Buffer.from(`${companyId}+${publicKey}:${privateKey}`).toString("base64")}`,
        clientid: clientId
      }
    })
  )
  expect(response.status).toBe(200)
  return response.text()
}

const exactToken = async (box: Sandbox): Promise<string> => {
  const { clientId, clientSecret, redirectUri } = box.credentials.exact
  const response = await box.handleExact(
    new Request("https://start.exactonline.nl/api/oauth2/token", {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: box.authorizationCode(),
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uri: redirectUri
      })
    })
  )
  return ((await response.json()) as { access_token: string }).access_token
}

const exactGet = async (box: Sandbox, token: string, path: string): Promise<string> => {
  const response = await box.handleExact(
    new Request(`https://start.exactonline.nl/api/v1/${division}/${path}`, {
      headers: { authorization: `Bearer ${token}` }
    })
  )
  expect(response.status).toBe(200)
  return response.text()
}

describe("loading a world", () => {
  it("stores every Exact record of the world, with every field the world gives", () => {
    const sets = {
      Accounts: world.exact.accounts,
      Items: world.exact.items,
      VATCodes: world.exact.vatCodes,
      GLAccounts: world.exact.glAccounts,
      Journals: world.exact.journals,
      PaymentConditions: world.exact.paymentConditions,
      Projects: world.exact.projects,
      SalesInvoices: world.exact.salesInvoices,
      SalesInvoiceLines: world.exact.salesInvoices.flatMap((i) => i.SalesInvoiceLines),
      PurchaseInvoices: world.exact.purchaseInvoices,
      PurchaseInvoiceLines: world.exact.purchaseInvoices.flatMap((i) => i.PurchaseInvoiceLines)
    }
    for (const [set, records] of Object.entries(sets)) {
      const stored = sandbox.exact.records(division, set)
      expect(stored.length, set).toBe(records.length)
      expect(records.length, set).toBeGreaterThan(0)
      const first = records[0] as object
      for (const field of Object.keys(first)) {
        if (field === "SalesInvoiceLines" || field === "PurchaseInvoiceLines") continue
        expect(stored[0]![field], `${set}.${field}`).not.toBeUndefined()
      }
    }
  })

  it("stores every ConnectWise record of the world under its own id", () => {
    const collections = {
      companies: world.connectwise.companies,
      catalogItems: world.connectwise.catalogItems,
      agreementTypes: world.connectwise.agreementTypes,
      agreements: world.connectwise.agreements,
      additions: world.connectwise.additions,
      billingTerms: world.connectwise.billingTerms,
      taxCodes: world.connectwise.taxCodes,
      currencies: world.connectwise.currencies,
      invoices: world.connectwise.invoices,
      productItems: world.connectwise.products
    } as const
    for (const [collection, records] of Object.entries(collections)) {
      const stored = sandbox.connectwise.store.all(collection as keyof typeof collections)
      expect(
        stored.map((r) => r.id),
        collection
      ).toEqual(records.map((r) => r.id))
    }
  })

  it("writes ConnectWise decimals as JSON numbers with the world's digits", async () => {
    const text = await cwGet(sandbox, "/procurement/catalog?pageSize=1000")
    for (const item of world.connectwise.catalogItems) {
      expect(text).toContain(`"id":${item.id},`)
      expect(text).toContain(`"cost":${item.cost},`)
    }
    const addition = world.connectwise.additions[7]!
    const additions = await cwGet(sandbox, `/finance/agreements/${addition.agreementId}/additions?pageSize=1000`)
    const parsed = (JSON.parse(additions) as Array<{ id: number }>).find((a) => a.id === addition.id)
    expect(parsed).toBeDefined()
    expect(additions).toContain(`"quantity":${addition.quantity},`)
    expect(additions).toContain(`"unitCost":${addition.unitCost},`)
    const memo = world.connectwise.invoices.find((i) => i.type === "CreditMemo")!
    const invoice = await cwGet(sandbox, `/finance/invoices/${memo.id}`)
    expect(invoice).toContain(`"total":${memo.total},`)
    expect(memo.total.startsWith("-")).toBe(true)
  })

  it("writes Exact decimals with their digits, dates as /Date(ms)/, and a malformed quantity as the text it is", async () => {
    const token = await exactToken(sandbox)
    const invoice = world.exact.salesInvoices.find((i) => i.SalesInvoiceLines.some((l) => l.Quantity.includes(" ")))
    expect(invoice, "the world has a malformed quantity").toBeDefined()
    const text = await exactGet(
      sandbox,
      token,
      `salesinvoice/SalesInvoices(guid'${invoice!.InvoiceID}')?$expand=SalesInvoiceLines`
    )
    expect(text).toContain(`"InvoiceDate":"${invoice!.InvoiceDate}"`)
    expect(text).toContain(`"AmountFC":${invoice!.AmountFC},`)
    for (const line of invoice!.SalesInvoiceLines) {
      expect(text).toContain(`"ID":"${line.ID}"`)
      expect(text).toContain(`"CostPriceFC":${line.CostPriceFC},`)
      if (line.Quantity.includes(" ")) expect(text).toContain(`"Quantity":"${line.Quantity}"`)
      else expect(text).toContain(`"Quantity":${line.Quantity},`)
    }
  })

  it("keeps account codes padded, so a filter with the leading spaces finds the account", async () => {
    const token = await exactToken(sandbox)
    const account = world.exact.accounts[2]!
    const filter = encodeURIComponent(`Code eq '${account.Code}'`)
    const body = JSON.parse(await exactGet(sandbox, token, `crm/Accounts?$filter=${filter}&$select=ID,Code`)) as {
      d: { results: Array<{ ID: string; Code: string }> }
    }
    expect(body.d.results).toEqual([expect.objectContaining({ ID: account.ID, Code: account.Code })])
  })

  it("builds the same state from the same world", () => {
    const again = createSandbox({ world, clock: virtualClock() })
    expect(again.connectwise.store.all("additions")).toEqual(sandbox.connectwise.store.all("additions"))
    expect(again.exact.records(division, "SalesInvoiceLines")).toEqual(
      sandbox.exact.records(division, "SalesInvoiceLines")
    )
  })
})
