/**
 * Confirming a customer suggestion on the portal's sandbox world (seed 7, 25 customers) while
 * approving every deviation. On the portal one approved unit cost change (agreement 3012, 1.06 →
 * 0.95) seemed to get no operation: confirming the customer linked its row to the same agreement
 * and product, diff summed the two rows, and the change is planned once, on the group's first row
 * (the operation's rowKeys name only that row). Every approved change must be planned for its row,
 * for the group it was summed into, or reported with its reason (never silently dropped).
 */
import { memoryTokenStore } from "@psa-ledger/exact-client"
import {
  Decisions,
  LinkSettings,
  makeMemoryMappingStore,
  NewAgreementSettings,
  planConfirmed,
  type ReconciliationRow,
  RowDecision,
  UseTarget
} from "@psa-ledger/reconcile-core"
import { createWorld, startSandboxServer } from "@psa-ledger/sandbox"
import { DateTime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runLink } from "../../src/internal/bridge.ts"
import { loadMonth } from "../../src/reconciliation/LoadMonth.ts"
import { clientsFor, endpointOf, sourceFor } from "../resilience/harness.ts"

// The portal's sandbox world and link settings (examples/portal/src/server/world.ts).
const world = createWorld({ seed: 7, customers: 25, products: 6, months: 3 })
const managed = world.connectwise.agreementTypes[0]
const settings = new LinkSettings({
  compare: "unitCost",
  proposeCancellations: true,
  ...(managed === undefined
    ? {}
    : { newAgreement: new NewAgreementSettings({ typeId: managed.id, name: "Managed Services {customer}" }) })
})
const CHANGES = new Set([
  "QuantityDiffers",
  "UnitCostDiffers",
  "UnitPriceDiffers",
  "AdditionMissing",
  "AdditionNotInvoiced"
])

let server: Awaited<ReturnType<typeof startSandboxServer>>
beforeAll(async () => {
  server = await startSandboxServer({ world, exact: { minutelyLimit: 1_000_000, dailyLimit: 1_000_000 } })
})
afterAll(async () => {
  await server.close()
})

describe("confirming a suggestion while approving every deviation (portal world)", () => {
  it("plans every approved change or reports why not, for each suggestion confirmed", async () => {
    const { connectwise, exact } = clientsFor(endpointOf(server), memoryTokenStore())
    await exact.auth.exchangeCode(server.authorizationCode())
    const grid = await runLink(
      "loadMonth",
      loadMonth(
        { linkId: "demo", source: sourceFor(exact, world), connectwise, mappings: makeMemoryMappingStore(), settings },
        world.meta.latestPeriod
      )
    )
    const suggested = grid.rows.filter(
      (row) => row.customerResolution._tag === "Suggested" && row.customerResolution.candidates.length > 0
    )
    expect(suggested.length).toBeGreaterThan(0)
    const withChanges = (row: ReconciliationRow) => row.deviations.some((deviation) => CHANGES.has(deviation._tag))
    const approved = grid.rows.filter(withChanges)
    let viaGroup = 0
    for (const row of suggested) {
      const candidate = row.customerResolution._tag === "Suggested" ? row.customerResolution.candidates[0] : undefined
      const decisions = new Decisions({
        linkId: "demo",
        decidedBy: "finance@msp.example",
        decidedAt: DateTime.makeUnsafe("2025-03-02T10:00:00Z"),
        rows: {
          ...Object.fromEntries(approved.map((r) => [r.key, new RowDecision({ approve: "all" })])),
          [row.key]: new RowDecision({
            approve: "all",
            customer: new UseTarget({ targetId: candidate?.targetId ?? 0 })
          })
        }
      })
      const { plan, rows: after } = planConfirmed(grid, decisions, settings, grid.diffOptions)
      const served = new Set(plan.operations.filter((op) => op._tag !== "RememberMapping").flatMap((op) => op.rowKeys))
      const reported = new Set(plan.skipped.map((skipped) => skipped.rowKey))
      // A row summed with others is compared, and planned, on the group's first row.
      const headOf = (key: string) =>
        after
          .find((r) => r.key === key)
          ?.notices.find((notice) => notice.code === "combined-rows" && notice.message.startsWith("summed with row "))
          ?.message.slice("summed with row ".length)
          .split(", where")[0]
      for (const r of approved) {
        if (served.has(r.key) || reported.has(r.key)) continue
        const head = headOf(r.key)
        // Nothing approved is silently dropped: planned for the row, for its group's first row, or reported.
        expect(
          head === undefined ? false : served.has(head),
          `confirming ${row.key} → #${candidate?.targetId}: ${r.key}`
        ).toBe(true)
        // The group's operation makes the approved row's changes, with the values derived again.
        for (const deviation of r.deviations) {
          if (deviation._tag !== "UnitCostDiffers") continue
          const made = plan.operations.find(
            (op) =>
              op._tag === "UpdateAdditionUnitCost" &&
              op.rowKeys.includes(head ?? "") &&
              op.agreementId === deviation.agreementId
          )
          expect(made?._tag, r.key).toBe("UpdateAdditionUnitCost")
        }
        viaGroup++
      }
    }
    // The case seen on the portal (an approved unit cost change on agreement 3012 whose operation
    // serves the confirmed customer's row): at least one approved row is planned through its group.
    expect(viaGroup).toBeGreaterThan(0)
    process.stdout.write(
      `confirmed suggestions: ${suggested.length}; approved rows planned through the group they were summed into: ${viaGroup}\n`
    )
  }, 120_000)
})
