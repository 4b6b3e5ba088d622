import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"
import { tokenSet } from "./fixtures.ts"

/** Exact's token chain, one refresh at a time across processes. */
export const tokenStoreSuite = (storage: () => Storage): void => {
  describe("TokenStore", () => {
    it("compares and sets by refresh token, per link", async () => {
      const tokens = storage().tokens("link-1")
      expect(await tokens.load()).toBeUndefined()
      expect(await tokens.compareAndSet(undefined, tokenSet(1))).toBe(true)
      expect(await tokens.compareAndSet(undefined, tokenSet(2))).toBe(false)
      expect(await tokens.compareAndSet(tokenSet(1), tokenSet(2))).toBe(true)
      expect(await tokens.compareAndSet(tokenSet(1), tokenSet(3))).toBe(false)
      expect(await tokens.load()).toEqual(tokenSet(2))
      expect(await storage().tokens("link-2").load()).toBeUndefined()
      expect(await storage().tokens("link-1").load()).toEqual(tokenSet(2))
    })

    it("forgets one link's chain, also for a holder of the chain, and leaves the others", async () => {
      const held = storage().tokens("link-1")
      expect(await held.compareAndSet(undefined, tokenSet(1))).toBe(true)
      expect(await storage().tokens("link-2").compareAndSet(undefined, tokenSet(5))).toBe(true)
      expect(await storage().forgetTokens("link-1")).toBe(true)
      expect(await held.load()).toBeUndefined()
      // A refresh that read the forgotten set loses: nothing is written back.
      expect(await held.compareAndSet(tokenSet(1), tokenSet(2))).toBe(false)
      expect(await storage().tokens("link-1").load()).toBeUndefined()
      expect(await storage().tokens("link-2").load()).toEqual(tokenSet(5))
      expect(await storage().forgetTokens("link-1")).toBe(false)
    })

    it("runs lock holders one at a time and releases the lock when the holder rejects", async () => {
      const tokens = storage().tokens("link-1")
      const events: Array<string> = []
      const hold = (name: string, fail = false) =>
        tokens.withLock(async () => {
          events.push(`${name}:in`)
          await new Promise((resolve) => setTimeout(resolve, 20))
          events.push(`${name}:out`)
          if (fail) throw new Error(`${name} failed`)
          return name
        })
      const results = await Promise.allSettled([hold("a", true), hold("b"), hold("c")])
      expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"])
      expect(events).toEqual(["a:in", "a:out", "b:in", "b:out", "c:in", "c:out"])
    })
  })
}
