import { LinkSettings, TransferSettings } from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { runTransfer } from "../support/transfer.ts"
import { createWorld, DIVISION, useMsw } from "./world.ts"

useMsw()

const JANUARY = { from: "2026-01-01", to: "2026-02-01" }

/** The small world in entry mode: numbers INV-1001… give entry numbers 1001…. */
const entryWorld = async () => {
  const world = await createWorld()
  // Entry mode with the documented default, createAccounts: "ask".
  const { createAccounts: _auto, ...transfer } = world.deps.settings.transfer!
  const settings = new LinkSettings({
    transfer: new TransferSettings({ ...transfer, mode: "entry", entryNumberPattern: "^INV-(\\d+)$" })
  })
  return { ...world, deps: { ...world.deps, settings } }
}

describe("runTransfer in entry mode", () => {
  it("reports totalDiffers with both amounts when Exact books another total, and books it once", async () => {
    const world = await entryWorld()
    // Exact answering with another amount than the lines it was sent (as it would if it ignored
    // the VAT amounts): the check after the booking must catch it.
    const exact = world.deps.exact
    const deps = {
      ...world.deps,
      exact: {
        ...exact,
        createSalesEntry: async (...args: Parameters<typeof exact.createSalesEntry>) => {
          const booked = await exact.createSalesEntry(...args)
          return { ...booked, entry: { ...booked.entry, AmountFC: "1.00" } }
        }
      }
    }
    const report = await runTransfer(deps, JANUARY, { runId: "run-1" })
    expect(report.counts).toMatchObject({ created: 0, totalDiffers: 2, blocked: 2, failed: 0 })
    const differs = report.invoices.find((o) => o.number === "INV-1001")
    expect(differs).toMatchObject({ status: "totalDiffers", exactTotal: "1.00", connectwiseTotal: "138.38" })
    const again = await runTransfer(deps, JANUARY, { runId: "run-2" })
    expect(again.counts).toMatchObject({ created: 0, totalDiffers: 0, alreadyTransferred: 2 })
    expect(world.exactSim.records(DIVISION, "SalesEntries")).toHaveLength(2)
  })

  it("asks before creating an account; once approved, creates it with the next free code and remembers it", async () => {
    const world = await entryWorld()
    const newCompany = world.companies[3]!
    const accounts = () => world.exactSim.records(DIVISION, "Accounts").length
    const before = accounts()
    const first = await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    const waiting = first.invoices.find((o) => o.number === "INV-1002")
    expect(waiting).toMatchObject({ status: "blocked", codes: ["NeedsCustomer"] })
    expect(accounts()).toBe(before)
    const approved = await runTransfer(world.deps, JANUARY, {
      runId: "run-2",
      approveAccounts: [newCompany.id as number]
    })
    expect(approved.invoices.find((o) => o.number === "INV-1002")?.status).toBe("created")
    expect(accounts()).toBe(before + 1)
    const created = world.exactSim.records(DIVISION, "Accounts").at(-1)!
    expect(String(created.Code).trim()).toBe("100000")
    const mappings = await Effect.runPromise(world.storage.mappings.list("link-flowb"))
    expect(mappings.some((m) => m.kind === "customer" && m.targetId === newCompany.id)).toBe(true)
    const third = await runTransfer(world.deps, JANUARY, { runId: "run-3" })
    expect(third.counts.created).toBe(0)
    expect(accounts()).toBe(before + 1)
  })

  it("booked and in the ledger, the journal not told (a kill between): the next run closes the entry's journal entry", async () => {
    const world = await entryWorld()
    const journal = world.deps.journal
    // The process dies after the ledger heard of each booking and before the journal did, as a
    // SIGKILL can: the bookings' and attachments' entries stay "started".
    const dying = {
      ...world.deps,
      journal: {
        ...journal,
        complete: (...args: Parameters<typeof journal.complete>) =>
          /^(CreateSalesEntry|AttachPdf):/.test(args[1]) ? Effect.void : journal.complete(...args)
      }
    }
    const statuses = async () =>
      (await Effect.runPromise(world.storage.journal.list("link-flowb")))
        .filter((entry) => /^(CreateSalesEntry|AttachPdf):/.test(entry.opKey))
        .map((entry) => `${entry.opKey.split(":")[0]} ${entry.status}`)
        .sort()
    const first = await runTransfer(dying, JANUARY, { runId: "run-1" })
    expect(first.counts).toMatchObject({ created: 2, failed: 0 })
    const booked = world.exactSim.records(DIVISION, "SalesEntries").length
    expect(await statuses()).toEqual([
      "AttachPdf started",
      "AttachPdf started",
      "CreateSalesEntry started",
      "CreateSalesEntry started"
    ])

    const second = await runTransfer(world.deps, JANUARY, { runId: "run-2" })
    expect(second.counts).toMatchObject({ created: 0, alreadyTransferred: 2, failed: 0 })
    expect(world.exactSim.records(DIVISION, "SalesEntries")).toHaveLength(booked)
    expect(await statuses()).toEqual([
      "AttachPdf done",
      "AttachPdf done",
      "CreateSalesEntry done",
      "CreateSalesEntry done"
    ])
  })
})
