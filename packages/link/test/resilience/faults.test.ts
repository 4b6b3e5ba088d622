/**
 * Faults: with about 10% 5xx and 10% 429 injected on both systems (the sandbox's seeded fault rules,
 * so every run fails the same requests), a full apply and a full transfer complete with the same end
 * state as on a sandbox without faults, and no 429 reaches a report.
 */
import { memoryTokenStore } from "@psa-ledger/exact-client"
import { type ChangePlan, plan } from "@psa-ledger/reconcile-core"
import type { FaultRule } from "@psa-ledger/sandbox"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { describe, expect, it } from "vitest"
import { runLink } from "../../src/internal/bridge.ts"
import { applyPlan } from "../../src/reconciliation/Apply.ts"
import { loadMonth } from "../../src/reconciliation/LoadMonth.ts"
import { runTransfer } from "../support/transfer.ts"
import {
  AGREEMENT_CONTACT,
  approveAll,
  clientsFor,
  connectWiseState,
  endpointOf,
  exactDocuments,
  exactState,
  LINK_ID,
  latestMonth,
  seedMappings,
  settingsFor,
  sourceFor,
  startServer,
  storageState,
  transferRange
} from "./harness.ts"

// A real HTTP server, two full runs and retries: well under a minute on an idle two-core machine, but
// a loaded CI box can take several times that. A limit, not a performance target (that is bench/).
const RESILIENCE_TIMEOUT_MS = 300_000

const FAULTS: ReadonlyArray<FaultRule> = (["connectwise", "exact"] as const).flatMap((system) => [
  { system, kind: "serverError" as const, status: 503, probability: 0.1 },
  { system, kind: "rateLimit" as const, probability: 0.1, retryAfterSeconds: 0 }
])

/**
 * The 15% mix on both systems: 429s with `Retry-After`, 5xx, dropped connections, timeouts (the
 * client gives up after 1.5 s; a bounded number, so the run stays short) and 2xx answers whose body
 * is cut in half after the request took effect.
 */
const FAULT_MIX: ReadonlyArray<FaultRule> = (["connectwise", "exact"] as const).flatMap((system) => [
  { system, kind: "rateLimit" as const, probability: 0.04, retryAfterSeconds: 0 },
  { system, kind: "serverError" as const, status: 503, probability: 0.03 },
  { system, kind: "drop" as const, probability: 0.02 },
  { system, kind: "timeout" as const, probability: 0.02, hangMs: 3_000, limit: 3 },
  { system, kind: "malformed" as const, probability: 0.04 }
])
// Long enough for any answer of the sandbox on a loaded machine; a request that takes longer is
// retried like a timeout, so the outcome does not depend on it.
const CLIENT_TIMEOUT_MS = 1_500
// The mix's seed: PSA_LEDGER_FAULT_SEED tries others.
const MIX_SEED = Number(process.env.PSA_LEDGER_FAULT_SEED ?? 77)

/** Loads the month, applies everything, then transfers the month — on one server. */
const fullRun = async (faults: ReadonlyArray<FaultRule>, fixedPlan?: ChangePlan, seed = 4242) => {
  const server = await startServer({ faults, seed })
  try {
    const { connectwise, exact } = clientsFor(
      endpointOf(server),
      memoryTokenStore(),
      faults.some((rule) => rule.kind === "timeout") ? { timeoutMs: CLIENT_TIMEOUT_MS } : {}
    )
    await exact.auth.exchangeCode(server.authorizationCode())
    const storage = memoryStorage()
    await seedMappings(storage.mappings)
    const settings = settingsFor()
    const loaded = await runLink(
      "loadMonth",
      loadMonth(
        { linkId: LINK_ID, source: sourceFor(exact), connectwise, mappings: storage.mappings, settings },
        latestMonth()
      )
    )
    const changes = fixedPlan ?? plan(loaded.rows, approveAll(loaded.rows), settings)
    const applied = await runLink(
      "applyPlan",
      applyPlan(
        {
          linkId: LINK_ID,
          connectwise,
          mappings: storage.mappings,
          journal: storage.journal,
          agreementContact: () => AGREEMENT_CONTACT
        },
        changes,
        { runId: "apply" }
      )
    )
    const transferred = await runTransfer(
      {
        linkId: LINK_ID,
        exact,
        connectwise,
        ledger: storage.transfers,
        journal: storage.journal,
        mappings: storage.mappings,
        settings
      },
      transferRange(),
      { runId: "transfer" }
    )
    return {
      changes,
      loadedRows: loaded.rows.length,
      applied,
      transferred,
      connectwise: connectWiseState(server),
      exact: exactState(server),
      documents: exactDocuments(server),
      storage: await storageState(storage, server),
      faultsHit: server.faults.log.length,
      faultKinds: server.faults.log.reduce<Record<string, number>>((acc, f) => {
        const key = `${f.system} ${f.kind}`
        acc[key] = (acc[key] ?? 0) + 1
        return acc
      }, {})
    }
  } finally {
    await server.close()
  }
}

let runs:
  | Promise<{ clean: Awaited<ReturnType<typeof fullRun>>; faulty: Awaited<ReturnType<typeof fullRun>> }>
  | undefined
const bothRuns = () => {
  runs ??= (async () => {
    const started = performance.now()
    const clean = await fullRun([])
    const faulty = await fullRun(FAULTS)
    const failures = faulty.transferred.invoices.flatMap((o) =>
      o.status === "failed" ? [`${o.number} ${o.step}: ${o.failure._tag}: ${o.failure.message}`] : []
    )
    process.stdout.write(
      `faults ${JSON.stringify(
        { faultsHit: faulty.faultKinds, failures, wallMs: Math.round(performance.now() - started) },
        null,
        2
      )}\n`
    )
    return { clean, faulty }
  })()
  return runs
}

describe("faults", () => {
  it(
    "with ~10% 5xx and ~10% 429 on both sides, load and apply end as without faults",
    async () => {
      const { clean, faulty } = await bothRuns()
      expect(faulty.faultsHit).toBeGreaterThan(20)
      expect(faulty.loadedRows).toBe(clean.loadedRows)
      expect(faulty.changes.operations.map((op) => op.idempotencyKey)).toEqual(
        clean.changes.operations.map((op) => op.idempotencyKey)
      )
      expect(faulty.applied.counts).toEqual(clean.applied.counts)
      expect(faulty.applied.counts.failed).toBe(0)
      // No 429 (nor anything else) reaches the report: every operation is done.
      expect(faulty.applied.operations.filter((o) => o.status !== "done")).toEqual([])
      expect(faulty.connectwise).toEqual(clean.connectwise)
      expect(faulty.connectwise.duplicateAdditions).toEqual([])
      expect(faulty.storage.mappings).toEqual(clean.storage.mappings)
    },
    RESILIENCE_TIMEOUT_MS
  )

  // A 503 on a POST (an invoice, its print, an account) is retried only after the client has looked
  // for what the POST would have made, so faults cost retries, never a failed or doubled invoice.
  it(
    "with ~10% 5xx and ~10% 429 on both sides, transfer ends as without faults",
    async () => {
      const { clean, faulty } = await bothRuns()
      expect(faulty.transferred.invoices.filter((o) => o.status === "failed")).toEqual([])
      expect(faulty.transferred.counts).toEqual(clean.transferred.counts)
      expect(faulty.transferred.counts.failed).toBe(0)
      expect(faulty.exact.invoices).toEqual(clean.exact.invoices)
      expect(faulty.exact.duplicateInvoices).toEqual([])
      expect(faulty.exact.accounts).toEqual(clean.exact.accounts)
      // Each booked invoice's PDF once: one document of ours with one file, as without faults.
      expect(Object.keys(clean.documents)).toHaveLength(clean.transferred.counts.created)
      expect(Object.values(clean.documents).every((d) => d.documents === 1 && d.attachments === 1)).toBe(true)
      expect(faulty.documents).toEqual(clean.documents)
      expect(faulty.storage).toEqual(clean.storage)
    },
    RESILIENCE_TIMEOUT_MS
  )

  it(
    "with a 15% mix of 429s, 5xx, drops, timeouts and truncated bodies on both sides, load, apply and transfer end as without faults",
    async () => {
      const { clean } = await bothRuns()
      const mixed = await fullRun(FAULT_MIX, undefined, MIX_SEED)
      process.stdout.write(`fault mix ${JSON.stringify(mixed.faultKinds, null, 2)}\n`)
      expect(mixed.faultKinds["connectwise malformed"] ?? 0).toBeGreaterThan(0)
      expect(mixed.faultKinds["exact malformed"] ?? 0).toBeGreaterThan(0)
      expect(mixed.loadedRows).toBe(clean.loadedRows)
      expect(mixed.changes.operations.map((op) => op.idempotencyKey)).toEqual(
        clean.changes.operations.map((op) => op.idempotencyKey)
      )
      // Nothing reaches a report: no 429, no broken body, no raw error.
      expect(mixed.applied.operations.filter((o) => o.status !== "done")).toEqual([])
      expect(mixed.transferred.invoices.filter((o) => o.status === "failed")).toEqual([])
      expect(mixed.transferred.counts).toEqual(clean.transferred.counts)
      // The same end state, record for record, with nothing written twice.
      expect(mixed.connectwise).toEqual(clean.connectwise)
      expect(mixed.connectwise.duplicateAdditions).toEqual([])
      expect(mixed.exact.invoices).toEqual(clean.exact.invoices)
      expect(mixed.exact.duplicateInvoices).toEqual([])
      expect(mixed.exact.accounts).toEqual(clean.exact.accounts)
      expect(mixed.documents).toEqual(clean.documents)
      expect(mixed.storage).toEqual(clean.storage)
    },
    RESILIENCE_TIMEOUT_MS
  )
})
