import { describe, expect, it } from "@effect/vitest"
import { StorageError, StorageUnavailableError } from "@psa-ledger/reconcile-core"
import { BigDecimal } from "effect"
import { LinkCancelledError, LinkError, type ProgressEvent } from "../src/index.ts"
import { redactFields } from "../src/internal/redact.ts"
import { toLinkError } from "../src/LinkError.ts"
import { trackProgress } from "../src/Progress.ts"

describe("trackProgress", () => {
  it("reports a 100,000-item phase about 100 times, starting at 0 and ending at the total", () => {
    const events: Array<ProgressEvent> = []
    const tracker = trackProgress((event) => events.push(event), "apply.operations", 100_000)
    for (let i = 0; i < 100_000; i++) tracker.advance()
    tracker.finish()
    expect(events[0]).toEqual({ phase: "apply.operations", done: 0, total: 100_000 })
    expect(events.at(-1)).toEqual({ phase: "apply.operations", done: 100_000, total: 100_000 })
    expect(events.length).toBeGreaterThan(95)
    expect(events.length).toBeLessThanOrEqual(103)
    const dones = events.map((event) => event.done)
    expect([...dones].sort((a, b) => a - b)).toEqual(dones)
  })

  it("survives a throwing listener and reports phases without a total", () => {
    const tracker = trackProgress(() => {
      throw new Error("progress bar broke")
    }, "load.lines")
    expect(() => {
      for (let i = 0; i < 500; i++) tracker.advance()
      tracker.finish()
    }).not.toThrow()
    const events: Array<ProgressEvent> = []
    const open = trackProgress((event) => events.push(event), "load.lines")
    open.set(250)
    open.finish()
    expect(events).toEqual([
      { phase: "load.lines", done: 0 },
      { phase: "load.lines", done: 250 },
      { phase: "load.lines", done: 250 }
    ])
  })
})

describe("redactFields", () => {
  it("turns values into JSON and cuts cycles", () => {
    const cyclic: Record<string, unknown> = { name: "a" }
    cyclic.self = cyclic
    expect(
      redactFields({
        amount: BigDecimal.fromStringUnsafe("12.30"),
        at: new Date("2026-03-01T00:00:00Z"),
        big: 10n,
        nan: Number.NaN,
        missing: undefined,
        error: new RangeError("bad"),
        cyclic
      })
    ).toEqual({
      amount: "12.3",
      at: "2026-03-01T00:00:00.000Z",
      big: "10",
      nan: "NaN",
      error: { name: "RangeError", message: "bad" },
      cyclic: { name: "a", self: "[circular]" }
    })
  })
})

describe("LinkError", () => {
  it("maps storage errors and thrown values, and names the reason in its message", () => {
    const storage = toLinkError(
      new StorageError({
        operation: "RunStore.append",
        linkId: "l",
        reason: new StorageUnavailableError({ message: "refused" })
      })
    )
    expect(storage.reason._tag).toBe("Storage")
    expect(storage.message).toBe("Storage: RunStore.append: RunStore.append (link l) failed, Unavailable: refused")
    expect(toLinkError("boom").message).toBe("Unexpected: boom")
    const cancelled = LinkError.of(new LinkCancelledError({ message: "stopped" }))
    expect(toLinkError(cancelled)).toBe(cancelled)
    expect(cancelled.message).toBe("Cancelled: stopped")
  })
})
