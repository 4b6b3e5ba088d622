import {
  Decisions,
  diff,
  LinkSettings,
  linkedId,
  makeMemoryMappingStore,
  makeMemoryPlanJournal,
  plan,
  RowDecision,
  resolve,
  rowKeyOf
} from "@psa-ledger/reconcile-core"
import { DateTime } from "effect"
import { describe, expect, it } from "vitest"
import { runLink } from "../../src/internal/bridge.ts"
import { LinkError } from "../../src/LinkError.ts"
import { applyPlan } from "../../src/reconciliation/Apply.ts"
import { createMissing } from "../../src/reconciliation/Create.ts"
import { exactSalesSource } from "../../src/reconciliation/ExactSales.ts"
import { SalesSourceSettings } from "../../src/reconciliation/index.ts"
import { loadMonth } from "../../src/reconciliation/LoadMonth.ts"
import { ACME, BP, GLOBEX, seedMonth } from "./fixture.ts"
import { cwWrites, simulations, useSimulations } from "./helpers.ts"

useSimulations()

const sales = new SalesSourceSettings({ kind: "sales", unitCost: "netPrice" })

const setup = async (settings: LinkSettings) => {
  const sims = await simulations()
  const seeded = await seedMonth(sims)
  const mappings = makeMemoryMappingStore()
  const journal = makeMemoryPlanJournal()
  const source = exactSalesSource(sims.exact, sales, { now: () => Date.UTC(2026, 1, 2) })
  const deps = { linkId: "link-1", source, connectwise: sims.connectwise, mappings, journal, settings }
  return { ...sims, seeded, deps }
}

type Store = Awaited<ReturnType<typeof setup>>["cwSim"]["store"]
const updateCompany = (store: Store, id: number, fields: Record<string, unknown>) =>
  store.put("companies", { ...store.get("companies", id)!, ...fields, id })

const decisionsOf = (rows: Record<string, RowDecision>) =>
  new Decisions({
    linkId: "link-1",
    decidedBy: "finance@msp.example",
    decidedAt: DateTime.makeUnsafe("2026-02-02T10:00:00Z"),
    rows
  })

describe("defect 7: a new agreement gets a contact, the currency and ConnectWise's reasons", () => {
  const settings = new LinkSettings({ newAgreement: { typeId: 1, name: "{customer} cloud" } })
  const rowFor = async (deps: Awaited<ReturnType<typeof setup>>["deps"]) => {
    const { rows } = await runLink("loadMonth", loadMonth(deps, "2026-01"))
    return rows.find((row) => row.key === rowKeyOf(ACME, BP))!
  }

  it("uses the company's default contact, then its billing contact, and posts the row's currency", async () => {
    const { deps, cwSim, seeded } = await setup(settings)
    const row = await rowFor(deps)
    const companyId = linkedId(row.customerResolution)!
    expect(companyId).toBe(seeded.acme.id)
    updateCompany(cwSim.store, companyId, { defaultContact: null, billingContact: { id: 77 } })
    const agreement = await runLink(
      "create",
      createMissing({ connectwise: deps.connectwise, settings }).agreement(row, {
        name: "Acme cloud 2"
      })
    )
    const stored = cwSim.store.all("agreements").find((a) => a.id === agreement.id)!
    expect(stored.contact).toMatchObject({ id: 77 })
    expect(stored.currency).toMatchObject({ currencyCode: "EUR" })
    updateCompany(cwSim.store, companyId, { defaultContact: { id: 41 }, billingContact: { id: 77 } })
    const second = await runLink(
      "create",
      createMissing({ connectwise: deps.connectwise, settings }).agreement(row, {
        name: "Acme cloud 3",
        currency: "GBP"
      })
    )
    const again = cwSim.store.all("agreements").find((a) => a.id === second.id)!
    expect(again.contact).toMatchObject({ id: 41 })
    expect(again.currency).toMatchObject({ currencyCode: "GBP" })
  })

  it("without any contact fails with InvalidInput naming contactId before anything is sent", async () => {
    const { deps, cwSim } = await setup(settings)
    const row = await rowFor(deps)
    updateCompany(cwSim.store, linkedId(row.customerResolution)!, { defaultContact: null, billingContact: null })
    cwSim.requests.reset()
    const failure = await runLink(
      "create",
      createMissing({ connectwise: deps.connectwise, settings }).agreement(row, { name: "Acme cloud 4" })
    ).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(LinkError)
    expect((failure as LinkError).reason).toMatchObject({ _tag: "InvalidInput", field: "contactId" })
    expect(cwWrites(cwSim)).toEqual([])
  })

  it("keeps ConnectWise's field-level errors in the error, the operation's report and its message", async () => {
    const { deps } = await setup(settings)
    const row = await rowFor(deps)
    const failure = await runLink(
      "create",
      createMissing({ connectwise: deps.connectwise, settings }).product(row, {
        identifier: "NEW-THING",
        subcategoryId: undefined as never
      })
    ).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(LinkError)
    const reason = (failure as LinkError).reason
    expect(reason._tag).toBe("ConnectWise")
    expect(reason._tag === "ConnectWise" && reason.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: "subcategory" })])
    )
    expect(reason.message).toContain("subcategory")
  })
})

describe("defect 8: effective dates reach ConnectWise", () => {
  it("cancel-and-add: the old addition ends the day before, a new one starts on the date; a reload is clean", async () => {
    const settings = new LinkSettings({ compare: "unitPrice", datedChanges: "cancel-and-add" })
    const { deps, cwSim } = await setup(settings)
    const first = await runLink("loadMonth", loadMonth(deps, "2026-01"))
    const key = rowKeyOf(ACME, BP)
    expect(first.rows.find((row) => row.key === key)?.deviations.map((d) => d._tag)).toEqual(["QuantityDiffers"])
    const changes = plan(first.rows, decisionsOf({ [key]: new RowDecision({ approve: ["updateQuantity"] }) }), settings)
    expect(changes.operations.filter((op) => op._tag !== "RememberMapping").map((op) => op._tag)).toEqual([
      "AddAddition",
      "CancelAddition"
    ])
    const report = await runLink("applyPlan", applyPlan(deps, changes, { runId: "run-1" }))
    expect(report.counts.failed).toBe(0)
    const acmeBp = cwSim.store
      .all("additions")
      .filter(
        (a) =>
          (a.product as { identifier: string }).identifier === "BP" &&
          a.agreementId === linkedId(first.rows.find((row) => row.key === key)!.agreementResolution)
      )
    expect(acmeBp.map((a) => [a.quantity, a.effectiveDate, a.cancelledDate ?? null])).toEqual(
      expect.arrayContaining([
        [8, expect.any(String), "2025-12-31T00:00:00Z"],
        [10, "2026-01-01T00:00:00Z", null]
      ])
    )
    const after = await runLink("loadMonth", loadMonth(deps, "2026-01"))
    expect(after.rows.find((row) => row.key === key)?.deviations).toEqual([])
  })

  it("in place (default): the update says it takes effect immediately", async () => {
    const settings = new LinkSettings({ compare: "unitPrice" })
    const { deps } = await setup(settings)
    const first = await runLink("loadMonth", loadMonth(deps, "2026-01"))
    const rows = diff(resolve(first.lines, first.snapshot, [], settings), first.snapshot, settings, first.diffOptions)
    const changes = plan(rows, decisionsOf({ [rowKeyOf(ACME, BP)]: new RowDecision({ approve: "all" }) }), settings)
    const update = changes.operations.find((op) => op._tag === "UpdateAdditionQuantity")
    expect(update?._tag === "UpdateAdditionQuantity" && update.takesEffect).toBe("immediately")
  })
})

describe("defect 6: one malformed ConnectWise addition does not fail the month", () => {
  it("its agreement's rows say which record and field could not be read; the rest of the month compares", async () => {
    const settings = new LinkSettings({ compare: "unitPrice" })
    const { deps, cwSim, seeded } = await setup(settings)
    const bad = cwSim.store.insert("additions", {
      agreementId: seeded.globexAgreement.id,
      product: { id: seeded.old.id, identifier: "OLD" },
      quantity: "lots",
      billCustomer: "Billable",
      agreementStatus: "Active"
    })
    const { rows, snapshot } = await runLink("loadMonth", loadMonth(deps, "2026-01"))
    expect(snapshot.unreadable?.[0]).toMatchObject({
      agreementId: seeded.globexAgreement.id,
      recordId: bad.id,
      field: "quantity"
    })
    const globex = rows.find((row) => row.key === rowKeyOf(GLOBEX, BP))!
    const unreadable = globex.deviations.find((d) => d._tag === "Unreadable")
    expect(unreadable?._tag === "Unreadable" && unreadable.reason).toContain(`record ${bad.id}`)
    expect(unreadable?._tag === "Unreadable" && unreadable.reason).toContain("quantity")
    expect(globex.deviations.map((d) => d._tag)).toEqual(["Unreadable"])
    expect(rows.find((row) => row.key === rowKeyOf(ACME, BP))?.deviations.map((d) => d._tag)).toEqual([
      "QuantityDiffers"
    ])
  })
})
