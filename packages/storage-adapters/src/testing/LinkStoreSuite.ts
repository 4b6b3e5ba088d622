import { Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"
import { at, fails, later, run } from "./fixtures.ts"

/** The links a deployment holds. */
export const linkStoreSuite = (storage: () => Storage): void => {
  describe("LinkStore", () => {
    it("versions every put and detects a concurrent edit", async () => {
      const { links } = storage()
      const first = await run(
        links.put({ id: "b", name: "Beta", settings: { division: 7 }, updatedAt: at }, { expectedVersion: 0 })
      )
      expect(first.version).toBe(1)
      const stale = await fails(
        links.put({ id: "b", name: "Beta 2", settings: {}, updatedAt: at }, { expectedVersion: 0 })
      )
      expect(stale.reason._tag).toBe("Conflict")
      expect(stale.message).toContain("expected version 0, found 1")
      const second = await run(
        links.put({ id: "b", name: "Beta 2", settings: { division: 8 }, updatedAt: later(1) }, { expectedVersion: 1 })
      )
      expect(second.version).toBe(2)
      expect(
        (await fails(links.put({ id: "b", name: "x", settings: {}, updatedAt: at }, { expectedVersion: 1 }))).reason
          ._tag
      ).toBe("Conflict")
      const missing = await fails(
        links.put({ id: "z", name: "x", settings: {}, updatedAt: at }, { expectedVersion: 3 })
      )
      expect(missing.message).toContain("found 0")
      const third = await run(links.put({ id: "b", name: "Beta 3", settings: [1, "two"], updatedAt: later(2) }))
      expect(third.version).toBe(3)
      await run(links.put({ id: "a", name: "Acme", settings: {}, updatedAt: at }))
      const listed = await run(links.list())
      expect(listed.map((l) => [l.id, l.name, l.version])).toEqual([
        ["a", "Acme", 1],
        ["b", "Beta 3", 3]
      ])
      expect(Option.getOrThrow(await run(links.get("b"))).settings).toEqual([1, "two"])
      expect(await run(links.remove("a"))).toBe(true)
      expect(await run(links.remove("a"))).toBe(false)
      expect(Option.isNone(await run(links.get("a")))).toBe(true)
    })
  })
}
