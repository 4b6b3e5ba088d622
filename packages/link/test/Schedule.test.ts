import { describe, expect, it } from "@effect/vitest"
import { makeMemoryRunStore } from "@psa-ledger/reconcile-core"
import {
  Jobs,
  LinkError,
  makeRunner,
  makeRuns,
  type SchedulableLink,
  type ScheduledRunOptions,
  type SchedulerEvent
} from "../src/index.ts"
import { inProcessScheduler } from "../src/schedule/index.ts"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A link whose every job takes `ms`, run through a real runner, tracking overlap. */
const slowLink = (id: string, ms: number) => {
  const store = makeMemoryRunStore()
  const runner = makeRunner({ store })
  let active = 0
  let maxActive = 0
  const calls: Array<{ job: string; options: ScheduledRunOptions }> = []
  const link: SchedulableLink = {
    id,
    run: async (job, options) => {
      calls.push({ job, options })
      const result = await runner.run(
        { linkId: id, job, trigger: options.trigger, signal: options.signal, note: options.note },
        async (ctx) => {
          active++
          maxActive = Math.max(maxActive, active)
          try {
            await Promise.race([sleep(ms), new Promise((resolve) => ctx.signal.addEventListener("abort", resolve))])
            ctx.count("done")
          } finally {
            active--
          }
        }
      )
      return result.run
    }
  }
  return { link, calls, store, maxActive: () => maxActive }
}

describe("inProcessScheduler", () => {
  it("fires on its cron expression and stops", async () => {
    const { link, calls } = slowLink("link-1", 1)
    const scheduler = inProcessScheduler()
    const job = scheduler.schedule(link, { cron: "* * * * * *", job: Jobs.transfer })
    expect(job.nextRun()).toBeInstanceOf(Date)
    await sleep(2_200)
    await scheduler.stop()
    const fired = calls.length
    expect(fired).toBeGreaterThanOrEqual(1)
    expect(calls[0]?.options.trigger).toBe("schedule")
    await sleep(1_100)
    expect(calls.length).toBe(fired)
  })

  it("skips an occurrence while the link is running, and says so", async () => {
    const { link, calls, maxActive } = slowLink("link-1", 150)
    const events: Array<SchedulerEvent> = []
    const scheduler = inProcessScheduler({ onEvent: (event) => events.push(event) })
    const transfer = scheduler.schedule(link, { cron: "0 0 1 1 *", job: Jobs.transfer })
    const payments = scheduler.schedule(link, { cron: "0 0 1 1 *", job: Jobs.syncPayments })
    const first = transfer.fire()
    expect(scheduler.running("link-1")).toBe(Jobs.transfer)
    await payments.fire()
    await first
    expect(calls.map((call) => call.job)).toEqual([Jobs.transfer])
    expect(events.map((event) => event._tag)).toEqual(["Started", "Skipped", "Finished"])
    expect(events[1]).toMatchObject({ message: "skipped: transfer.run of link link-1 is still running" })
    expect(maxActive()).toBe(1)
    await scheduler.stop()
  })

  it("queues an occurrence behind the running one and notes it in the run's log", async () => {
    const { link, calls, store, maxActive } = slowLink("link-1", 100)
    const events: Array<SchedulerEvent> = []
    const scheduler = inProcessScheduler({ overlap: "queue", onEvent: (event) => events.push(event) })
    const transfer = scheduler.schedule(link, { cron: "0 0 1 1 *", job: Jobs.transfer })
    const payments = scheduler.schedule(link, { cron: "0 0 1 1 *", job: Jobs.syncPayments })
    const other = slowLink("link-2", 100)
    const elsewhere = scheduler.schedule(other.link, { cron: "0 0 1 1 *", job: Jobs.transfer })
    await Promise.all([transfer.fire(), payments.fire(), payments.fire(), elsewhere.fire()])
    expect(calls.map((call) => call.job)).toEqual([Jobs.transfer, Jobs.syncPayments])
    expect(other.calls).toHaveLength(1)
    expect(maxActive()).toBe(1)
    expect(events.filter((event) => event.linkId === "link-1").map((event) => event._tag)).toEqual([
      "Started",
      "Queued",
      "Skipped",
      "Finished",
      "Started",
      "Finished"
    ])
    const runs = makeRuns(store)
    const [latest] = await runs.list("link-1", { limit: 1 })
    expect(latest?.job).toBe(Jobs.syncPayments)
    const text = await runs.log("link-1", latest?.id ?? "").text()
    expect(text).toMatch(
      /INFO {2}queued behind transfer\.run of this link, which was still running; started \d+ ms late/
    )
    await scheduler.stop()
  })

  it("stop({ abort: true }) cancels the running run", async () => {
    const { link, store } = slowLink("link-1", 10_000)
    const scheduler = inProcessScheduler()
    const job = scheduler.schedule(link, { cron: "0 0 1 1 *", job: Jobs.transfer })
    void job.fire()
    await sleep(20)
    await scheduler.stop({ abort: true })
    const [run] = await makeRuns(store).list("link-1")
    expect(run?.status).toBe("cancelled")
    expect(job.nextRun()).toBeUndefined()
  })

  it("refuses a bad cron expression with a typed error naming it", () => {
    const scheduler = inProcessScheduler()
    const { link } = slowLink("link-1", 1)
    let error: unknown
    try {
      scheduler.schedule(link, { cron: "every tuesday", job: Jobs.transfer })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(LinkError)
    expect((error as LinkError).message).toMatch(/^InvalidInput: Schedule link-1\/transfer\.run\.cron: "every tuesday"/)
  })
})
