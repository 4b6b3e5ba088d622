import { makeMemoryRunLeases, makeMemoryRunStore, Run } from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { LinkError, makeRunner } from "../src/index.ts"

const sequentialIds = () => {
  let n = 0
  return () => `run-${++n}`
}

const deferred = () => {
  let resolve: () => void = () => undefined
  const promise = new Promise<void>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

describe("one run per link", () => {
  it("refuses a second run of a link while one runs, naming the holder; other links run", async () => {
    const store = makeMemoryRunStore()
    const runner = makeRunner({ store, leases: makeMemoryRunLeases(), ids: sequentialIds() })
    const release = deferred()
    const started = deferred()
    const first = runner.run({ linkId: "link-1", job: "reconciliation.apply" }, async () => {
      started.resolve()
      await release.promise
      return "first"
    })
    await started.promise
    const second = await runner.run({ linkId: "link-1", job: "transfer.run" }, async () => "second").catch((e) => e)
    expect(second).toBeInstanceOf(LinkError)
    expect((second as LinkError).reason).toMatchObject({ _tag: "Busy", holder: "run-1" })
    expect((second as LinkError).message).toContain("run-1 (reconciliation.apply)")
    // The refused run left no trace in the history.
    expect((await Effect.runPromise(store.list("link-1"))).map((r) => r.id)).toEqual(["run-1"])
    const other = await runner.run({ linkId: "link-2", job: "transfer.run" }, async () => "other")
    expect(other.status).toBe("succeeded")
    release.resolve()
    expect((await first).value).toBe("first")
    // Released at the end: the link runs again.
    expect((await runner.run({ linkId: "link-1", job: "transfer.run" }, async () => "again")).value).toBe("again")
  })

  it("waits for the holder when asked, then runs", async () => {
    const runner = makeRunner({ store: makeMemoryRunStore(), leases: makeMemoryRunLeases(), ids: sequentialIds() })
    const release = deferred()
    const started = deferred()
    const order: Array<string> = []
    const first = runner.run({ linkId: "link-1", job: "reconciliation.apply" }, async () => {
      started.resolve()
      await release.promise
      order.push("first")
    })
    await started.promise
    const second = runner.run({ linkId: "link-1", job: "transfer.run", wait: true }, async () => {
      order.push("second")
    })
    release.resolve()
    await first
    expect((await second).status).toBe("succeeded")
    expect(order).toEqual(["first", "second"])
  })

  it("marks the run of a dead process abandoned when its lease has passed, and takes the link", async () => {
    const store = makeMemoryRunStore()
    const leases = makeMemoryRunLeases()
    const past = DateTime.makeUnsafe("2026-11-01T09:00:00Z")
    await Effect.runPromise(
      store.create(
        "link-1",
        new Run({
          id: "dead",
          job: "transfer.run",
          trigger: "schedule",
          status: "running",
          startedAt: past,
          counts: {}
        })
      )
    )
    await Effect.runPromise(
      leases.acquire("link-1", {
        runId: "dead",
        job: "transfer.run",
        at: past,
        until: DateTime.add(past, { minutes: 1 })
      })
    )
    const runner = makeRunner({ store, leases, ids: sequentialIds() })
    const result = await runner.run({ linkId: "link-1", job: "transfer.run" }, async () => "resumed work")
    expect(result.status).toBe("succeeded")
    const dead = Option.getOrThrow(await Effect.runPromise(store.get("link-1", "dead")))
    expect(dead.status).toBe("abandoned")
    expect(dead.finishedAt).toBeDefined()
    expect(dead.summary).toContain("stopped renewing the link's lease")
    expect(dead.summary).toContain("run-1")
  })

  it("writes the log in batches of 100 while the run goes on", async () => {
    const store = makeMemoryRunStore()
    const runner = makeRunner({ store, ids: sequentialIds() })
    const release = deferred()
    const logged = deferred()
    const run = runner.run({ linkId: "link-1", job: "transfer.run" }, async (ctx) => {
      for (let i = 0; i < 250; i++) ctx.log.info(`entry ${i}`)
      logged.resolve()
      await release.promise
    })
    await logged.promise
    // Two full batches reach the store while the run is still going (the rest within a second or at the end).
    for (let i = 0; i < 100 && (await Effect.runPromise(store.readLog("link-1", "run-1"))).length < 200; i++) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect((await Effect.runPromise(store.readLog("link-1", "run-1"))).length).toBeGreaterThanOrEqual(200)
    release.resolve()
    await run
    expect((await Effect.runPromise(store.readLog("link-1", "run-1"))).length).toBe(252)
  })
})
