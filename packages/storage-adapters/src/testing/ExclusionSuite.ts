import { Exclusion, ExclusionStore, StorageError } from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
const fails = <A, E>(effect: Effect.Effect<A, E>): Promise<E> => Effect.runPromise(Effect.flip(effect))

const at = DateTime.makeUnsafe("2026-12-02T10:00:00Z")

// `disableChecks` lets a test build the bad value a caller could bring from unchecked JSON.
const exclusion = (kind: "product" | "customer", key: string, extra: Partial<Exclusion> = {}) =>
  new Exclusion({ kind, key, reason: `ignore ${key}`, createdAt: at, ...extra }, { disableChecks: true })

const invalidField = (error: unknown): string | undefined =>
  error instanceof StorageError && error.reason._tag === "InvalidInput" ? error.reason.field : undefined

/** The remembered exclusions of each link ("ignore this product / customer for good"). */
export const exclusionSuite = (storage: () => Storage): void => {
  describe("ExclusionStore", () => {
    it("keeps each link's exclusions apart, replaces by kind and key and lists in a stable order", async () => {
      const { exclusions } = storage()
      await run(
        exclusions.upsert("a", [
          exclusion("product", "item-2"),
          exclusion("customer", "acc-1", { createdBy: "ann" }),
          exclusion("product", "item-1")
        ])
      )
      await run(exclusions.upsert("b", [exclusion("product", "item-1", { reason: "b's" })]))
      await run(exclusions.upsert("a", [exclusion("product", "item-2", { reason: "shipping", createdBy: "bob" })]))
      const all = await run(exclusions.list("a"))
      expect(all.map((e) => [e.kind, e.key, e.reason, e.createdBy])).toEqual([
        ["customer", "acc-1", "ignore acc-1", "ann"],
        ["product", "item-1", "ignore item-1", undefined],
        ["product", "item-2", "shipping", "bob"]
      ])
      expect(all[0]).toEqual(exclusion("customer", "acc-1", { createdBy: "ann" }))
      expect((await run(exclusions.list("a", { kind: "product" }))).map((e) => e.key)).toEqual(["item-1", "item-2"])
      expect(Option.getOrThrow(await run(exclusions.get("b", { kind: "product", key: "item-1" }))).reason).toBe("b's")
      expect(Option.isNone(await run(exclusions.get("a", { kind: "customer", key: "item-1" })))).toBe(true)
      expect(await run(exclusions.remove("a", { kind: "product", key: "item-1" }))).toBe(true)
      expect(await run(exclusions.remove("a", { kind: "product", key: "item-1" }))).toBe(false)
      expect((await run(exclusions.list("a"))).length).toBe(2)
      expect((await run(exclusions.list("b"))).length).toBe(1)
    })

    it("keeps the label a person saw, replaces it with the exclusion and leaves it out when none was given", async () => {
      const { exclusions } = storage()
      await run(exclusions.upsert("a", [exclusion("product", "item-9", { label: "SHIP Shipping costs" })]))
      expect(Option.getOrThrow(await run(exclusions.get("a", { kind: "product", key: "item-9" })))).toEqual(
        exclusion("product", "item-9", { label: "SHIP Shipping costs" })
      )
      await run(exclusions.upsert("a", [exclusion("product", "item-9", { reason: "again" })]))
      const [again] = await run(exclusions.list("a"))
      expect(again).toEqual(exclusion("product", "item-9", { reason: "again" }))
      expect(again !== undefined && "label" in again).toBe(false)
    })

    it("lets the last of duplicate exclusions in one upsert win", async () => {
      const { exclusions } = storage()
      await run(exclusions.upsert("a", [exclusion("product", "p", { reason: "one" }), exclusion("product", "p")]))
      expect((await run(exclusions.list("a"))).map((e) => e.reason)).toEqual(["ignore p"])
    })

    it("refuses an unknown kind, an empty or over-long key naming the field, writing nothing", async () => {
      const { exclusions } = storage()
      // A kind no schema accepts, as unchecked JSON could bring it.
      const unknownKind = Object.assign(exclusion("product", "x"), { kind: "agreement" as "product" })
      expect(invalidField(await fails(exclusions.upsert("a", [exclusion("product", "ok"), unknownKind])))).toBe("kind")
      expect(invalidField(await fails(exclusions.upsert("a", [exclusion("product", "")])))).toBe("key")
      expect(invalidField(await fails(exclusions.upsert("a", [exclusion("customer", "x".repeat(600))])))).toBe("key")
      expect(await run(exclusions.list("a"))).toEqual([])
      expect(invalidField(await fails(exclusions.get("a", { kind: "product", key: "" })))).toBe("key")
      expect(invalidField(await fails(exclusions.remove("a", { kind: "agreement" as "product", key: "x" })))).toBe(
        "kind"
      )
      expect(invalidField(await fails(exclusions.list("Not A Link")))).toBe("linkId")
    })

    it("is provided through the storage's layer", async () => {
      const program = Effect.gen(function* () {
        const exclusions = yield* ExclusionStore
        yield* exclusions.upsert("a", [exclusion("customer", "acc-9")])
        return (yield* exclusions.list("a")).map((e) => e.key)
      })
      expect(await run(program.pipe(Effect.provide(storage().layer)))).toEqual(["acc-9"])
    })
  })
}
