import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { createExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
import { LinkSettings, TransferSettings } from "@psa-ledger/reconcile-core"
import {
  ConnectWiseSimulation,
  connectWiseHandlers,
  createExactSimulation,
  type ExactSimulation,
  exactHandlers,
  rawNumber,
  seedExactDivision,
  virtualClock
} from "@psa-ledger/sandbox"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { setupServer } from "msw/node"
import { afterAll, beforeAll } from "vitest"
import type { TransferDeps } from "../../src/transfer/TransferTypes.ts"

export const secrets = {
  companyId: "acme",
  publicKey: "PUBKEY-flowb-7f3a9c",
  privateKey: "PRIVKEY-flowb-91bd55e2",
  clientId: "CLIENTID-flowb-5e2d"
}
export const app = {
  clientId: "psa-ledger-flowb",
  clientSecret: "TOP-SECRET-flowb-4f1c",
  redirectUri: "https://psa-ledger.example/exact/callback"
}
export const DIVISION = 1001

let current: { cw: ConnectWiseSimulation; exact: ExactSimulation } | undefined
const cwDelegate = new ConnectWiseSimulation({ ...secrets, clientIds: [secrets.clientId] })
const exactDelegate = {
  handle: (request: Request) => {
    if (!current) throw new Error("no world in this test")
    return current.exact.handle(request)
  }
} as ExactSimulation

/** msw for both APIs (unhandled requests fail), routed to the current test's world. */
export const useMsw = () => {
  const server = setupServer(
    ...connectWiseHandlers(
      { ...cwDelegate, handle: (r: Request) => current!.cw.handle(r) } as ConnectWiseSimulation,
      cwDelegate.origin
    ),
    ...exactHandlers(exactDelegate)
  )
  beforeAll(() => server.listen({ onUnhandledFrame: "error" }))
  afterAll(() => server.close())
}

const money = (text: string) => rawNumber(text)

/**
 * A small MSP: three Exact customers (codes 1000–1002), items, VAT codes and payment
 * conditions; in ConnectWise four companies (one, 1005, without an Exact account), billing terms,
 * tax codes (`HIGH` deliberately unmapped) and January invoices: an agreement invoice, a
 * standard invoice for the new customer with decimal quantity and price, a credit memo, an
 * invoice with the unmapped tax code, and a February invoice outside the range.
 */
export const createWorld = async () => {
  const clock = virtualClock(Date.UTC(2026, 1, 2, 8))
  const exactSim = createExactSimulation({ clock, apps: [app], minutelyLimit: 10_000 })
  const seeded = seedExactDivision(exactSim, { division: DIVISION, accounts: 3, items: 4 })
  const cwSim = new ConnectWiseSimulation({ ...secrets, clientIds: [secrets.clientId] })
  current = { cw: cwSim, exact: exactSim }
  const store = cwSim.store
  const net30 = store.insert("billingTerms", { name: "Net 30", dueDays: 30, defaultFlag: true })
  const vat21 = store.insert("taxCodes", {
    identifier: "VAT21",
    description: "VAT 21%",
    invoiceCaption: "BTW 21%",
    effectiveDate: "2019-01-01T00:00:00Z"
  })
  const vat9 = store.insert("taxCodes", {
    identifier: "VAT9",
    description: "VAT 9%",
    invoiceCaption: "BTW 9%",
    effectiveDate: "2019-01-01T00:00:00Z"
  })
  const high = store.insert("taxCodes", {
    identifier: "HIGH",
    description: "Unmapped",
    invoiceCaption: "?",
    effectiveDate: "2019-01-01T00:00:00Z"
  })
  const eur = { id: 1, currencyCode: "EUR", symbol: "€", name: "Euro" }
  const company = (identifier: string, name: string) =>
    store.insert("companies", {
      identifier,
      name,
      deletedFlag: false,
      currency: eur,
      taxIdentifier: `NL${identifier}B01`
    })
  const companies = [
    company("1000", seeded.accounts[0]!.Name),
    company("1001", seeded.accounts[1]!.Name),
    company("1002", seeded.accounts[2]!.Name),
    company("1005", "Nieuw Klant B.V.")
  ]
  const catalog = seeded.items.map((item) =>
    store.insert("catalogItems", {
      identifier: item.Code,
      description: item.Description,
      customerDescription: item.Description,
      subcategory: { id: 1, name: "Recurring" },
      type: { id: 1, name: "Service" },
      cost: money("1.00"),
      price: money("2.00"),
      inactiveFlag: false
    })
  )
  const ref = (record: Record<string, unknown>) => ({
    id: record.id as number,
    identifier: record.identifier as string
  })
  const invoice = (
    number: string,
    type: string,
    c: Record<string, unknown>,
    date: string,
    tax: Record<string, unknown>,
    lines: ReadonlyArray<{ item: number; quantity: string; price: string; description: string }>,
    subtotal: string
  ) => {
    const record = store.insert("invoices", {
      invoiceNumber: number,
      type,
      company: ref(c),
      billToCompany: ref(c),
      date: `${date}T00:00:00Z`,
      billingTerms: { id: net30.id, name: "Net 30" },
      taxCode: { id: tax.id, name: tax.identifier },
      currency: eur,
      status: { id: 1, name: "New" },
      subtotal: money(subtotal),
      total: money(subtotal),
      balance: money(subtotal)
    })
    for (const line of lines) {
      const item = catalog[line.item]!
      store.insert("productItems", {
        catalogItem: ref(item),
        description: line.description,
        quantity: money(line.quantity),
        price: money(line.price),
        billableOption: "Billable",
        company: ref(c),
        invoice: { id: record.id, identifier: number, billingType: type, applyToType: "All" }
      })
    }
    return record
  }
  const invoices = {
    agreement: invoice(
      "INV-1001",
      "Agreement",
      companies[0]!,
      "2026-01-01",
      vat21,
      [
        { item: 0, quantity: "12", price: "10.50", description: "Seats January" },
        { item: 1, quantity: "3", price: "4.125", description: "Backup 100 GB" }
      ],
      "138.375"
    ),
    standard: invoice(
      "INV-1002",
      "Standard",
      companies[3]!,
      "2026-01-12",
      vat9,
      [{ item: 2, quantity: "2.5", price: "12.345", description: "Technician hours" }],
      "30.8625"
    ),
    credit: invoice(
      "INV-1003",
      "CreditMemo",
      companies[1]!,
      "2026-01-20",
      vat21,
      [{ item: 0, quantity: "-1", price: "10.50", description: "Credit: one seat" }],
      "-10.50"
    ),
    unmapped: invoice(
      "INV-1004",
      "Standard",
      companies[2]!,
      "2026-01-25",
      high,
      [{ item: 3, quantity: "1", price: "99", description: "Something taxed HIGH" }],
      "99"
    ),
    february: invoice(
      "INV-1005",
      "Standard",
      companies[0]!,
      "2026-02-03",
      vat21,
      [{ item: 0, quantity: "1", price: "1", description: "February" }],
      "1"
    )
  }

  const cw = createConnectWiseClient({
    site: "api-eu.myconnectwise.net",
    ...secrets,
    sleep: async () => undefined,
    random: () => 0.5
  })
  const exact = createExactClient({ ...app, tokens: memoryTokenStore(), clock, division: DIVISION })
  await exact.auth.exchangeCode(exactSim.authorize())
  exactSim.resetCounters()
  const storage = memoryStorage()
  const settings = new LinkSettings({
    transfer: new TransferSettings({
      mode: "invoice",
      journal: "70",
      // This world's tests create the new company's account unasked; the default asks first.
      createAccounts: "auto",
      vatCodes: { VAT21: "1  ", VAT9: "2  " },
      paymentConditions: { [String(net30.id)]: "30" }
    })
  })
  let tick = Date.UTC(2026, 1, 2, 9)
  const deps: TransferDeps = {
    linkId: "link-flowb",
    exact,
    connectwise: cw,
    ledger: storage.transfers,
    journal: storage.journal,
    mappings: storage.mappings,
    settings,
    now: () => {
      tick += 1000
      return new Date(tick)
    }
  }
  return { exactSim, cwSim, seeded, companies, catalog, invoices, deps, storage, cw, exact, clock }
}

export type World = Awaited<ReturnType<typeof createWorld>>
