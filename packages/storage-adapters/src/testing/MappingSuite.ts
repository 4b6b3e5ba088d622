import { StorageError } from "@psa-ledger/reconcile-core"
import { Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"
import { fails, mapping, run } from "./fixtures.ts"

/** Each link's remembered links between Exact and ConnectWise records. */
export const mappingSuite = (storage: () => Storage): void => {
  describe("MappingStore", () => {
    it("keeps each link's mappings apart, replaces by identity and lists in a stable order", async () => {
      const { mappings } = storage()
      await run(mappings.upsert("a", [mapping("c2", 2), mapping("c1", 1)]))
      await run(mappings.upsert("b", [mapping("c1", 9)]))
      await run(mappings.upsert("a", [mapping("c1", 3)]))
      await run(
        mappings.upsert("a", [
          mapping("c1", 70, { kind: "agreement", productKey: "p9" }),
          mapping("c1", 71, { kind: "agreement" }),
          mapping("item-1", 500, { kind: "product", method: "exact-identifier" })
        ])
      )
      const all = await run(mappings.list("a"))
      expect(all.map((m) => [m.kind, m.sourceKey, m.productKey, m.targetId])).toEqual([
        ["agreement", "c1", undefined, 71],
        ["agreement", "c1", "p9", 70],
        ["customer", "c1", undefined, 3],
        ["customer", "c2", undefined, 2],
        ["product", "item-1", undefined, 500]
      ])
      expect((await run(mappings.list("a", { kind: "customer" }))).map((m) => m.targetId)).toEqual([3, 2])
      const other = await run(mappings.get("b", { kind: "customer", sourceKey: "c1" }))
      expect(Option.getOrThrow(other).targetId).toBe(9)
      const narrowed = await run(mappings.get("a", { kind: "agreement", sourceKey: "c1", productKey: "p9" }))
      expect(Option.getOrThrow(narrowed)).toEqual(mapping("c1", 70, { kind: "agreement", productKey: "p9" }))
      expect(Option.isNone(await run(mappings.get("c", { kind: "customer", sourceKey: "c1" })))).toBe(true)
      expect(await run(mappings.remove("a", { kind: "customer", sourceKey: "c2" }))).toBe(true)
      expect(await run(mappings.remove("a", { kind: "customer", sourceKey: "c2" }))).toBe(false)
      expect(await run(mappings.remove("b", { kind: "customer", sourceKey: "c2" }))).toBe(false)
      expect((await run(mappings.list("b"))).length).toBe(1)
    })

    it("lets the last of duplicate mappings in one upsert win", async () => {
      await run(storage().mappings.upsert("a", [mapping("c1", 1), mapping("c1", 2)]))
      expect((await run(storage().mappings.list("a"))).map((m) => m.targetId)).toEqual([2])
    })

    it("refuses an over-long key naming the record and field, writing nothing of the batch", async () => {
      const error = await fails(storage().mappings.upsert("a", [mapping("ok", 1), mapping("x".repeat(600), 2)]))
      expect(error).toBeInstanceOf(StorageError)
      expect(error.reason._tag).toBe("InvalidInput")
      expect(error.message).toContain("Mapping.sourceKey")
      expect(error.operation).toBe("MappingStore.upsert")
      expect(await run(storage().mappings.list("a"))).toEqual([])
      expect(await run(storage().links.list())).toEqual([])
    })

    it("refuses a target id that is not an integer", async () => {
      const error = await fails(storage().mappings.upsert("a", [mapping("c1", 1.5)]))
      expect(error.reason._tag).toBe("InvalidInput")
      expect(error.message).toContain("Mapping.targetId")
    })
  })
}
