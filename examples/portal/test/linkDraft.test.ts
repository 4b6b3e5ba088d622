import { describe, expect, it } from "vitest"
import { configOf, draftOf, emptyDraft } from "../src/app/linkDraft.ts"

const origin = "https://portal.example"

// A stored configuration as `GET /links/{id}` shows it, with fields the form does not show.
const stored = {
  name: "Acme",
  connectwise: {
    site: "api-eu.myconnectwise.net",
    companyId: "acme",
    publicKey: "pub",
    clientId: "cid",
    privateKey: { set: true, updatedAt: "2026-11-01T10:00:00Z" }
  },
  exact: {
    clientId: "ex",
    redirectUri: "https://portal.example/api/v1/oauth/exact/callback",
    division: 123456,
    clientSecret: { set: true, updatedAt: "2026-11-01T10:00:00Z" }
  },
  settings: {
    compare: "unitCost",
    tolerance: { EUR: "0.01", GBP: "0.02" },
    newAgreement: { typeId: 1, name: "Managed Services {customer}", prorate: true },
    newProduct: { subcategoryId: 12, typeId: 4 },
    proposeCancellations: true,
    transfer: { journal: "70", vatCodes: { "NL-H21": "2" }, paymentConditions: { "1": "14" }, pdf: false }
  },
  source: { kind: "sales", unitCost: "line" },
  approval: { createAccounts: "ask" },
  mail: { to: ["finance@acme.example"], when: "problems" },
  schedules: [{ job: "transfer.run", cron: "0 6 1 * *", enabled: true }]
}

describe("the settings form's draft of a link", () => {
  it("saves an untouched form as the configuration it was loaded from", () => {
    // Secrets are sent only when typed; the rest, shown or not, comes back unchanged.
    const { privateKey: _pk, ...cw } = stored.connectwise
    const { clientSecret: _cs, ...ex } = stored.exact
    expect(configOf(draftOf(stored, origin), stored)).toEqual({ ...stored, connectwise: cw, exact: ex })
  })

  it("keeps the booking mode unset (the engine's entry mode) and shows entry mode for it", () => {
    const draft = draftOf(stored, origin)
    expect(draft.mode).toBe("entry")
    expect(emptyDraft(origin).mode).toBe("entry")
    const saved = configOf(draft, stored) as { settings: { transfer: Record<string, unknown> } }
    expect(saved.settings.transfer).not.toHaveProperty("mode")
    const invoice = configOf({ ...draft, mode: "invoice" }, stored) as typeof saved
    expect(invoice.settings.transfer.mode).toBe("invoice")
  })

  it("keeps the product defaults and other currencies' tolerances it does not show as fields", () => {
    const draft = { ...draftOf(stored, origin), tolerance: "", productClass: "Service", productTaxable: false }
    const saved = configOf(draft, stored) as { settings: Record<string, unknown> }
    expect(saved.settings.tolerance).toEqual({ GBP: "0.02" })
    expect(saved.settings.newProduct).toEqual({ subcategoryId: 12, typeId: 4, productClass: "Service", taxable: false })
  })

  it("writes the picked billing cycle, subcategory and product type as ids, and removes a cleared one", () => {
    const draft = { ...draftOf(stored, origin), billingCycleId: "1", productSubcategoryId: "", productTypeId: "3" }
    const saved = configOf(draft, stored) as { settings: Record<string, unknown> }
    expect(saved.settings.newAgreement).toEqual({
      typeId: 1,
      name: "Managed Services {customer}",
      prorate: true,
      billingCycleId: 1
    })
    expect(saved.settings.newProduct).toEqual({ typeId: 3 })
  })
})

describe("a CSV source in the form", () => {
  it("reads and writes its columns, keeps the ones the form does not show, and drops an optional one emptied", () => {
    const csv = {
      ...stored,
      source: {
        kind: "csv",
        delimiter: ";",
        encoding: "windows-1252",
        currency: "EUR",
        columns: {
          customerKey: "klant",
          productKey: "artikel",
          quantity: "aantal",
          unitCost: "prijs",
          month: "datum",
          vatNumber: "btw"
        }
      }
    }
    const draft = draftOf(csv, origin)
    expect([draft.sourceKind, draft.csvMonth, draft.csvEncoding, draft.csvCustomerName]).toEqual([
      "csv",
      "datum",
      "windows-1252",
      ""
    ])
    const written = configOf({ ...draft, csvMonth: "", csvCustomerName: "naam" }, csv).source
    expect(written).toEqual({
      kind: "csv",
      delimiter: ";",
      encoding: "windows-1252",
      currency: "EUR",
      columns: {
        customerKey: "klant",
        productKey: "artikel",
        quantity: "aantal",
        unitCost: "prijs",
        vatNumber: "btw",
        customerName: "naam"
      }
    })
    // A new CSV source in UTF-8 writes no encoding: the link's default serves it.
    const fresh = configOf(
      {
        ...emptyDraft(origin),
        sourceKind: "csv",
        csvCustomer: "a",
        csvProduct: "b",
        csvQuantity: "c",
        csvUnitCost: "d"
      },
      {}
    )
    expect(fresh.source).toEqual({
      kind: "csv",
      delimiter: ";",
      currency: "EUR",
      columns: { customerKey: "a", productKey: "b", quantity: "c", unitCost: "d" }
    })
  })

  it("reads and writes the approval policy, leaving an empty field to the engine's default", () => {
    const draft = draftOf(stored, origin)
    expect([draft.autoAcceptAbove, draft.autoApprove, draft.createAccounts]).toEqual(["", [], "ask"])
    type Saved = { approval?: Record<string, unknown> }
    const tightened = configOf(
      { ...draft, autoAcceptAbove: "0,95", autoApprove: ["updateUnitCost", "updateQuantity"], createAccounts: "never" },
      stored
    ) as Saved
    // The kinds in the engine's order; a decimal comma read as a point.
    expect(tightened.approval).toEqual({
      autoAcceptAbove: 0.95,
      autoApprove: ["updateQuantity", "updateUnitCost"],
      createAccounts: "never"
    })
    const back = draftOf(tightened as Record<string, unknown>, origin)
    expect([back.autoAcceptAbove, back.autoApprove, back.createAccounts]).toEqual([
      "0.95",
      ["updateQuantity", "updateUnitCost"],
      "never"
    ])
    // Emptied: nothing written, so the engine's defaults apply again; an untouched empty list stays
    // as stored, so a save changes nothing nobody changed; a typo goes as typed for the server to name.
    const emptied = { ...back, autoAcceptAbove: "", autoApprove: [], createAccounts: "" as const }
    expect((configOf(emptied, tightened as Record<string, unknown>) as Saved).approval).toEqual({ autoApprove: [] })
    expect((configOf(emptied, stored) as Saved).approval).toBeUndefined()
    expect((configOf({ ...draft, createAccounts: "" }, stored) as Saved).approval).toBeUndefined()
    expect((configOf({ ...draft, autoAcceptAbove: "high" }, stored) as Saved).approval?.autoAcceptAbove).toBe("high")
  })

  it("writes the revenue GL accounts of sales entries, and drops an item whose account was cleared", () => {
    const draft = { ...draftOf(stored, origin), defaultGlAccount: "8000", glAccounts: { "41": "8010", "42": "" } }
    type Saved = { settings: { transfer: Record<string, unknown> } }
    const saved = configOf(draft, stored) as Saved
    expect(saved.settings.transfer).toMatchObject({ defaultGlAccount: "8000", glAccounts: { "41": "8010" } })
    const back = draftOf(saved as unknown as Record<string, unknown>, origin)
    expect([back.defaultGlAccount, back.glAccounts]).toEqual(["8000", { "41": "8010" }])
    const cleared = configOf(
      { ...back, defaultGlAccount: "", glAccounts: {} },
      saved as unknown as Record<string, unknown>
    ) as Saved
    expect(cleared.settings.transfer).not.toHaveProperty("defaultGlAccount")
    expect(cleared.settings.transfer).not.toHaveProperty("glAccounts")
  })
})
