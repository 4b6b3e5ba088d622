import type { SandboxClock } from "@psa-ledger/sandbox"
import { describe, expect, expectTypeOf, it } from "vitest"
import { type ExactClock, systemClock } from "../src/index.ts"

describe("the clock interface", () => {
  // The sandbox cannot import ExactClock (the clients are tested against it), so it declares the
  // same shape; this keeps the two one interface (checked by `tsc`, which includes the tests).
  it("is the sandbox's SandboxClock, member for member", () => {
    expectTypeOf<SandboxClock>().toEqualTypeOf<ExactClock>()
  })

  it("systemClock's sleep ends early when its signal fires", async () => {
    const controller = new AbortController()
    const sleeping = systemClock.sleep(60_000, controller.signal).then(
      () => "slept",
      () => "aborted"
    )
    controller.abort()
    expect(await sleeping).toBe("aborted")
  })

  it("systemClock's sleep rejects with an Error even when the signal's reason is not one", async () => {
    const controller = new AbortController()
    const sleeping = systemClock.sleep(60_000, controller.signal).catch((error: unknown) => error)
    controller.abort("stop")
    expect(await sleeping).toMatchObject({ name: "AbortError", cause: "stop" })
    expect(await sleeping).toBeInstanceOf(Error)
    await expect(systemClock.sleep(10, AbortSignal.abort(42))).rejects.toMatchObject({ name: "AbortError", cause: 42 })
  })
})
