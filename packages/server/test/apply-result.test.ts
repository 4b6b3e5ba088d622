import { NewLogEntry, RunStore } from "@psa-ledger/reconcile-core"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { describe, expect, it } from "vitest"
import { client, connectedLink, openWorld, until } from "./support.ts"

type Result = {
  runStatus: string
  counts: Record<string, number>
  reported: boolean
  operations: Array<{
    key: string
    op: string
    status: string
    message?: string
    field?: string
    error?: { _tag?: string; status?: number }
  }>
}

/** Storage whose run logs say everything in other words (another release, another language). */
const rewordedLogs = () => {
  const storage = memoryStorage()
  const runs = RunStore.of({
    ...storage.runs,
    append: (linkId, runId, entries) =>
      storage.runs.append(
        linkId,
        runId,
        entries.map((e, i) => new NewLogEntry({ ...e, message: `regel ${i}: ${e.message.length} tekens` }))
      )
  })
  return Object.assign(Object.create(Object.getPrototypeOf(storage)), storage, { runs }) as typeof storage
}

describe("apply result", () => {
  it.each([
    ["the run's log as written", () => undefined],
    ["a log worded otherwise", rewordedLogs]
  ])(
    "reads an apply run's result per operation from its typed report (%s): applied, failed with its reason and field, already done; filterable",
    async (_, storage) => {
      const made = storage()
      const w = await openWorld(made === undefined ? {} : { storage: made })
      const _ann = await connectedLink(w)
      const fin = client(w.server)
      await fin.signIn("fin")
      const month = (await fin.get("/links/acme/months")).body.months[0] as string
      await fin.post(`/links/acme/months/${month}/load`)
      await until(async () => (await fin.get(`/links/acme/months/${month}`)).body.state === "ready", "the month")
      const grid = await fin.get(`/links/acme/months/${month}/grid?state=deviation&limit=1000`)
      const decisions = Object.fromEntries(
        (grid.body.rows as Array<{ row: { key: string } }>).map((r) => [r.row.key, { approve: "all" }])
      )
      await fin.put(`/links/acme/months/${month}/draft`, { version: 0, decisions })
      const preview = (await fin.post(`/links/acme/months/${month}/plan`)).body
      const planned = preview.plan.operations as Array<{
        _tag: string
        idempotencyKey: string
      }>
      // The summary alone is the same summary of the same draft, without the operations.
      const summaryOnly = await fin.post(`/links/acme/months/${month}/plan/summary`)
      expect(summaryOnly.status).toBe(200)
      expect(summaryOnly.body).toEqual({ month, draftVersion: preview.draftVersion, summary: preview.summary })
      const updates = planned.filter((op) => op._tag.startsWith("UpdateAddition"))
      expect(updates.length).toBeGreaterThan(1)

      // ConnectWise refuses the first addition update (a 400: not retried, the operation fails).
      w.sandbox.faults.add({
        kind: "serverError",
        status: 400,
        errors: [{ code: "InvalidField", field: "quantity", message: "quantity must be whole" }],
        system: "connectwise",
        method: "PATCH",
        path: "/finance/agreements/*/additions/*",
        limit: 1
      })
      const applyOnce = async () => {
        const started = await fin.post(`/links/acme/months/${month}/apply`, { version: 1 })
        expect(started.status).toBe(202)
        const runId = started.body.runId as string
        await until(async () => (await fin.get(`/links/acme/runs/${runId}`)).body.status !== "running", "the run")
        const result = await fin.get(`/links/acme/months/${month}/apply/${runId}`)
        expect(result.status).toBe(200)
        return { runId, result: result.body as Result }
      }

      const first = await applyOnce()
      expect(first.result.operations.map((o) => o.key).sort()).toEqual(planned.map((op) => op.idempotencyKey).sort())
      expect(first.result.counts.failed).toBe(1)
      const failed = first.result.operations.find((o) => o.status === "failed")
      expect(failed?.op).toMatch(/^UpdateAddition/)
      expect(failed?.error?._tag).toBe("ConnectWise")
      expect(failed?.error?.status).toBe(400)
      expect(failed?.field).toBe("quantity")
      expect(failed?.message).toContain("400")
      expect(first.result.reported).toBe(true)
      expect(first.result.counts.applied).toBe(
        planned.length - 1 - (first.result.counts.skipped ?? 0) - (first.result.counts["already-done"] ?? 0)
      )
      expect(first.result.counts.applied).toBeGreaterThan(0)

      const onlyFailed = await fin.get(`/links/acme/months/${month}/apply/${first.runId}?status=failed`)
      expect(onlyFailed.body.operations).toEqual([failed])
      expect((await fin.get(`/links/acme/months/${month}/apply/${first.runId}?status=nope`)).status).toBe(400)

      // Applying the same plan again: what went through is already done, the failed one goes through now.
      const second = await applyOnce()
      const byKey = new Map(second.result.operations.map((o) => [o.key, o.status]))
      expect(byKey.get(failed?.key ?? "")).toBe("applied")
      for (const o of first.result.operations.filter((x) => x.status === "applied")) {
        expect(byKey.get(o.key), o.key).toBe("already-done")
      }
      expect(second.result.counts.failed).toBe(0)

      // Not an apply run of the month: 404; a viewer may read the result.
      expect((await fin.get(`/links/acme/months/${month}/apply/nope`)).status).toBe(404)
      const vic = client(w.server)
      await vic.signIn("vic")
      expect((await vic.get(`/links/acme/months/${month}/apply/${first.runId}`)).status).toBe(200)
    }
  )
})
