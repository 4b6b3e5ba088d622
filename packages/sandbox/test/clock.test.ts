import { describe, expect, it } from "vitest"
import { type SandboxClock, scaledClock, virtualClock, wallClock } from "../src/index.ts"

const start = Date.UTC(2026, 0, 5, 8)

describe("scaledClock", () => {
  it("runs factor times faster than the wall clock, from start at realStart", async () => {
    const realStart = Date.now()
    const clock = scaledClock({ start, realStart, factor: 1000 })
    const before = Date.now()
    const first = clock.now()
    expect(first).toBeGreaterThanOrEqual(start + (before - realStart) * 1000)
    await new Promise((resolve) => setTimeout(resolve, 20))
    // Bracketed by two wall-clock reads: a millisecond may tick between any two reads.
    const from = Date.now()
    const now = clock.now()
    const until = Date.now()
    expect(now).toBeGreaterThanOrEqual(start + (from - realStart) * 1000)
    expect(now).toBeLessThanOrEqual(start + (until - realStart) * 1000)
    expect(now - first).toBeGreaterThanOrEqual(19_000)
  })

  it("reads the same time in every instance made with the same origin (as child processes do)", () => {
    const realStart = Date.now() - 1234
    const a = scaledClock({ start, realStart, factor: 2000 })
    const b = scaledClock({ start, realStart, factor: 2000 })
    const t = Date.now()
    const [x, y] = [a.now(), b.now()]
    // Both derive from Date.now(): equal unless a millisecond ticked between the two reads.
    if (Date.now() === t) expect(x).toBe(y)
    expect(Math.abs(x - y)).toBeLessThanOrEqual(2000)
  })

  it("sleeps the scaled fraction of real time and never wakes before the simulated time", async () => {
    const clock = scaledClock({ start, factor: 2000 })
    for (const ms of [0, 1, 1_999, 60_000, 600_000]) {
      const from = clock.now()
      const real = Date.now()
      await clock.sleep(ms)
      expect(clock.now() - from).toBeGreaterThanOrEqual(ms)
      // 600 simulated seconds are 300 real ms: the bound only catches an unscaled sleep (600 real
      // seconds), with room for any load on the machine.
      expect(Date.now() - real).toBeLessThan(ms / 2000 + 30_000)
    }
  })

  it("lets an AbortSignal cut a sleep short", async () => {
    const clock = scaledClock({ start, factor: 10 })
    const controller = new AbortController()
    const sleeping = clock.sleep(3_600_000, controller.signal)
    controller.abort(new Error("stop"))
    await expect(sleeping).rejects.toThrow("stop")
    await expect(clock.sleep(1, controller.signal)).rejects.toThrow("stop")
  })

  it("refuses a factor that is not a positive number", () => {
    expect(() => scaledClock({ start, factor: 0 })).toThrow(RangeError)
    expect(() => scaledClock({ start, factor: -2 })).toThrow(/positive/)
    expect(() => scaledClock({ start, factor: Number.NaN })).toThrow(/positive/)
  })
})

describe("an aborted sleep", () => {
  const clocks: ReadonlyArray<[string, () => SandboxClock]> = [
    ["wallClock", () => wallClock],
    ["virtualClock", () => virtualClock(start)],
    ["scaledClock", () => scaledClock({ start, factor: 2 })]
  ]

  it.each(clocks)("%s rejects with an Error even when the reason is not one", async (_name, make) => {
    const clock = make()
    const controller = new AbortController()
    const sleeping = clock.sleep(3_600_000, controller.signal).then(
      () => undefined,
      (error: unknown) => error
    )
    controller.abort("stop")
    const error = await sleeping
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ name: "AbortError", cause: "stop" })
    // An already-aborted signal, and an Error reason, which is passed on as it is.
    const reason = new Error("mine")
    await expect(clock.sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason)
    await expect(clock.sleep(10, AbortSignal.abort(42))).rejects.toMatchObject({ name: "AbortError", cause: 42 })
  })
})
