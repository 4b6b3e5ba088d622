import { rawNumber } from "@psa-ledger/sandbox"
import type { simulations } from "./helpers.ts"
import { DIVISION } from "./helpers.ts"

type Sims = Awaited<ReturnType<typeof simulations>>

export const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`
export const ACME = guid(1)
export const GLOBEX = guid(2)
export const INITECH = guid(3)
export const BP = guid(11)
export const BACKUP = guid(12)
export const OLD = guid(13)

/**
 * A small hand-made month (2026-01, plus one invoice in 2025-12): Acme invoiced 10 BP (ConnectWise
 * has 8) and 3 BACKUP (no addition); Globex 4 BP at 22 (ConnectWise price 20) and a line whose
 * quantity reads "12 st"; Initech has no company with its code, only a similar name. Acme's
 * agreement also carries an OLD addition the invoice no longer has (invoiced in December, so within
 * the cancellation window).
 */
export const seedMonth = async ({ exact, exactSim, cwSim }: Sims) => {
  // The simulation keeps dates as its own (unexported) value type; an account created through the API carries one.
  const created = await exact.createAccount({ Name: "Probe", Code: "999" })
  const probe = exactSim.records(DIVISION, "Accounts").find((a) => a.ID === created.ID)
  const WhenType = (probe?.Created ?? new Date()).constructor as new (ms: number) => object
  const date = (y: number, m: number) => new WhenType(Date.UTC(y, m - 1, 1)) as never
  const account = (ID: string, code: string, Name: string, VATNumber: string) =>
    exactSim.insert(DIVISION, "Accounts", { ID, Code: code.padStart(18, " "), Name, VATNumber, IsSales: true })
  account(ACME, "C100", "Acme B.V.", "NL001")
  account(GLOBEX, "C200", "Globex", "NL002")
  account(INITECH, "C300", "Initech", "NL003")
  exactSim.insert(DIVISION, "Items", { ID: BP, Code: "BP", Description: "M365 Business Premium" })
  exactSim.insert(DIVISION, "Items", { ID: BACKUP, Code: "BACKUP", Description: "Backup 100 GB" })
  exactSim.insert(DIVISION, "Items", { ID: OLD, Code: "OLD", Description: "Discontinued service" })
  let line = 100
  const invoice = (
    n: number,
    orderedBy: string,
    name: string,
    month: [number, number],
    lines: Array<[string, string, unknown, string]>
  ) => {
    const id = guid(n)
    exactSim.insert(DIVISION, "SalesInvoices", {
      InvoiceID: id,
      InvoiceNumber: 26000000 + n,
      InvoiceDate: date(...month),
      OrderedBy: orderedBy,
      OrderedByName: name,
      Currency: "EUR",
      Journal: "70",
      Type: 8020,
      Status: 50
    })
    for (const [item, code, quantity, price] of lines) {
      exactSim.insert(DIVISION, "SalesInvoiceLines", {
        ID: guid(++line),
        InvoiceID: id,
        LineNumber: line,
        Item: item,
        ItemCode: code,
        ItemDescription: code,
        Description: `${code} januari`,
        Quantity: quantity as never,
        NetPrice: price
      })
    }
  }
  invoice(
    51,
    ACME,
    "Acme B.V.",
    [2026, 1],
    [
      [BP, "BP", 10, "22.00"],
      [BACKUP, "BACKUP", 3, "5.00"]
    ]
  )
  invoice(
    52,
    GLOBEX,
    "Globex",
    [2026, 1],
    [
      [BP, "BP", 4, "22.00"],
      [BACKUP, "BACKUP", "12 st", "5.00"]
    ]
  )
  invoice(53, INITECH, "Initech", [2026, 1], [[BP, "BP", 2, "22.00"]])
  invoice(
    54,
    ACME,
    "Acme B.V.",
    [2025, 12],
    [
      [BP, "BP", 8, "22.00"],
      [OLD, "OLD", 1, "9.00"]
    ]
  )

  const store = cwSim.store
  const type = store.insert("agreementTypes", { name: "Managed Services" })
  const company = (identifier: string, name: string) =>
    store.insert("companies", { identifier, name, deletedFlag: false, taxIdentifier: null })
  const acme = company("C100", "Acme B.V.")
  const globex = company("C200", "Globex")
  const initech = company("INITECH-01", "Initech")
  const item = (identifier: string, description: string) =>
    store.insert("catalogItems", {
      identifier,
      description,
      customerDescription: description,
      subcategory: { id: 1 },
      type: { id: 1 },
      cost: rawNumber("4.00"),
      price: rawNumber("22.00"),
      inactiveFlag: false
    })
  const bp = item("BP", "M365 Business Premium")
  const backup = item("BACKUP", "Backup 100 GB")
  const old = item("OLD", "Discontinued service")
  const agreement = (c: Record<string, unknown>) =>
    store.insert("agreements", {
      name: `Managed Services ${c.name}`,
      type: { id: type.id, name: "Managed Services" },
      company: { id: c.id, identifier: c.identifier, name: c.name },
      contact: { id: 1 },
      startDate: "2025-01-01T00:00:00Z",
      noEndingDateFlag: true,
      agreementStatus: "Active",
      currency: { currencyCode: "EUR" }
    })
  const acmeAgreement = agreement(acme)
  const globexAgreement = agreement(globex)
  agreement(initech)
  const addition = (agreementId: unknown, product: Record<string, unknown>, quantity: number, price: string) =>
    store.insert("additions", {
      agreementId,
      product: { id: product.id, identifier: product.identifier },
      quantity,
      unitCost: rawNumber("4.00"),
      unitPrice: rawNumber(price),
      billCustomer: "Billable",
      effectiveDate: "2025-01-01T00:00:00Z",
      agreementStatus: "Active"
    })
  addition(acmeAgreement.id, bp, 8, "22.00")
  addition(acmeAgreement.id, old, 5, "9.00")
  addition(globexAgreement.id, bp, 4, "20.00")
  addition(globexAgreement.id, backup, 12, "5.00")
  exactSim.resetCounters()
  cwSim.requests.reset()
  return { acme, globex, initech, bp, backup, old, acmeAgreement, globexAgreement, typeId: type.id as number }
}
