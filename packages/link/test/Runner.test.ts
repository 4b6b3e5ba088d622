import { describe, expect, it } from "@effect/vitest"
import { makeMemoryRunStore, RunStore, StorageError, StorageUnavailableError } from "@psa-ledger/reconcile-core"
import { Cause, Effect, Fiber, Option } from "effect"
import {
  Jobs,
  LinkError,
  LinkUnexpectedError,
  makeRunner,
  makeRuns,
  type ProgressEvent,
  RunIds,
  RunSettings,
  runJob
} from "../src/index.ts"

const sequentialIds = () => {
  let n = 0
  return () => `run-${++n}`
}

describe("runJob", () => {
  it.effect("records a succeeded run with counts, summary and its log", () =>
    Effect.gen(function* () {
      const events: Array<ProgressEvent> = []
      const result = yield* runJob(
        {
          linkId: "link-1",
          job: Jobs.transfer,
          details: { from: "2026-03-01", to: "2026-03-31" },
          onProgress: (event) => events.push(event)
        },
        (ctx) =>
          Effect.gen(function* () {
            const tracker = ctx.track("transfer.invoices", 3)
            for (const invoice of ["INV-1", "INV-2", "INV-3"]) {
              ctx.log.info("invoice transferred", { invoice })
              ctx.count("done")
              tracker.advance()
            }
            tracker.finish()
            yield* ctx.flush
            ctx.summarize("Transferred 3 invoices.")
            return 3
          })
      ).pipe(Effect.provideService(RunIds, { next: sequentialIds() }))
      expect(result.status).toBe("succeeded")
      expect(result.value).toBe(3)
      expect(result.error).toBeUndefined()
      expect(result.mail).toBe("not configured")
      expect(result.run.mail).toBe("not configured")
      expect(result.run.id).toBe("run-1")
      expect(result.run.counts).toEqual({ done: 3 })
      expect(result.run.summary).toMatch(/^transfer\.run succeeded in \d+ ms: 3 done\. Transferred 3 invoices\.$/)
      expect(result.run.details).toEqual({ from: "2026-03-01", to: "2026-03-31" })
      expect(result.run.finishedAt).toBeDefined()
      expect(events[0]).toEqual({ phase: "transfer.invoices", done: 0, total: 3 })
      expect(events.at(-1)).toEqual({ phase: "transfer.invoices", done: 3, total: 3 })
      const store = yield* RunStore
      const entries = yield* store.readLog("link-1", "run-1")
      expect(entries.map((entry) => entry.message)).toEqual([
        "transfer.run started",
        "invoice transferred",
        "invoice transferred",
        "invoice transferred",
        "transfer.run finished: succeeded"
      ])
      expect(entries[1]?.fields).toEqual({ invoice: "INV-1" })
      const stored = yield* store.get("link-1", "run-1")
      expect(Option.getOrThrow(stored).status).toBe("succeeded")
    }).pipe(Effect.provide(RunStore.layerMemory))
  )

  it.effect("ends partial when some items failed", () =>
    Effect.gen(function* () {
      const result = yield* runJob({ linkId: "l", job: Jobs.apply }, (ctx) =>
        Effect.sync(() => {
          ctx.count("done", 2)
          ctx.count("failed")
          ctx.log.error("addition not updated", { operation: "op-3" })
        })
      )
      expect(result.status).toBe("partial")
      expect(result.run.counts).toEqual({ done: 2, failed: 1 })
    }).pipe(Effect.provide(RunStore.layerMemory))
  )

  it.effect("records a failing body as failed, with the error in the log and summary", () =>
    Effect.gen(function* () {
      const result = yield* runJob({ linkId: "l", job: Jobs.apply }, (ctx) =>
        Effect.gen(function* () {
          ctx.log.info("before the failure")
          return yield* LinkError.of(new LinkUnexpectedError({ message: "ConnectWise said no" }))
        })
      )
      expect(result.status).toBe("failed")
      expect(result.error?.reason._tag).toBe("Unexpected")
      expect(result.run.summary).toContain("ConnectWise said no")
      const store = yield* RunStore
      const entries = yield* store.readLog("l", result.run.id)
      const failure = entries.find((entry) => entry.level === "error")
      expect(failure?.fields).toEqual({ reason: "Unexpected", error: "Unexpected: ConnectWise said no" })
      expect(entries.map((entry) => entry.message)).toContain("before the failure")
    }).pipe(Effect.provide(RunStore.layerMemory))
  )

  it.effect("records a defect (a thrown exception) as failed", () =>
    Effect.gen(function* () {
      const result = yield* runJob({ linkId: "l", job: Jobs.apply }, () =>
        Effect.sync(() => {
          throw new TypeError("undefined is not a function")
        })
      )
      expect(result.status).toBe("failed")
      expect(result.error?.message).toContain("undefined is not a function")
    }).pipe(Effect.provide(RunStore.layerMemory))
  )

  it.live("cancels on the AbortSignal, interrupting the body", () =>
    Effect.gen(function* () {
      const controller = new AbortController()
      let finishedBody = false
      const fiber = yield* runJob({ linkId: "l", job: Jobs.transfer, signal: controller.signal }, (ctx) =>
        Effect.gen(function* () {
          ctx.count("done")
          yield* Effect.sleep("10 seconds")
          finishedBody = true
        })
      ).pipe(Effect.forkChild)
      yield* Effect.sleep("20 millis")
      controller.abort()
      const result = yield* Fiber.join(fiber)
      expect(result.status).toBe("cancelled")
      expect(result.error?.reason._tag).toBe("Cancelled")
      expect(finishedBody).toBe(false)
      expect(result.run.counts).toEqual({ done: 1 })
    }).pipe(Effect.provide(RunStore.layerMemory))
  )

  it.effect("an already aborted signal cancels before the body does anything", () =>
    Effect.gen(function* () {
      let ran = false
      const result = yield* runJob({ linkId: "l", job: Jobs.transfer, signal: AbortSignal.abort() }, () =>
        Effect.sleep("1 second").pipe(Effect.tap(() => Effect.sync(() => (ran = true))))
      )
      expect(result.status).toBe("cancelled")
      expect(ran).toBe(false)
    }).pipe(Effect.provide(RunStore.layerMemory))
  )

  it.effect("redacts secrets in fields and details", () =>
    Effect.gen(function* () {
      const result = yield* runJob(
        { linkId: "l", job: Jobs.transfer, details: { division: 1, refreshToken: "r-123" } },
        (ctx) =>
          Effect.sync(() => {
            ctx.log.info("calling", {
              headers: { Authorization: "Basic c2VjcmV0", accept: "json" },
              privateKey: "pk-1",
              client_secret: "cs-77",
              password: "hunter2",
              nested: [{ access_token: "at-88" }],
              note: "Bearer abc.def"
            })
          })
      )
      const store = yield* RunStore
      const entries = yield* store.readLog("l", result.run.id)
      const text = JSON.stringify(entries) + JSON.stringify(result.run)
      for (const secret of ["r-123", "c2VjcmV0", "pk-1", "hunter2", "abc.def", "cs-77", "at-88"]) {
        expect(text).not.toContain(secret)
      }
      expect(entries[1]?.fields).toEqual({
        headers: { Authorization: "[redacted]", accept: "json" },
        privateKey: "[redacted]",
        client_secret: "[redacted]",
        password: "[redacted]",
        nested: [{ access_token: "[redacted]" }],
        note: "[redacted]"
      })
      expect(result.run.details).toEqual({ division: 1, refreshToken: "[redacted]" })
    }).pipe(Effect.provide(RunStore.layerMemory))
  )

  it.effect("writes large logs in batches of the configured size, in order", () =>
    Effect.gen(function* () {
      const inner = makeMemoryRunStore()
      const batches: Array<number> = []
      const counting = RunStore.of({
        ...inner,
        append: (linkId, runId, entries) => {
          batches.push(entries.length)
          return inner.append(linkId, runId, entries)
        }
      })
      const result = yield* runJob({ linkId: "l", job: Jobs.apply }, (ctx) =>
        Effect.gen(function* () {
          for (let i = 0; i < 2_500; i++) {
            ctx.log.debug("item", { i })
            if (i % 100 === 0) yield* Effect.yieldNow
          }
        })
      ).pipe(Effect.provideService(RunStore, counting), Effect.provide(RunSettings.layer({ batchSize: 500 })))
      const total = batches.reduce((a, b) => a + b, 0)
      expect(total).toBe(2_502)
      expect(Math.max(...batches)).toBeLessThanOrEqual(500)
      expect(batches.length).toBeLessThanOrEqual(7)
      const runs = makeRuns(inner)
      const seen = yield* Effect.promise(async () => {
        const out: Array<number> = []
        for await (const entry of runs.log("l", result.run.id)) {
          const i = entry.fields.i
          if (typeof i === "number") out.push(i)
        }
        return out
      })
      expect(seen).toEqual(Array.from({ length: 2_500 }, (_, i) => i))
    })
  )

  it.effect("a failing log store never fails the job, and says how many entries were lost", () =>
    Effect.gen(function* () {
      const inner = makeMemoryRunStore()
      const failures: Array<string> = []
      const broken = RunStore.of({
        ...inner,
        append: () => Effect.die(new Error("disk full"))
      })
      const result = yield* runJob({ linkId: "l", job: Jobs.apply }, (ctx) =>
        Effect.sync(() => {
          ctx.log.info("one")
          ctx.count("done")
        })
      ).pipe(
        Effect.provideService(RunStore, broken),
        Effect.provide(
          RunSettings.layer({
            tap: (event) => {
              if (event._tag === "LogWriteFailed") failures.push(event.error.message)
            }
          })
        )
      )
      expect(result.status).toBe("succeeded")
      expect(result.run.counts).toEqual({ done: 1, logEntriesLost: 3 })
      expect(failures.length).toBeGreaterThan(0)
    })
  )

  it.effect("fails only when the run cannot be created", () =>
    Effect.gen(function* () {
      let ran = false
      const down = RunStore.of({
        ...makeMemoryRunStore(),
        create: (linkId) =>
          Effect.fail(
            new StorageError({
              operation: "RunStore.create",
              linkId,
              reason: new StorageUnavailableError({ message: "refused" })
            })
          )
      })
      const exit = yield* runJob({ linkId: "l", job: Jobs.apply }, () => Effect.sync(() => (ran = true))).pipe(
        Effect.provideService(RunStore, down),
        Effect.exit
      )
      expect(ran).toBe(false)
      expect(exit._tag).toBe("Failure")
      if (exit._tag === "Failure") {
        const error = Cause.squash(exit.cause)
        expect(error).toBeInstanceOf(LinkError)
        expect((error as LinkError).reason._tag).toBe("Storage")
        expect((error as LinkError).message).toContain("RunStore.create")
      }
    })
  )
})

describe("makeRunner (promise face)", () => {
  it("runs a promise body and reads it back through makeRuns", async () => {
    const store = makeMemoryRunStore()
    const runner = makeRunner({ store, ids: sequentialIds() })
    const ok = await runner.run({ linkId: "link-1", job: Jobs.syncPayments }, async (ctx) => {
      ctx.log.info("payments read", { count: 3 })
      ctx.count("done", 3)
      return "ok"
    })
    const bad = await runner.run({ linkId: "link-1", job: Jobs.syncPayments }, async () => {
      throw new Error("Exact Online is down")
    })
    expect(ok.status).toBe("succeeded")
    expect(ok.value).toBe("ok")
    expect(bad.status).toBe("failed")
    expect(bad.error?.message).toContain("Exact Online is down")
    const runs = makeRuns(store)
    const list = await runs.list("link-1")
    expect(list.map((run) => run.id).sort()).toEqual(["run-1", "run-2"])
    expect((await runs.get("link-1", "run-1"))?.status).toBe("succeeded")
    expect(await runs.get("link-1", "nope")).toBeUndefined()
    const text = await runs.log("link-1", "run-1").text()
    expect(text).toMatch(/INFO {2}payments read count=3/)
    expect(text.split("\n")).toHaveLength(3)
  })

  it("cancels a promise body through the signal", async () => {
    const runner = makeRunner({ store: makeMemoryRunStore() })
    const controller = new AbortController()
    const pending = runner.run({ linkId: "l", job: Jobs.transfer, signal: controller.signal }, async (ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve))
    })
    setTimeout(() => controller.abort(), 10)
    expect((await pending).status).toBe("cancelled")
  })

  it("records what a cancelled body did before it stopped (its counts and report), not an empty run", async () => {
    const store = makeMemoryRunStore()
    const runner = makeRunner({ store, ids: sequentialIds() })
    const controller = new AbortController()
    const pending = runner.run({ linkId: "l", job: Jobs.apply, signal: controller.signal }, async (ctx) => {
      let written = 0
      for (let i = 0; i < 10; i++) {
        if (ctx.signal.aborted) break
        // An operation in flight when Ctrl-C comes still lands: it must be counted.
        await new Promise((resolve) => setTimeout(resolve, 1))
        written++
        ctx.count("done")
        if (i === 2) controller.abort()
      }
      return { written }
    })
    const result = await pending
    expect(result.status).toBe("cancelled")
    expect(result.value).toEqual({ written: 3 })
    expect(result.run.counts).toEqual({ done: 3 })
    expect((await makeRuns(store).get("l", "run-1"))?.status).toBe("cancelled")
  })

  it("names the run through onStart once it is recorded, before its body starts", async () => {
    const store = makeMemoryRunStore()
    const runner = makeRunner({ store, ids: sequentialIds() })
    const seen: Array<string> = []
    const result = await runner.run(
      {
        linkId: "l",
        job: Jobs.transfer,
        onStart: (runId) => {
          seen.push(`start ${runId}`)
          throw new Error("a host's notice that throws")
        }
      },
      async (ctx) => {
        seen.push(`body ${ctx.runId} ${(await makeRuns(store).get("l", ctx.runId))?.status}`)
      }
    )
    expect(seen).toEqual(["start run-1", "body run-1 running"])
    expect(result.status).toBe("succeeded")
  })

  it("abandons a cancelled body that does not stop within the grace period", async () => {
    const runner = makeRunner({ store: makeMemoryRunStore(), cancelGraceMs: 20 })
    const controller = new AbortController()
    const pending = runner.run({ linkId: "l", job: Jobs.transfer, signal: controller.signal }, async (ctx) => {
      ctx.count("done")
      controller.abort()
      await new Promise(() => {})
    })
    const result = await pending
    expect(result.status).toBe("cancelled")
    expect(result.run.counts).toEqual({ done: 1 })
  })
})

describe("RunLog.follow", () => {
  it("yields a running run's entries as they are written and ends when the run finishes", async () => {
    const store = makeMemoryRunStore()
    const runner = makeRunner({ store, ids: sequentialIds() })
    let openGate: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      openGate = resolve
    })
    let started: () => void = () => {}
    const running = new Promise<void>((resolve) => {
      started = resolve
    })
    const pending = runner.run({ linkId: "link-1", job: Jobs.transfer }, async (ctx) => {
      ctx.log.info("first invoice booked", { invoice: "INV-1" })
      started()
      await gate
      ctx.log.info("second invoice booked", { invoice: "INV-2" })
      ctx.count("done", 2)
    })
    await running
    const messages: Array<string> = []
    for await (const entry of makeRuns(store).log("link-1", "run-1").follow({ pollMs: 10 })) {
      messages.push(entry.message)
      // The second entry is written only after the follower has seen the first.
      if (entry.message === "first invoice booked") openGate()
    }
    const result = await pending
    expect(result.status).toBe("succeeded")
    expect(messages.indexOf("first invoice booked")).toBeGreaterThanOrEqual(0)
    expect(messages.indexOf("second invoice booked")).toBeGreaterThan(messages.indexOf("first invoice booked"))
    // Everything the finished run holds was followed, in order, once.
    const all: Array<string> = []
    for await (const entry of makeRuns(store).log("link-1", "run-1")) all.push(entry.message)
    expect(messages).toEqual(all)
  })

  it("stops when its signal aborts, and yields a finished run's log once", async () => {
    const store = makeMemoryRunStore()
    const runner = makeRunner({ store, ids: sequentialIds() })
    await runner.run({ linkId: "link-1", job: Jobs.syncPayments }, async (ctx) => {
      ctx.log.info("payments read", { count: 3 })
    })
    const finished: Array<string> = []
    for await (const entry of makeRuns(store).log("link-1", "run-1").follow()) finished.push(entry.message)
    expect(finished).toContain("payments read")

    const controller = new AbortController()
    let release: () => void = () => {}
    const hold = new Promise<void>((resolve) => {
      release = resolve
    })
    const pending = runner.run({ linkId: "link-1", job: Jobs.syncPayments }, async (ctx) => {
      ctx.log.info("waiting for Exact Online")
      await hold
    })
    const seen: Array<string> = []
    for await (const entry of makeRuns(store)
      .log("link-1", "run-2")
      .follow({ signal: controller.signal, pollMs: 10 })) {
      seen.push(entry.message)
      controller.abort()
    }
    expect(seen.length).toBeGreaterThan(0)
    release()
    expect((await pending).status).toBe("succeeded")
  })
})

describe("retryFollows", () => {
  it("mails a failed attempt only when no retry follows it, and a success always", async () => {
    const sent: Array<string> = []
    const mailer = {
      enabled: true,
      send: async (message: { readonly subject: string }) => {
        sent.push(message.subject)
      }
    }
    const runner = makeRunner({ store: makeMemoryRunStore(), mailer, ids: sequentialIds() })
    const fail = async () => {
      throw new Error("ConnectWise answered 503")
    }
    const request = { linkId: "l", job: Jobs.transfer, mailTo: "finance@msp.example" }
    const first = await runner.run({ ...request, retryFollows: true }, fail)
    expect(first.status).toBe("failed")
    expect(first.mail).toBe("held for the retry")
    expect(sent).toEqual([])
    const retried = await runner.run({ ...request, retryFollows: true }, async () => "ok")
    expect(retried.mail).toBe("sent")
    const last = await runner.run({ ...request, retryFollows: false }, fail)
    expect(last.mail).toBe("sent")
    expect(sent).toHaveLength(2)
  })
})
