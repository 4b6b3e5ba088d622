import { makeMemoryExclusionStore, summarizeRows } from "@psa-ledger/reconcile-core"
import { afterEach, describe, expect, it } from "vitest"
import { createLink, type LinkApi, LinkError, type LoadedMonth } from "../../src/index.ts"
import { memoryStores, type OpenSandbox, openSandbox, settingsFor, smallWorld, source } from "./sandbox.ts"

let sandbox: OpenSandbox | undefined
afterEach(async () => {
  await sandbox?.server.close()
  sandbox = undefined
})

const open = async () => {
  const world = smallWorld()
  sandbox = await openSandbox(world)
  const link = createLink({
    id: "msp-1",
    exact: sandbox.exact,
    connectwise: sandbox.connectwise,
    storage: { ...memoryStores(), exclusions: makeMemoryExclusionStore() },
    settings: settingsFor(world),
    source,
    now: () => sandbox!.clock.now(),
    actor: "finance@msp.example"
  })
  await sandbox.connect(link)
  return { world, link }
}

/** The row keys the approve-all plan of the grid has operations for. */
const plannedRows = (link: LinkApi, grid: LoadedMonth) =>
  new Set(
    link.reconciliation.plan(grid, link.reconciliation.decideAll(grid)).plan.operations.flatMap((op) => op.rowKeys)
  )

const refusedField = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(LinkError)
  const reason = (error as LinkError).reason
  return reason._tag === "InvalidInput" ? reason.field : reason._tag
}

describe("exclusions on the sandbox world", () => {
  it("a remembered product exclusion excludes its lines with the reason on the next load and plans nothing; forgetting brings them back", async () => {
    const { world, link } = await open()
    const month = world.truth.months.at(-1)!.period
    const first = await link.reconciliation.load(month)
    expect(first.excluded).toBeUndefined()
    // A row with a quantity change to plan, on a product some other rows carry too.
    const row = first.rows.find(
      (r) => r.origin === "invoice" && r.deviations.some((d) => d._tag === "QuantityDiffers") && r.product.key !== ""
    )!
    expect(row).toBeDefined()
    expect(plannedRows(link, first).has(row.key)).toBe(true)

    const productKey = row.product.key
    const remembered = await link.exclusions.remember(
      { kind: "product", key: productKey },
      { reason: "billed by the distributor directly", label: "  Distributor licences " }
    )
    expect(remembered.createdBy).toBe("finance@msp.example")
    expect((await link.exclusions.list()).map((e) => [e.kind, e.key, e.label])).toEqual([
      ["product", productKey, "Distributor licences"]
    ])

    const second = await link.reconciliation.load(month)
    const productLines = second.lines.filter((line) => line.product.key === productKey)
    expect(productLines.length).toBeGreaterThan(0)
    expect(second.excluded?.map((x) => x.lineId).sort()).toEqual(productLines.map((line) => line.id).sort())
    for (const x of second.excluded ?? []) {
      expect(x.exclusion.reason).toBe("billed by the distributor directly")
      expect(second.rows.some((r) => r.key === x.rowKey)).toBe(true)
    }
    const excludedRows = new Set(second.excluded?.map((x) => x.rowKey))
    const planned = plannedRows(link, second)
    expect([...excludedRows].filter((key) => planned.has(key))).toEqual([])
    // The other rows still plan as before.
    const before = plannedRows(link, first)
    expect([...planned].sort()).toEqual([...before].filter((key) => !excludedRows.has(key)).sort())
    // Not counted as needing a person.
    const summary = summarizeRows(second.rows, second.exclusions)
    expect(summary.excluded).toBe(excludedRows.size)
    expect(summary.needsPerson).toBe(summarizeRows(second.rows.filter((r) => !excludedRows.has(r.key))).needsPerson)

    expect(await link.exclusions.forget({ kind: "product", key: productKey })).toBe(true)
    expect(await link.exclusions.forget({ kind: "product", key: productKey })).toBe(false)
    const third = await link.reconciliation.load(month)
    expect(third.excluded).toBeUndefined()
    expect(plannedRows(link, third).has(row.key)).toBe(true)
  })

  it("a customer exclusion covers every line of that Exact customer", async () => {
    const { world, link } = await open()
    const month = world.truth.months.at(-1)!.period
    const grid = await link.reconciliation.load(month)
    const customerKey = grid.lines.find((line) => line.customer.key !== "")!.customer.key
    await link.exclusions.remember({ kind: "customer", key: customerKey }, { reason: "in-house", by: "ann" })
    const again = await link.reconciliation.load(month)
    const theirs = again.lines.filter((line) => line.customer.key === customerKey).map((line) => line.id)
    expect(again.excluded?.map((x) => x.lineId).sort()).toEqual(theirs.sort())
    expect(again.excluded?.every((x) => x.exclusion.kind === "customer" && x.exclusion.createdBy === "ann")).toBe(true)
    const planned = plannedRows(link, again)
    expect(again.excluded?.some((x) => planned.has(x.rowKey))).toBe(false)
  })

  it("refuses an unknown kind, an empty key or reason with the field named", async () => {
    const { link } = await open()
    expect(
      await refusedField(link.exclusions.remember({ kind: "agreement" as "product", key: "x" }, { reason: "r" }))
    ).toBe("kind")
    expect(await refusedField(link.exclusions.remember({ kind: "product", key: " " }, { reason: "r" }))).toBe("key")
    expect(await refusedField(link.exclusions.remember({ kind: "product", key: "x" }, { reason: "" }))).toBe("reason")
    expect(await refusedField(link.exclusions.forget({ kind: "customer", key: "" }))).toBe("key")
    expect(await link.exclusions.list()).toEqual([])
  })
})
