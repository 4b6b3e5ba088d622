/**
 * A ConnectWise write whose outcome is unknown (`AmbiguousWriteError`: a 5xx, a timeout, a 2xx whose
 * body does not decode) is looked up before it is written again: nothing is written twice, and a
 * write that did land is reported done.
 */
import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import {
  Decisions,
  LinkSettings,
  makeMemoryMappingStore,
  makeMemoryPlanJournal,
  plan,
  RowDecision
} from "@psa-ledger/reconcile-core"
import { DateTime } from "effect"
import { describe, expect, it } from "vitest"
import { runLink } from "../../src/internal/bridge.ts"
import { applyPlan } from "../../src/reconciliation/Apply.ts"
import { exactSalesSource } from "../../src/reconciliation/ExactSales.ts"
import { SalesSourceSettings } from "../../src/reconciliation/index.ts"
import { loadMonth } from "../../src/reconciliation/LoadMonth.ts"
import { seedMonth } from "./fixture.ts"
import { cwSecrets, simulations, useSimulations } from "./helpers.ts"

useSimulations()

const settings = new LinkSettings({ compare: "unitPrice", agreementTypeId: 1, proposeCancellations: true })
const ADDITIONS = "/finance/agreements/{parentId}/additions"
const ADDITION = "/finance/agreements/{parentId}/additions/{id}"

const planned = async (clientOptions: { readonly timeoutMs?: number } = {}) => {
  const sims = await simulations()
  await seedMonth(sims)
  const connectwise = createConnectWiseClient({
    site: "api-eu.myconnectwise.net",
    ...cwSecrets,
    codebase: sims.cwSim.codebase,
    sleep: async () => undefined,
    ...clientOptions
  })
  const journal = makeMemoryPlanJournal()
  const source = exactSalesSource(sims.exact, new SalesSourceSettings({ kind: "sales", unitCost: "netPrice" }), {
    now: () => Date.UTC(2026, 1, 2)
  })
  const deps = { linkId: "link-1", source, connectwise, mappings: makeMemoryMappingStore(), journal, settings }
  const { rows } = await runLink("loadMonth", loadMonth(deps, "2026-01"))
  const decisions = new Decisions({
    linkId: "link-1",
    decidedBy: "finance@msp.example",
    decidedAt: DateTime.makeUnsafe("2026-02-02T10:00:00Z"),
    rows: Object.fromEntries(rows.map((row) => [row.key, new RowDecision({ approve: "all" })]))
  })
  const changes = plan(rows, decisions, settings)
  const count = (kind: string) => changes.operations.filter((op) => op._tag === kind).length
  sims.cwSim.requests.reset()
  return { ...sims, deps, changes, count }
}

const additionCount = (sims: Awaited<ReturnType<typeof planned>>) => sims.cwSim.store.all("additions").length

describe("apply after a write of unknown outcome", () => {
  it("reports a creation ConnectWise carried out (2xx, body cut short) done once, with its id", async () => {
    const sims = await planned()
    const before = additionCount(sims)
    const adds = sims.count("AddAddition")
    expect(adds).toBeGreaterThan(0)
    sims.cwSim.faults.malformNext({ method: "POST", template: ADDITIONS })
    const report = await runLink("applyPlan", applyPlan(sims.deps, sims.changes, { runId: "run-1" }))
    expect(report.counts.failed).toBe(0)
    expect(additionCount(sims) - before).toBe(adds)
    expect(sims.cwSim.requests.count("POST", ADDITIONS)).toBe(adds)
    for (const op of report.operations)
      if (op.status === "done" && op.op === "AddAddition") expect(op.result).toMatchObject({ id: expect.any(Number) })
  })

  it("looks a creation answered 5xx up, finds nothing, and writes it again once", async () => {
    const sims = await planned()
    const before = additionCount(sims)
    const adds = sims.count("AddAddition")
    sims.cwSim.faults.failNext({ status: 503, method: "POST", template: ADDITIONS })
    const report = await runLink("applyPlan", applyPlan(sims.deps, sims.changes, { runId: "run-1" }))
    expect(report.counts.failed).toBe(0)
    expect(additionCount(sims) - before).toBe(adds)
    expect(sims.cwSim.requests.count("POST", ADDITIONS)).toBe(adds + 1)
  })

  it("reports an update that timed out done after one more write, and one answered 2xx with a bad body after none", async () => {
    const sims = await planned({ timeoutMs: 2_000 })
    const updates = sims.changes.operations.filter(
      (op) => op._tag.startsWith("Update") || op._tag === "CancelAddition"
    ).length
    expect(updates).toBeGreaterThan(1)
    sims.cwSim.faults.hangNext({ method: "PATCH", template: ADDITION })
    sims.cwSim.faults.malformNext({ method: "PATCH", template: ADDITION })
    const report = await runLink("applyPlan", applyPlan(sims.deps, sims.changes, { runId: "run-1" }))
    expect(report.counts.failed).toBe(0)
    // The hung PATCH never landed and is sent again; the malformed one landed and is not.
    expect(sims.cwSim.requests.count("PATCH", ADDITION)).toBe(updates + 1)
  })

  it("gives up after three writes that each end unknown, never finding a duplicate", async () => {
    const sims = await planned()
    const before = additionCount(sims)
    const adds = sims.count("AddAddition")
    sims.cwSim.faults.failNext({ status: 500, method: "POST", template: ADDITIONS, count: 3 })
    // One write at a time, so the three failures meet one addition.
    const report = await runLink("applyPlan", applyPlan(sims.deps, sims.changes, { runId: "run-1", concurrency: 1 }))
    const failed = report.operations.filter((op) => op.status === "failed")
    expect(failed).toHaveLength(1)
    expect(failed[0]?.status === "failed" && failed[0].reason).toMatchObject({ _tag: "ConnectWise", status: 500 })
    expect(
      failed[0]?.status === "failed" && failed[0].reason._tag === "ConnectWise" && failed[0].reason.cause?.reason._tag
    ).toBe("AmbiguousWriteError")
    expect(additionCount(sims) - before).toBe(adds - 1)
    expect(sims.cwSim.requests.count("POST", ADDITIONS)).toBe(adds + 2)
  })
})
