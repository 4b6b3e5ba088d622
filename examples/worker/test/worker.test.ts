// One process, real PostgreSQL: retries and the dead letter mailed once, a manual "play" through the
// queue, and the planner's rules (a bad schedule skipped alone, a disabled schedule not caught up).
import { afterAll, describe, expect, it } from "@effect/vitest"
import { retryPolicy } from "@psa-ledger/link/pg-boss"
import type { DueSchedule as WorkerSchedule } from "@psa-ledger/link/schedule"
import pg from "pg"
import { alertOf } from "../src/options.ts"
import { type JobRequest, startWorker, type Worker } from "../src/Worker.ts"
import { until } from "./support/children.ts"
import { dropSchemas, prefix, reachable, url } from "./support/pg.ts"
import { startSmtp } from "./support/smtp.ts"

const base = prefix("inproc")

describe.skipIf(!reachable)("a worker in this process", () => {
  const workers: Array<Worker> = []
  afterAll(async () => {
    for (const worker of workers) await worker.stop({ graceMs: 1_000 })
    await dropSchemas(base)
  })

  const start = async (
    schema: string,
    options: {
      readonly runJob: (request: JobRequest) => Promise<{ status: string }>
      readonly schedules?: () => Promise<ReadonlyArray<WorkerSchedule>>
      readonly now?: () => number
      readonly alert?: Parameters<typeof startWorker>[0]["alert"]
      readonly concurrency?: number
      readonly retryLimit?: number
    }
  ) => {
    const worker = await startWorker({
      name: `in-${workers.length}`,
      queue: {
        connectionString: url,
        schema,
        pollingSeconds: 0.5,
        heartbeatSeconds: 10,
        superviseSeconds: 1,
        retries: retryPolicy({ "*": { limit: options.retryLimit ?? 2, delaySeconds: 0 } })
      },
      schedules: options.schedules ?? (async () => []),
      runJob: options.runJob,
      clock: { now: options.now ?? (() => 0) },
      // Planned by hand (`tick()`) in these tests.
      tickMs: 3_600_000,
      concurrency: options.concurrency ?? 2,
      alert: options.alert
    })
    workers.push(worker)
    return worker
  }

  it("retries a failing job, dead-letters it after the last try and mails that once", async () => {
    const smtp = await startSmtp()
    try {
      const attempts: Array<JobRequest> = []
      const alert = await alertOf({ "alert-to": ["ops@msp.example"], smtp: `smtp://127.0.0.1:${smtp.port}` })
      const worker = await start(`${base}_dead`, {
        alert,
        runJob: async (request) => {
          attempts.push(request)
          if (request.job === "transfer.run") throw new Error("ConnectWise answered 503")
          request.onStart(`beta-run-${request.attempt}`)
          return { status: "failed" }
        }
      })
      await worker.queue.play("acme", "transfer.run", "tester")
      await worker.queue.play("beta", "transfer.syncPayments", "tester")
      await until("both dead letters mailed", async () => (smtp.received.length >= 2 ? true : undefined))
      expect(attempts.filter((a) => a.linkId === "acme").map((a) => [a.attempt, a.resume, a.trigger])).toEqual([
        [1, false, "manual"],
        [2, true, "manual"],
        [3, true, "manual"]
      ])
      // Each retry is told the runs its earlier attempts started (a run that threw before it started has none).
      expect(attempts.filter((a) => a.linkId === "beta").map((a) => a.earlierRuns)).toEqual([
        [],
        ["beta-run-1"],
        ["beta-run-1", "beta-run-2"]
      ])
      expect(attempts.filter((a) => a.linkId === "acme").map((a) => a.earlierRuns)).toEqual([[], [], []])
      expect(attempts[0]?.note).toMatch(/played by tester; worker in-\d+, queue job \S+, attempt 1 of 3/)
      const text = worker.metrics.text()
      expect(text).toContain('psa_ledger_jobs_failed_total{job="transfer.run"} 3')
      expect(text).toContain('psa_ledger_jobs_retried_total{job="transfer.run"} 2')
      expect(text).toContain('psa_ledger_jobs_dead_total{job="transfer.run"} 1')
      // Once per job, not per try: wait for the queues to settle, then count again.
      const db = new pg.Client({ connectionString: url })
      await db.connect()
      await until("no job left to work", async () => {
        const r = await db.query(`select 1 from ${base}_dead.job where state in ('created', 'retry', 'active')`)
        return r.rowCount === 0 ? true : undefined
      })
      await db.end()
      expect(smtp.received.map((m) => m.to)).toEqual([["ops@msp.example"], ["ops@msp.example"]])
      // Long headers are folded over lines: unfold them before reading the subject.
      expect(smtp.received.map((m) => /Subject: (.*)/.exec(m.raw.replace(/\r?\n[ \t]+/g, " "))?.[1]).sort()).toEqual([
        "psa-ledger: transfer.run for link acme failed its last try",
        "psa-ledger: transfer.syncPayments for link beta failed its last try"
      ])
    } finally {
      await smtp.close()
    }
  })

  it("runs manual plays of one link one after another through the queue, other links beside them", async () => {
    const active = new Map<string, number>()
    let most = 0
    const ran: Array<string> = []
    const worker = await start(`${base}_play`, {
      concurrency: 4,
      runJob: async (request) => {
        const now = (active.get(request.linkId) ?? 0) + 1
        active.set(request.linkId, now)
        most = Math.max(most, now)
        await new Promise((resolve) => setTimeout(resolve, 30))
        active.set(request.linkId, now - 1)
        ran.push(request.linkId)
        return { status: "succeeded" }
      }
    })
    for (let i = 0; i < 4; i++) {
      await worker.queue.play("acme", "transfer.run")
      await worker.queue.play("beta", "transfer.run")
    }
    await until("eight runs", async () => (ran.length >= 8 ? true : undefined))
    expect(most).toBe(1)
    expect(ran.filter((l) => l === "acme")).toHaveLength(4)
    expect(worker.metrics.text()).toContain('psa_ledger_jobs_finished_total{job="transfer.run",status="succeeded"} 8')
  })

  it("hands a job running at shutdown back to the queue without using up a try", async () => {
    const schema = `${base}_handback`
    const first: Array<JobRequest> = []
    // No retries at all: were the hand-back a failure, the job would be dead-lettered, never resumed.
    const stopping = await start(schema, {
      retryLimit: 0,
      runJob: async (request) => {
        first.push(request)
        await new Promise<void>((resolve) => request.signal.addEventListener("abort", () => resolve(), { once: true }))
        return { status: "cancelled" }
      }
    })
    const id = await stopping.queue.play("acme", "transfer.run", "tester")
    await until("the first attempt to start", async () => (first.length === 1 ? true : undefined))
    await stopping.stop({ graceMs: 1_000 })
    expect(first[0]?.signal.aborted).toBe(true)
    const db = new pg.Client({ connectionString: url })
    await db.connect()
    const row = async () =>
      (
        await db.query<{ state: string; retry_count: number; retry_limit: number }>(
          `select state, retry_count, retry_limit from "${schema}".job where id = $1`,
          [id]
        )
      ).rows[0]
    try {
      // Back in the queue, with the try the first attempt did not finish given back.
      expect(await row()).toEqual({ state: "created", retry_count: 0, retry_limit: 1 })
      expect(stopping.metrics.text()).toContain('psa_ledger_jobs_handed_back_total{job="transfer.run"} 1')
      expect(stopping.metrics.text()).not.toContain('psa_ledger_jobs_failed_total{job="transfer.run"}')

      const second: Array<JobRequest> = []
      const resuming = await start(schema, {
        retryLimit: 0,
        runJob: async (request) => {
          second.push(request)
          return { status: "succeeded" }
        }
      })
      await until("the job to finish on the other worker", async () =>
        (await row())?.state === "completed" ? true : undefined
      )
      // Told it resumes an unfinished attempt; as many tries left as it had (none after this one).
      expect(second.map((r) => [r.attempt, r.attempts, r.resume, r.trigger])).toEqual([[2, 2, true, "manual"]])
      const dead = await db.query(`select 1 from "${schema}".job where name = $1`, [resuming.queue.deadQueue])
      expect(dead.rowCount).toBe(0)
    } finally {
      await db.end()
    }
  })

  it("plans each schedule from the clock, skips a bad one alone, and does not catch up a disabled one", async () => {
    let now = Date.parse("2026-05-01T00:00:00Z")
    const hourly = { linkId: "acme", job: "transfer.syncPayments", cron: "0 * * * *", timeZone: "UTC" }
    const bad = { linkId: "beta", job: "transfer.run", cron: "0 * * * *", timeZone: "Mars/Olympus" }
    let listed: ReadonlyArray<WorkerSchedule> = [hourly, bad]
    const ran: Array<string> = []
    const worker = await start(`${base}_plan`, {
      now: () => now,
      schedules: async () => listed,
      runJob: async (request) => {
        ran.push(`${request.linkId} ${request.dueAt}`)
        return { status: "succeeded" }
      }
    })
    await worker.tick()
    now += 3 * 3_600_000
    expect(await worker.tick()).toBe(3)
    // A second planner over the same window enqueues nothing more.
    expect(await worker.tick()).toBe(0)
    await until("three runs", async () => (ran.length >= 3 ? true : undefined))
    // Disabled for a day, then enabled again: it starts from then, the day is not owed.
    listed = [bad]
    await worker.tick()
    now += 24 * 3_600_000
    await worker.tick()
    listed = [hourly, bad]
    await worker.tick()
    now += 3_600_000
    expect(await worker.tick()).toBe(1)
    await until("four runs", async () => (ran.length >= 4 ? true : undefined))
    // A week on (the hourly schedule disabled, so nothing new falls due) the old rows are pruned.
    now += 8 * 24 * 3_600_000
    listed = [bad]
    await worker.tick()
    const db = new pg.Client({ connectionString: url })
    await db.connect()
    const left = await db.query(`select due_at from ${base}_plan.psa_ledger_occurrence`)
    await db.end()
    expect(left.rowCount).toBe(0)
    // Occurrences enqueued in one tick may run in either order: what counts is each once.
    expect([...ran].sort()).toEqual([
      "acme 2026-05-01T01:00:00.000Z",
      "acme 2026-05-01T02:00:00.000Z",
      "acme 2026-05-01T03:00:00.000Z",
      "acme 2026-05-02T04:00:00.000Z"
    ])
  })
})
