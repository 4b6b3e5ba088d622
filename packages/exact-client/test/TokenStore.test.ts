import { describe, expect, it } from "vitest"
import { memoryTokenStore, type TokenSet } from "../src/index.ts"

const tokenSet = (n: number): TokenSet => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  expiresAt: 600_000 * (n + 1),
  obtainedAt: 600_000 * n
})

describe("memoryTokenStore", () => {
  it("sets only over the expected previous set", async () => {
    const store = memoryTokenStore()
    expect(await store.compareAndSet(tokenSet(1), tokenSet(2))).toBe(false)
    expect(await store.compareAndSet(undefined, tokenSet(1))).toBe(true)
    expect(await store.compareAndSet(undefined, tokenSet(9))).toBe(false)
    expect(await store.compareAndSet(tokenSet(1), tokenSet(2))).toBe(true)
    expect(await store.compareAndSet(tokenSet(1), tokenSet(3))).toBe(false)
    expect(await store.load()).toEqual(tokenSet(2))
  })

  it("runs lock holders one at a time, even when one fails", async () => {
    const store = memoryTokenStore()
    const events: Array<string> = []
    const hold = (name: string, fail = false) =>
      store.withLock(async () => {
        events.push(`${name}:in`)
        await new Promise((resolve) => setTimeout(resolve, 5))
        events.push(`${name}:out`)
        if (fail) throw new Error(name)
        return name
      })
    const results = await Promise.allSettled([hold("a"), hold("b", true), hold("c")])
    expect(events).toEqual(["a:in", "a:out", "b:in", "b:out", "c:in", "c:out"])
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"])
  })
})
