import {
  Decisions,
  LinkSettings,
  makeMemoryMappingStore,
  makeMemoryPlanJournal,
  plan,
  RowDecision,
  rowKeyOf
} from "@psa-ledger/reconcile-core"
import { DateTime, Effect } from "effect"
import { describe, expect, it } from "vitest"
import { runLink } from "../../src/internal/bridge.ts"
import { applyPlan } from "../../src/reconciliation/Apply.ts"
import { exactSalesSource } from "../../src/reconciliation/ExactSales.ts"
import { SalesSourceSettings } from "../../src/reconciliation/index.ts"
import { type LoadedMonth, loadMonth } from "../../src/reconciliation/LoadMonth.ts"
import { ACME, BACKUP, BP, GLOBEX, INITECH, seedMonth } from "./fixture.ts"
import { cwWrites, simulations, useSimulations } from "./helpers.ts"

useSimulations()

const settings = new LinkSettings({ compare: "unitPrice", agreementTypeId: 1, proposeCancellations: true })
const sales = new SalesSourceSettings({ kind: "sales", unitCost: "netPrice" })

const setup = async () => {
  const sims = await simulations()
  const seeded = await seedMonth(sims)
  const mappings = makeMemoryMappingStore()
  const journal = makeMemoryPlanJournal()
  const source = exactSalesSource(sims.exact, sales, { now: () => Date.UTC(2026, 1, 2) })
  const deps = { linkId: "link-1", source, connectwise: sims.connectwise, mappings, journal, settings }
  return { ...sims, seeded, deps, mappings, journal }
}

const tags = (rows: LoadedMonth["rows"]) =>
  Object.fromEntries(rows.map((row) => [row.key, row.deviations.map((d) => d._tag).sort()]))

const approveAll = (rows: LoadedMonth["rows"]) =>
  new Decisions({
    linkId: "link-1",
    decidedBy: "finance@msp.example",
    decidedAt: DateTime.makeUnsafe("2026-02-02T10:00:00Z"),
    rows: Object.fromEntries(rows.map((row) => [row.key, new RowDecision({ approve: "all" })]))
  })

describe("flow A against the simulations", () => {
  it("lists the months newest first", async () => {
    const { deps } = await setup()
    expect(await deps.source.months()).toEqual(["2026-01", "2025-12"])
  })

  it("loads a month into the expected rows and deviations, a malformed line as a visible issue", async () => {
    const { deps, seeded } = await setup()
    const events: Array<string> = []
    const { rows, lines } = await runLink(
      "loadMonth",
      loadMonth(deps, "2026-01", { onProgress: (e) => events.push(e.phase) })
    )
    expect(lines).toHaveLength(5)
    const byKey = tags(rows)
    expect(byKey[rowKeyOf(ACME, BP)]).toEqual(["QuantityDiffers"])
    expect(byKey[rowKeyOf(ACME, BACKUP)]).toEqual(["AdditionMissing"])
    expect(byKey[rowKeyOf(GLOBEX, BP)]).toEqual(["UnitPriceDiffers"])
    // A row with an unreadable line proposes nothing: it is blocked until the source is fixed.
    expect(byKey[rowKeyOf(GLOBEX, BACKUP)]).toEqual(["InvalidLine", "Unreadable"])
    const malformed = rows.find((row) => row.key === rowKeyOf(GLOBEX, BACKUP))
    expect(malformed?.lines[0]?.issues?.[0]).toMatchObject({ field: "quantity", value: "12 st" })
    const initech = rows.find((row) => row.key === rowKeyOf(INITECH, BP))
    expect(initech?.customerResolution._tag).toBe("Suggested")
    expect(initech?.customerResolution._tag === "Suggested" && initech.customerResolution.candidates[0]?.targetId).toBe(
      seeded.initech.id
    )
    const cancel = rows.filter((row) => row.origin === "connectwise")
    expect(cancel.map((row) => row.product.code)).toEqual(["OLD"])
    expect(events).toContain("connectwise additions")
  })

  it("applies: ConnectWise agrees, a second load shows no deviations, a second apply writes nothing", async () => {
    const { deps, cwSim } = await setup()
    const first = await runLink("loadMonth", loadMonth(deps, "2026-01"))
    const changes = plan(first.rows, approveAll(first.rows), settings)
    const report = await runLink("applyPlan", applyPlan(deps, changes, { runId: "run-1" }))
    expect(report.counts.failed).toBe(0)
    expect(report.counts.done).toBe(changes.operations.length)
    const after = await runLink("loadMonth", loadMonth(deps, "2026-01"))
    const left = after.rows.filter((row) =>
      row.deviations.some((d) => d._tag !== "InvalidLine" && d._tag !== "Unreadable")
    )
    expect(left).toEqual([])
    const old = cwSim.store.all("additions").find((a) => (a.product as { identifier: string }).identifier === "OLD")
    expect(old?.cancelledDate).toBe("2026-01-01T00:00:00Z")
    cwSim.requests.reset()
    const again = await runLink("applyPlan", applyPlan(deps, changes, { runId: "run-2" }))
    expect(again.counts).toEqual({ done: 0, skipped: changes.operations.length, failed: 0 })
    expect(cwWrites(cwSim)).toEqual([])
  })

  it("claims its operations for the link's lease length (leaseMs)", async () => {
    const { deps, journal } = await setup()
    const first = await runLink("loadMonth", loadMonth(deps, "2026-01"))
    const changes = plan(first.rows, approveAll(first.rows), settings)
    const leases: Array<number> = []
    const recording: typeof journal = {
      ...journal,
      begin: (linkId, opKey, claim) => {
        if (claim.leaseUntil !== undefined) {
          leases.push(DateTime.toEpochMillis(claim.leaseUntil) - DateTime.toEpochMillis(claim.at))
        }
        return journal.begin(linkId, opKey, claim)
      }
    }
    const report = await runLink(
      "applyPlan",
      applyPlan({ ...deps, journal: recording, leaseMs: 5_000 }, changes, { runId: "run-1" })
    )
    expect(report.counts.failed).toBe(0)
    expect(leases).toHaveLength(changes.operations.length)
    expect(new Set(leases)).toEqual(new Set([5_000]))
  })

  it("resumes after a crash between the write and the journal's complete without writing twice", async () => {
    const { deps, cwSim, journal } = await setup()
    const first = await runLink("loadMonth", loadMonth(deps, "2026-01"))
    const changes = plan(first.rows, approveAll(first.rows), settings)
    const add = changes.operations.find((op) => op._tag === "AddAddition")
    expect(add).toBeDefined()
    let crashed = false
    const crashing = {
      ...journal,
      complete: (linkId: string, opKey: string, options: Parameters<typeof journal.complete>[2]) =>
        opKey === add?.idempotencyKey && !crashed
          ? Effect.sync(() => {
              crashed = true
            }).pipe(Effect.andThen(Effect.die(new Error("killed before complete"))))
          : journal.complete(linkId, opKey, options)
    }
    const broken = await runLink("applyPlan", applyPlan({ ...deps, journal: crashing }, changes, { runId: "run-1" }))
    expect(broken.operations.find((r) => r.key === add?.idempotencyKey)?.status).toBe("failed")
    const posts = () => cwSim.requests.count("POST", "/finance/agreements/{parentId}/additions")
    const written = posts()
    expect(written).toBe(changes.operations.filter((op) => op._tag === "AddAddition").length)
    const resumed = await runLink("applyPlan", applyPlan(deps, changes, { runId: "run-2" }))
    const report = resumed.operations.find((r) => r.key === add?.idempotencyKey)
    expect(report).toMatchObject({ status: "done", recovered: true })
    expect(posts()).toBe(written)
    const backups = cwSim.store
      .all("additions")
      .filter((a) => (a.product as { identifier: string }).identifier === "BACKUP")
    expect(backups).toHaveLength(2) // Globex's and Acme's new one, once
  })

  it("loads with API calls at the lower bound: one per list page plus one per agreement", async () => {
    const { deps, cwSim, exactSim } = await setup()
    await runLink("loadMonth", loadMonth(deps, "2026-01"))
    const cw = cwSim.requests.snapshot()
    expect(cw["GET /company/companies"]).toBe(2) // by identifier, then all for Initech's suggestion
    expect(cw["GET /procurement/catalog"]).toBe(2) // by identifier, then the cancelled addition's product
    expect(cw["GET /finance/agreements"]).toBe(1)
    expect(cw["GET /finance/agreements/{parentId}/additions"]).toBe(3)
    const exact = exactSim.requestCounts()
    // The month, then the two earlier months of the cancellation window (default 3 months); the
    // empty November needs no accounts.
    expect(exact["GET bulk/SalesInvoice/SalesInvoices"]).toBe(3)
    expect(exact["GET bulk/CRM/Accounts"]).toBe(2)
  })
})
