import { patch } from "@psa-ledger/connectwise-client"
import {
  Decisions,
  LinkSettings,
  makeMemoryMappingStore,
  makeMemoryPlanJournal,
  plan,
  RowDecision
} from "@psa-ledger/reconcile-core"
import { BigDecimal, DateTime, Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { runLink } from "../../src/internal/bridge.ts"
import { applyPlan } from "../../src/reconciliation/Apply.ts"
import { exactSalesSource } from "../../src/reconciliation/ExactSales.ts"
import { SalesSourceSettings } from "../../src/reconciliation/index.ts"
import { loadMonth } from "../../src/reconciliation/LoadMonth.ts"
import { seedMonth } from "./fixture.ts"
import { simulations, useSimulations } from "./helpers.ts"

useSimulations()

const settings = new LinkSettings({ compare: "unitPrice", agreementTypeId: 1, proposeCancellations: true })

const planned = async () => {
  const sims = await simulations()
  await seedMonth(sims)
  const mappings = makeMemoryMappingStore()
  const journal = makeMemoryPlanJournal()
  const source = exactSalesSource(sims.exact, new SalesSourceSettings({ kind: "sales", unitCost: "netPrice" }), {
    now: () => Date.UTC(2026, 1, 2)
  })
  const deps = { linkId: "link-1", source, connectwise: sims.connectwise, mappings, journal, settings }
  const { rows } = await runLink("loadMonth", loadMonth(deps, "2026-01"))
  const decisions = new Decisions({
    linkId: "link-1",
    decidedBy: "finance@msp.example",
    decidedAt: DateTime.makeUnsafe("2026-02-02T10:00:00Z"),
    rows: Object.fromEntries(rows.map((row) => [row.key, new RowDecision({ approve: "all" })]))
  })
  return { ...sims, deps, journal, changes: plan(rows, decisions, settings) }
}

describe("conditional writes", () => {
  it("skips an update as Stale, with both values, when ConnectWise changed since the plan", async () => {
    const { deps, journal, changes, connectwise } = await planned()
    const update = changes.operations.find((op) => op._tag === "UpdateAdditionQuantity")
    if (update?._tag !== "UpdateAdditionQuantity") throw new Error("the fixture plans a quantity update")
    // Someone edits the addition after the plan was made.
    await connectwise.patch(
      "/finance/agreements/{parentId}/additions/{id}",
      { parentId: update.agreementId, id: update.additionId },
      [patch.replace("quantity", BigDecimal.fromStringUnsafe("99"))]
    )
    const report = await runLink("applyPlan", applyPlan(deps, changes, { runId: "run-1" }))
    const outcome = report.operations.find((o) => o.key === update.idempotencyKey)
    expect(outcome?.status).toBe("skipped")
    expect(outcome?.status === "skipped" && outcome.reason).toMatchObject({
      _tag: "Stale",
      field: "quantity",
      expected: BigDecimal.format(update.from),
      found: "99"
    })
    // The later edit stands, and the other operations went ahead.
    const addition = await connectwise.get("/finance/agreements/{parentId}/additions/{id}", {
      parentId: update.agreementId,
      id: update.additionId
    })
    expect(addition.quantity == null ? undefined : BigDecimal.format(addition.quantity)).toBe("99")
    expect(report.counts.failed).toBe(0)
    expect(report.counts.done).toBe(changes.operations.length - 1)
    // Nothing stays started in the journal.
    const entry = Option.getOrThrow(await Effect.runPromise(journal.get("link-1", update.idempotencyKey)))
    expect(entry.status).toBe("failed")
  })

  it("reports an update already holding the planned value as written, without writing it again", async () => {
    const { deps, changes, connectwise, cwSim } = await planned()
    const update = changes.operations.find((op) => op._tag === "UpdateAdditionQuantity")
    if (update?._tag !== "UpdateAdditionQuantity") throw new Error("the fixture plans a quantity update")
    await connectwise.patch(
      "/finance/agreements/{parentId}/additions/{id}",
      { parentId: update.agreementId, id: update.additionId },
      [patch.replace("quantity", update.to)]
    )
    cwSim.requests.reset()
    const report = await runLink("applyPlan", applyPlan(deps, changes, { runId: "run-1" }))
    const outcome = report.operations.find((o) => o.key === update.idempotencyKey)
    expect(outcome).toMatchObject({ status: "done", recovered: true })
    expect(cwSim.requests.count("PATCH", "/finance/agreements/{parentId}/additions/{id}")).toBe(
      changes.operations.filter((op) => op._tag.startsWith("Update") || op._tag === "CancelAddition").length - 1
    )
  })
})
