import { LinkSettings, linkedId, type ReconciliationRow, rowKeyOf } from "@psa-ledger/reconcile-core"
import type { World } from "@psa-ledger/sandbox"
import { BigDecimal } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { createLink, type LinkApi, type LoadedMonth, PurchaseSourceSettings } from "../../src/index.ts"
import { memoryStores, type OpenSandbox, openSandbox, settingsFor, smallWorld } from "./sandbox.ts"

const dec = (value: BigDecimal.BigDecimal | undefined) =>
  value === undefined ? undefined : BigDecimal.format(BigDecimal.normalize(value))
const norm = (text: string) => BigDecimal.format(BigDecimal.normalize(BigDecimal.fromStringUnsafe(text)))
const DECIMAL = /^-?\d+(\.\d+)?$/

/** `"<product> | <customer name>"`: the name after the bar. */
const byName = { by: "description", pattern: "\\| (?<customer>.+)$" } as const

let sandbox: OpenSandbox | undefined
afterEach(async () => {
  await sandbox?.server.close()
  sandbox = undefined
})

const open = async (customer: PurchaseSourceSettings["customer"]) => {
  const world = smallWorld()
  sandbox = await openSandbox(world)
  const distributor = world.exact.accounts.find((account) => account.IsSupplier)
  if (distributor === undefined) throw new Error("the world has no distributor")
  const catalog = world.connectwise.catalogItems[0]!
  const link = createLink({
    id: "msp-1",
    exact: sandbox.exact,
    connectwise: sandbox.connectwise,
    storage: memoryStores(),
    // The distributor bills only its licences: the MSP's own services are not on it, so no cancellations.
    settings: new LinkSettings({
      ...settingsFor(world),
      proposeCancellations: false,
      newProduct: { subcategoryId: catalog.subcategory.id, typeId: catalog.type.id }
    }),
    source: new PurchaseSourceSettings({ kind: "purchase", supplier: distributor.ID, customer }),
    now: () => sandbox!.clock.now(),
    agreementContact: () => 1
  })
  await sandbox.connect(link)
  const truth = world.truth.months.at(-1)!
  const bill = world.exact.purchaseInvoices.find((invoice) => monthOfExactDate(invoice.InvoiceDate) === truth.period)
  if (bill === undefined) throw new Error(`no purchase invoice in ${truth.period}`)
  return { world, link, truth, bill, sandbox }
}

/** `YYYY-MM` of an Exact `/Date(ms)/`. */
const monthOfExactDate = (date: string) => new Date(Number(/\d+/.exec(date)?.[0])).toISOString().slice(0, 7)

/** The end customer a purchase line names, read from the world's records (not through the link). */
const endCustomerOf = (
  world: World,
  line: World["exact"]["purchaseInvoices"][number]["PurchaseInvoiceLines"][number]
) => {
  if (line.Project !== null) return world.exact.projects.find((project) => project.ID === line.Project)?.Account
  const name = line.Description.split(" | ")[1]
  return world.exact.accounts.find((account) => account.Name === name)?.ID
}

/** The human's part, as the truth says: link the customers and products no identifier links. */
const confirmAsTheTruthSays = async (world: World, link: LinkApi, grid: LoadedMonth) => {
  for (const company of world.truth.links.companies) {
    if (company.evidence !== "manual" || company.companyId === null) continue
    if (!grid.rows.some((row) => row.customer.key === company.accountId)) continue
    await link.mappings.set({ kind: "customer", sourceKey: company.accountId }, company.companyId)
  }
  for (const item of world.truth.links.items) {
    const row = grid.rows.find((r) => r.product.key === item.itemId && r.origin === "invoice")
    if (row === undefined || item.evidence === "identifier") continue
    if (item.catalogItemId === "create") await link.create.product(row)
    else await link.mappings.set({ kind: "product", sourceKey: item.itemId }, item.catalogItemId)
  }
}

const allDeviations = (grid: LoadedMonth) =>
  grid.rows.flatMap((row) => row.deviations.map((d) => `${row.key} ${d._tag}`)).sort()

describe("flow A on the distributor's purchase invoice (sandbox world, 40 customers × 6 products × 3 months)", () => {
  it("reads the month's bill in a handful of calls; every line names the right customer, quantity and cost", async () => {
    const { world, link, truth, bill } = await open([{ by: "project" }, byName])
    expect((await link.reconciliation.months())[0]).toBe(truth.period)

    sandbox!.server.exact.resetCounters()
    sandbox!.server.connectwise.requests.reset()
    const grid = await link.reconciliation.load(truth.period)

    // Fewest calls: the month's invoices with their lines expanded, then items, projects and accounts
    // once each — never one call per line (the bill has 150 lines).
    expect(bill.PurchaseInvoiceLines.length).toBeGreaterThan(100)
    expect(sandbox!.server.exact.requestCounts()).toEqual({
      "GET purchase/PurchaseInvoices": 1,
      "GET bulk/Logistics/Items": 1,
      "GET project/Projects": 1,
      "GET bulk/CRM/Accounts": 1
    })
    const cw = sandbox!.server.connectwise.requests.snapshot()
    const agreementsRead = new Set(grid.snapshot.agreements.map((agreement) => agreement.id)).size
    expect(cw["GET /finance/agreements/{parentId}/additions"]).toBe(agreementsRead)
    for (const [endpoint, calls] of Object.entries(cw)) {
      if (endpoint.includes("{parentId}")) continue
      expect(calls, endpoint).toBeLessThanOrEqual(2)
    }

    // Every line of the bill, as the world wrote it: exact decimals, the end customer by project or name.
    expect(grid.lines).toHaveLength(bill.PurchaseInvoiceLines.length)
    const lines = new Map(grid.lines.map((line) => [line.id, line]))
    const viaProject = bill.PurchaseInvoiceLines.filter((line) => line.Project !== null)
    expect(viaProject.length).toBeGreaterThan(0)
    expect(viaProject.length).toBeLessThan(bill.PurchaseInvoiceLines.length)
    for (const expected of bill.PurchaseInvoiceLines) {
      const line = lines.get(expected.ID)
      expect(line, expected.ID).toBeDefined()
      expect(line?.issues ?? []).toEqual([])
      expect(line?.customer.key).toBe(endCustomerOf(world, expected))
      expect(line?.product.key).toBe(expected.Item)
      expect(dec(line?.quantity)).toBe(norm(expected.Quantity))
      expect(dec(line?.unitCost)).toBe(norm(expected.NetPrice))
    }

    // What the world implies: each purchase line is the customer's net sales quantity of the item at cost.
    const sold = new Map<string, { quantity: BigDecimal.BigDecimal; costs: Set<string>; malformed: boolean }>()
    for (const invoice of world.exact.salesInvoices) {
      if (monthOfExactDate(invoice.InvoiceDate) !== truth.period) continue
      for (const sale of invoice.SalesInvoiceLines) {
        if (sale.Item === null) continue
        const key = rowKeyOf(invoice.OrderedBy, sale.Item)
        const entry = sold.get(key) ?? { quantity: BigDecimal.fromNumberUnsafe(0), costs: new Set(), malformed: false }
        if (DECIMAL.test(sale.Quantity))
          entry.quantity = BigDecimal.sum(entry.quantity, BigDecimal.fromStringUnsafe(sale.Quantity))
        else entry.malformed = true
        entry.costs.add(norm(sale.CostPriceFC))
        sold.set(key, entry)
      }
    }
    let compared = 0
    for (const line of grid.lines) {
      const sale = sold.get(rowKeyOf(line.customer.key, line.product.key))
      expect(sale, `${line.customer.name} ${line.product.code}`).toBeDefined()
      expect([...(sale?.costs ?? [])]).toEqual([dec(line.unitCost)])
      if (sale?.malformed === true) continue // "12 st" on the sales side: nothing to sum
      expect(dec(line.quantity)).toBe(dec(sale?.quantity))
      compared++
    }
    expect(compared).toBeGreaterThan(grid.lines.length - 3)

    // The customers resolve to the truth's companies; those only a human can link are suggested.
    for (const row of grid.rows.filter((r) => r.origin === "invoice")) {
      const company = world.truth.links.companies.find((c) => c.accountId === row.customer.key)
      expect(company, row.customer.name).toBeDefined()
      if (company?.companyId === null) expect(linkedId(row.customerResolution)).toBeUndefined()
      else if (company?.evidence === "manual") {
        expect(row.customerResolution._tag).toBe("Suggested")
        expect(
          row.customerResolution._tag === "Suggested" &&
            row.customerResolution.candidates.map((candidate) => candidate.targetId)
        ).toContain(company.companyId)
      } else expect(linkedId(row.customerResolution), row.customer.name).toBe(company?.companyId)
    }
  })

  it("finds exactly the truth's quantity and cost deviations of the licences on the bill", async () => {
    const { world, link, truth, bill } = await open([{ by: "project" }, byName])
    await confirmAsTheTruthSays(world, link, await link.reconciliation.load(truth.period))
    const grid = await link.reconciliation.load(truth.period)

    const billed = new Set(
      bill.PurchaseInvoiceLines.map((line) => rowKeyOf(endCustomerOf(world, line) ?? "", line.Item))
    )
    const row = (accountId: string, itemId: string) => grid.rows.find((r) => r.key === rowKeyOf(accountId, itemId))
    const expected: Array<string> = []
    for (const d of truth.deviations) {
      if (d.kind !== "quantityOff" && d.kind !== "unitCostOff" && d.kind !== "additionMissing") continue
      const key = rowKeyOf(d.accountId, d.itemId)
      if (!billed.has(key)) continue // the MSP's own service: not on the distributor's bill
      const found = row(d.accountId, d.itemId) as ReconciliationRow
      if (d.kind === "quantityOff") {
        const deviation = found.deviations.find((x) => x._tag === "QuantityDiffers")
        expect(deviation).toMatchObject({ agreementId: d.agreementId, productId: d.catalogItemId })
        expect(deviation?._tag === "QuantityDiffers" && [dec(deviation.invoiced), dec(deviation.current)]).toEqual([
          norm(d.invoiceQuantity),
          norm(d.additionQuantity)
        ])
        expected.push(`${key} QuantityDiffers`)
      } else if (d.kind === "unitCostOff") {
        const deviation = found.deviations.find((x) => x._tag === "UnitCostDiffers")
        expect(deviation).toMatchObject({ agreementId: d.agreementId, productId: d.catalogItemId })
        expect(deviation?._tag === "UnitCostDiffers" && [dec(deviation.invoiced), dec(deviation.current)]).toEqual([
          norm(d.invoiceUnitCost),
          norm(d.additionUnitCost)
        ])
        expected.push(`${key} UnitCostDiffers`)
      } else if (d.because === "customerWithoutCompany") {
        // Not compared until a person links the customer: the row says so.
        expect(linkedId(found.customerResolution)).toBeUndefined()
        expected.push(`${key} NeedsCustomer`)
      } else {
        const deviation = found.deviations.find((x) => x._tag === "AdditionMissing")
        expect(deviation?._tag === "AdditionMissing" && [dec(deviation.quantity), dec(deviation.unitCost)]).toEqual([
          norm(d.invoiceQuantity),
          norm(d.invoiceUnitCost)
        ])
        expected.push(`${key} AdditionMissing`)
      }
    }
    expect(expected.some((e) => e.endsWith("Differs"))).toBe(true)
    // Nothing else: the bill is in euros like every agreement, and its quantities are all well formed.
    expect(allDeviations(grid)).toEqual(expected.sort())
  })

  it("reads the customer from the description alone, and says why a line names none", async () => {
    const { world, link, truth, bill } = await open(byName)
    sandbox!.server.exact.resetCounters()
    const grid = await link.reconciliation.load(truth.period)
    // No projects are read when only the description names the customer.
    expect(sandbox!.server.exact.requestCount("GET project/Projects")).toBe(0)
    expect(sandbox!.server.exact.requestCount("GET bulk/CRM/Accounts")).toBe(1)
    const [named, unnamed] = [
      bill.PurchaseInvoiceLines.find((line) => line.Project === null)!,
      bill.PurchaseInvoiceLines.find((line) => line.Project !== null)!
    ]
    const account = world.exact.accounts.find((a) => a.ID === endCustomerOf(world, named))!
    expect(named.Description).toContain(` | ${account.Name}`)
    const line = grid.lines.find((l) => l.id === named.ID)
    expect(line?.customer).toMatchObject({ key: account.ID, code: account.Code.trim(), name: account.Name })
    // A line whose description names no one: an issue naming the field and why, the line kept in the grid
    // (core adds its own "customer.key missing" beside it).
    const invalid = grid.rows
      .flatMap((row) => row.deviations)
      .filter((d) => d._tag === "InvalidLine" && d.lineId === unnamed.ID)
    expect(invalid).toContainEqual(
      expect.objectContaining({ field: "customer", message: "the description does not match the customer pattern" })
    )
  })

  it("project only: lines without a project keep their place with the reason", async () => {
    const { link, truth, bill } = await open({ by: "project" })
    const grid = await link.reconciliation.load(truth.period)
    const without = bill.PurchaseInvoiceLines.filter((line) => line.Project === null)
    for (const line of without) {
      const invalid = grid.rows
        .flatMap((row) => row.deviations)
        .filter((d) => d._tag === "InvalidLine" && d.lineId === line.ID)
      expect(invalid).toContainEqual(expect.objectContaining({ field: "customer", message: "the line has no project" }))
    }
    expect(grid.lines).toHaveLength(bill.PurchaseInvoiceLines.length)
  })
})
