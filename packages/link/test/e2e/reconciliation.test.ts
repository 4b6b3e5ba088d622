import { LinkSettings, linkedId, type ReconciliationRow, rowKeyOf } from "@psa-ledger/reconcile-core"
import { createWorld, type World } from "@psa-ledger/sandbox"
import { BigDecimal, Effect, Option, Schema } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { createLink, type LinkApi, type LoadedMonth, StoredApplyReport, toStoredApplyReport } from "../../src/index.ts"
import { memoryStores, type OpenSandbox, openSandbox, settingsFor, smallWorld, source } from "./sandbox.ts"

type Truth = World["truth"]["months"][number]["deviations"][number]

const dec = (value: BigDecimal.BigDecimal | undefined) =>
  value === undefined ? undefined : BigDecimal.format(BigDecimal.normalize(value))
const norm = (text: string) => BigDecimal.format(BigDecimal.normalize(BigDecimal.fromStringUnsafe(text)))

/** What a grid must show for one truth deviation; returns the row deviations it explains. */
const explain = (grid: LoadedMonth, d: Truth): Array<string> => {
  const rowsOf = (accountId: string) => grid.rows.filter((row) => row.customer.key === accountId)
  const pair = (accountId: string, itemId: string) => {
    const row = grid.rows.find((r) => r.key === rowKeyOf(accountId, itemId))
    expect(row, `${d.kind} ${accountId}|${itemId}`).toBeDefined()
    return row as ReconciliationRow
  }
  switch (d.kind) {
    case "customerWithoutCompany":
      // Not compared until a person links it: each row says so and what it will compare.
      for (const row of rowsOf(d.accountId)) expect(linkedId(row.customerResolution)).toBeUndefined()
      return rowsOf(d.accountId).map((row) => `${row.key} NeedsCustomer`)
    case "agreementMissing":
      for (const row of rowsOf(d.accountId)) {
        expect(linkedId(row.customerResolution)).toBe(d.companyId)
        expect(row.agreementResolution._tag).toBe("Missing")
      }
      return []
    case "productMissing":
      return []
    case "currencyMismatch":
      for (const row of rowsOf(d.accountId)) {
        const mismatch = row.deviations.find((x) => x._tag === "CurrencyMismatch")
        expect(mismatch).toMatchObject({ invoiced: [d.invoiceCurrency], agreementId: d.agreementId })
      }
      return rowsOf(d.accountId).map((row) => `${row.key} CurrencyMismatch`)
    case "malformedLine": {
      const row = grid.rows.find((r) => r.lines.some((line) => line.id === d.lineId))
      const invalid = row?.deviations.find((x) => x._tag === "InvalidLine" && x.lineId === d.lineId)
      expect(invalid, `malformed ${d.lineId}`).toBeDefined()
      if (d.value !== null) expect(invalid).toMatchObject({ value: d.value })
      // The row is blocked: it proposes nothing from its readable lines.
      return [`${row?.key} InvalidLine`, `${row?.key} Unreadable`]
    }
    case "additionMissing": {
      const row = pair(d.accountId, d.itemId)
      if (d.because === "customerWithoutCompany") {
        expect(linkedId(row.customerResolution)).toBeUndefined()
        return []
      }
      const missing = row.deviations.find((x) => x._tag === "AdditionMissing")
      expect(missing, `additionMissing ${row.key}`).toBeDefined()
      expect(dec(missing?._tag === "AdditionMissing" ? missing.quantity : undefined)).toBe(norm(d.invoiceQuantity))
      expect(dec(missing?._tag === "AdditionMissing" ? missing.unitCost : undefined)).toBe(norm(d.invoiceUnitCost))
      return [`${row.key} AdditionMissing`]
    }
    case "quantityOff": {
      const row = pair(d.accountId, d.itemId)
      const found = row.deviations.find((x) => x._tag === "QuantityDiffers")
      expect(found).toMatchObject({ agreementId: d.agreementId, productId: d.catalogItemId })
      expect(found?._tag === "QuantityDiffers" && [dec(found.invoiced), dec(found.current)]).toEqual([
        norm(d.invoiceQuantity),
        norm(d.additionQuantity)
      ])
      return [`${row.key} QuantityDiffers`]
    }
    case "duplicateAdditions": {
      // Two additions of the product: a person says which is right, nothing is compared or changed.
      const row = pair(d.accountId, d.itemId)
      const found = row.deviations.find((x) => x._tag === "DuplicateAdditions")
      expect(found).toMatchObject({ agreementId: d.agreementId, productId: d.catalogItemId })
      expect(
        found?._tag === "DuplicateAdditions" && [
          [...found.additionIds].sort((a, b) => a - b),
          dec(found.invoiced),
          dec(found.current)
        ]
      ).toEqual([d.additionIds, norm(d.invoiceQuantity), norm(d.additionQuantity)])
      return [`${row.key} DuplicateAdditions`]
    }
    case "unitCostOff": {
      const row = pair(d.accountId, d.itemId)
      const found = row.deviations.find((x) => x._tag === "UnitCostDiffers")
      expect(found).toMatchObject({ agreementId: d.agreementId, productId: d.catalogItemId })
      expect(found?._tag === "UnitCostDiffers" && [dec(found.invoiced), dec(found.current)]).toEqual([
        norm(d.invoiceUnitCost),
        norm(d.additionUnitCost)
      ])
      return [`${row.key} UnitCostDiffers`]
    }
    case "additionNotInvoiced": {
      if (lineWithoutItem(grid, d.accountId)) {
        // The customer also has a line without an item: it may be this very product, so the link
        // does not propose a cancellation (guessing wrong is worse than not guessing).
        expect(grid.rows.some((r) => r.key === `addition|${d.additionId}`)).toBe(false)
        return []
      }
      const row = grid.rows.find((r) => r.key === `addition|${d.additionId}`)
      expect(row?.origin, `additionNotInvoiced ${d.additionId}`).toBe("connectwise")
      const found = row?.deviations.find((x) => x._tag === "AdditionNotInvoiced")
      expect(
        found?._tag === "AdditionNotInvoiced" && [dec(found.addition.quantity), dec(found.addition.unitCost)]
      ).toEqual([norm(d.additionQuantity), norm(d.additionUnitCost)])
      return [`${row?.key} AdditionNotInvoiced`]
    }
  }
}

/** A row of the customer whose line names no item (the truth's `malformedLine` with field `Item`). */
const lineWithoutItem = (grid: LoadedMonth, accountId: string) =>
  grid.rows.some(
    (r) => r.customer.key === accountId && r.origin === "invoice" && r.product.key === "" && r.lines.length > 0
  )

const allDeviations = (grid: LoadedMonth) =>
  grid.rows.flatMap((row) => row.deviations.map((d) => `${row.key} ${d._tag}`)).sort()

let sandbox: OpenSandbox | undefined
afterEach(async () => {
  await sandbox?.server.close()
  sandbox = undefined
})

const open = async (world: World = smallWorld()) => {
  sandbox = await openSandbox(world)
  const storage = memoryStores()
  const base = settingsFor(world)
  const catalog = world.connectwise.catalogItems[0]!
  const settings = new LinkSettings({
    ...base,
    newProduct: { subcategoryId: catalog.subcategory.id, typeId: catalog.type.id }
  })
  let run = 0
  const link = createLink({
    id: "msp-1",
    exact: sandbox.exact,
    connectwise: sandbox.connectwise,
    storage,
    settings,
    source,
    now: () => sandbox!.clock.now(),
    ids: () => `run-${++run}`,
    agreementContact: () => 1
  })
  await sandbox.connect(link)
  return { world, link, storage, sandbox }
}

/** The human's part: confirm the suggestions the truth confirms, create the product the truth creates. */
const confirmAsTheTruthSays = async (world: World, link: LinkApi, grid: LoadedMonth) => {
  const { companies, items } = world.truth.links
  const confirmed: Array<string> = []
  for (const link_ of companies.filter((c) => c.evidence === "manual" && c.companyId !== null)) {
    const row = grid.rows.find((r) => r.customer.key === link_.accountId)
    if (row === undefined) continue
    expect(row.customerResolution._tag).toBe("Suggested")
    await link.mappings.confirm(row, "customer", { targetId: link_.companyId ?? undefined, by: "finance@msp.example" })
    confirmed.push(link_.accountId)
  }
  for (const item of items) {
    const row = grid.rows.find((r) => r.product.key === item.itemId && r.origin === "invoice")
    if (row === undefined || item.evidence === "identifier") continue
    if (item.catalogItemId === "create") await link.create.product(row)
    else await link.mappings.confirm(row, "product", { targetId: item.catalogItemId, by: "finance@msp.example" })
    confirmed.push(item.itemId)
  }
  return confirmed
}

describe("flow A end to end on the sandbox world (40 customers × 6 products × 3 months)", () => {
  it("finds exactly the truth's deviations, applies them, and the next load is clean but for what needs a human", async () => {
    const { world, link, storage } = await open()
    const truth = world.truth.months.at(-1)!
    expect((await link.reconciliation.months())[0]).toBe(truth.period)

    // Before anyone confirmed anything: whatever is found is in the truth; nothing is invented.
    const phases = new Set<string>()
    const first = await link.reconciliation.load(truth.period, { onProgress: (e) => phases.add(e.phase) })
    expect(phases).toContain("connectwise additions")
    const unconfirmed = allDeviations(first)

    await confirmAsTheTruthSays(world, link, first)
    const grid = await link.reconciliation.load(truth.period)
    const explained = new Set(truth.deviations.flatMap((d) => explain(grid, d)))
    expect(allDeviations(grid)).toEqual([...explained].sort())
    // Before the confirmations, rows waiting on a person say so — only where the truth needs one.
    const manual = new Set([
      ...world.truth.links.companies
        .filter((c) => c.evidence === "manual" || c.companyId === null)
        .map((c) => c.accountId),
      ...world.truth.links.items.filter((i) => i.evidence !== "identifier").map((i) => i.itemId)
    ])
    for (const found of unconfirmed) {
      if (/ Needs(Customer|Product|Agreement)$/.test(found)) {
        const row = first.rows.find((r) => found.startsWith(`${r.key} `))!
        expect(manual.has(row.customer.key) || manual.has(row.product.key), found).toBe(true)
      } else expect(explained).toContain(found)
    }

    // Approve everything, create the missing agreement; apply as a run.
    const decisions = link.reconciliation.decideAll(grid, { createMissing: true })
    const planned = link.reconciliation.plan(grid, decisions, { by: "finance@msp.example" })
    const progress: Array<string> = []
    const applied = await link.reconciliation.apply(planned, { onProgress: (e) => progress.push(e.phase) })
    expect(applied.status).toBe("succeeded")
    expect(applied.report?.counts.failed).toBe(0)
    expect(progress).toContain("apply")

    // ConnectWise now agrees with the invoice.
    const additions = sandbox!.server.connectwise.store.all("additions")
    const byId = new Map(additions.map((a) => [a.id as number, a]))
    for (const d of truth.deviations) {
      if (d.kind === "quantityOff") expect(norm(String(byId.get(d.additionId)?.quantity))).toBe(norm(d.invoiceQuantity))
      if (d.kind === "unitCostOff") expect(norm(String(byId.get(d.additionId)?.unitCost))).toBe(norm(d.invoiceUnitCost))
      if (d.kind === "additionNotInvoiced") {
        expect(byId.get(d.additionId)?.cancelledDate).toBe(
          lineWithoutItem(grid, d.accountId) ? null : `${truth.period}-01T00:00:00Z`
        )
      }
    }

    const after = await link.reconciliation.load(truth.period)
    const left = allDeviations(after)
    // What no approval can fix: the customer without a company (linking needs a company a human
    // creates), the currency mismatch (the agreement's currency is a human's call) and the malformed lines.
    const needsHuman = new Set(
      truth.deviations.flatMap((d) =>
        d.kind === "currencyMismatch" || d.kind === "malformedLine" || d.kind === "customerWithoutCompany"
          ? explain(after, d)
          : []
      )
    )
    expect(left).toEqual([...needsHuman].sort())
    const withoutCompany = truth.deviations.find((d) => d.kind === "customerWithoutCompany")
    expect(
      after.rows
        .filter((r) => r.customer.key === withoutCompany?.accountId)
        .every((r) => linkedId(r.customerResolution) === undefined)
    ).toBe(true)

    // The run is in the log, readable back.
    const runs = await link.runs.list()
    expect(runs.map((r) => [r.id, r.job, r.status])).toEqual([["run-1", "reconciliation.apply", "succeeded"]])
    const text = await link.runs.log("run-1").text()
    expect(text).toContain("UpdateAdditionQuantity done")
    // …and the run keeps its typed report: what each operation did, without reading the log.
    const kept = Schema.decodeUnknownSync(StoredApplyReport)(
      Option.getOrThrow(await Effect.runPromise(storage.runs.result(link.id, "run-1")))
    )
    expect(kept).toEqual(toStoredApplyReport(applied.report!))
    expect(kept.operations.map((o) => [o.key, o.status])).toEqual(
      planned.plan.operations.map((op) => [op.idempotencyKey, "done"])
    )

    // A second apply of the same plan writes nothing.
    const writes = () =>
      Object.entries(sandbox!.server.connectwise.requests.snapshot()).filter(([k]) => !k.startsWith("GET"))
    const before = JSON.stringify(writes())
    const again = await link.reconciliation.apply(planned)
    expect(again.report?.counts.done).toBe(0)
    expect(JSON.stringify(writes())).toBe(before)
  })

  it("flags planted duplicate additions for a person and leaves them alone when everything is approved", async () => {
    const { world, link } = await open(
      createWorld({ seed: 11, customers: 40, products: 6, months: 3, deviations: { duplicateAdditions: 3 } })
    )
    const truth = world.truth.months.at(-1)!
    const duplicates = truth.deviations.flatMap((d) => (d.kind === "duplicateAdditions" ? [d] : []))
    expect(duplicates).toHaveLength(3)
    const grid0 = await link.reconciliation.load(truth.period)
    await confirmAsTheTruthSays(world, link, grid0)
    const grid = await link.reconciliation.load(truth.period)
    const explained = new Set(truth.deviations.flatMap((d) => explain(grid, d)))
    expect(allDeviations(grid)).toEqual([...explained].sort())

    const ids = duplicates.flatMap((d) => d.additionIds)
    const stored = () => {
      const byId = new Map(sandbox!.server.connectwise.store.all("additions").map((a) => [a.id as number, a]))
      return ids.map((id) => JSON.stringify(byId.get(id)))
    }
    const before = stored()
    const planned = link.reconciliation.plan(grid, link.reconciliation.decideAll(grid, { createMissing: true }), {
      by: "finance@msp.example"
    })
    const touching = planned.plan.operations.filter((op) => "additionId" in op && ids.includes(op.additionId as number))
    expect(touching).toEqual([])
    const applied = await link.reconciliation.apply(planned)
    expect(applied.report?.counts.failed).toBe(0)
    expect(stored()).toEqual(before)
    // Still there for a person after the apply, with both additions named.
    const after = await link.reconciliation.load(truth.period)
    for (const d of duplicates)
      expect(explain(after, d)).toEqual([`${rowKeyOf(d.accountId, d.itemId)} DuplicateAdditions`])
  })

  it("another month links itself from the remembered mappings: no suggestions left for what was confirmed", async () => {
    const { world, link } = await open()
    const [latest, previous] = world.truth.months.slice(-2).reverse()
    const grid = await link.reconciliation.load(latest!.period)
    const confirmed = await confirmAsTheTruthSays(world, link, grid)
    expect(confirmed.length).toBeGreaterThan(0)
    const other = await link.reconciliation.load(previous!.period)
    for (const row of other.rows.filter((r) => r.origin === "invoice")) {
      if (confirmed.includes(row.customer.key)) expect(row.customerResolution._tag).toBe("Mapped")
      if (confirmed.includes(row.product.key)) expect(row.productResolution._tag).toBe("Mapped")
    }
    const suggested = other.rows.filter(
      (r) => r.customerResolution._tag === "Suggested" || r.productResolution._tag === "Suggested"
    )
    expect(suggested).toEqual([])
  })
})
