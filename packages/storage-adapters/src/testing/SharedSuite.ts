import { StorageError } from "@psa-ledger/reconcile-core"
import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
const fails = <A, E>(effect: Effect.Effect<A, E>): Promise<E> => Effect.runPromise(Effect.flip(effect))

const t0 = Date.UTC(2026, 10, 1, 9)
const DAY = 86_400_000

/** A loaded month's document of `rows` rows, with decimals as strings as its host encodes them. */
const documentOf = (rows: number, tag: string) => ({
  month: "2026-11",
  rows: Array.from({ length: rows }, (_, i) => ({
    key: `${tag}-${i}`,
    quantity: "1.50",
    price: "1234567890.123456789"
  }))
})

/** What several processes share: loaded months and schedule occurrence claims. */
export const sharedSuite = (storage: () => Storage): void => {
  describe("LoadedMonthStore", () => {
    it("keeps the newest load per link and month, its head without the document, and forgets", async () => {
      const { loadedMonths } = storage()
      expect(Option.isNone(await run(loadedMonths.head("link-1", "2026-11")))).toBe(true)
      const first = { linkId: "link-1", month: "2026-11", loadId: "load-1", loadedAt: t0, loadedBy: "ann", rows: 2 }
      expect(await run(loadedMonths.put({ ...first, document: documentOf(2, "a") }))).toEqual(first)
      await run(
        loadedMonths.put({ ...first, month: "2026-10", loadId: "load-0", rows: 1, document: documentOf(1, "o") })
      )
      const big = documentOf(6_000, "b")
      const second = { ...first, loadId: "load-2", loadedAt: t0 + 1, loadedBy: "fin", rows: 6_000 }
      await run(loadedMonths.put({ ...second, document: big }))
      expect(Option.getOrThrow(await run(loadedMonths.head("link-1", "2026-11")))).toEqual(second)
      const got = Option.getOrThrow(await run(loadedMonths.get("link-1", "2026-11")))
      expect(got).toEqual({ ...second, document: big })
      expect(Option.isNone(await run(loadedMonths.get("link-2", "2026-11")))).toBe(true)
      expect(await run(loadedMonths.remove("link-1", "2026-11"))).toBe(1)
      expect(Option.isNone(await run(loadedMonths.head("link-1", "2026-11")))).toBe(true)
      expect(Option.isSome(await run(loadedMonths.head("link-1", "2026-10")))).toBe(true)
      expect(await run(loadedMonths.remove("link-1"))).toBe(1)
      expect(await run(loadedMonths.remove("link-1"))).toBe(0)
    })

    it("keeps each link's uploaded invoice file, its bytes exactly, replaces it with the next and forgets", async () => {
      const { invoiceFiles } = storage()
      expect(Option.isNone(await run(invoiceFiles.get("link-1")))).toBe(true)
      // Windows-1252 bytes (é as 0xE9), as an accountancy export writes them: kept byte for byte.
      const bytes = Buffer.concat([
        Buffer.from("klant;artikel;aantal;prijs\nCaf"),
        Buffer.from([0xe9]),
        Buffer.from(";A;1;2,50\n")
      ])
      const file = { linkId: "link-1", name: "2026-11.csv", uploadedAt: t0, uploadedBy: "fin", bytes: bytes.length }
      expect(await run(invoiceFiles.put({ ...file, content: bytes.toString("base64") }))).toEqual(file)
      expect(Option.getOrThrow(await run(invoiceFiles.head("link-1")))).toEqual(file)
      const stored = Option.getOrThrow(await run(invoiceFiles.get("link-1")))
      expect(Buffer.from(stored.content, "base64").equals(bytes)).toBe(true)
      expect(Option.isNone(await run(invoiceFiles.get("link-2")))).toBe(true)
      const next = Buffer.from("x".repeat(100_000))
      await run(
        invoiceFiles.put({ ...file, name: "december.csv", bytes: next.length, content: next.toString("base64") })
      )
      expect(Option.getOrThrow(await run(invoiceFiles.head("link-1"))).name).toBe("december.csv")
      expect(Buffer.from(Option.getOrThrow(await run(invoiceFiles.get("link-1"))).content, "base64").equals(next)).toBe(
        true
      )
      // A size that is not the content's, or content that is not base64, is refused naming the field.
      const field = async (f: Parameters<typeof invoiceFiles.put>[0]) => {
        const error = await fails(invoiceFiles.put(f))
        return error instanceof StorageError && error.reason._tag === "InvalidInput" ? error.reason.field : undefined
      }
      expect(await field({ ...file, bytes: 3, content: bytes.toString("base64") })).toBe("bytes")
      expect(await field({ ...file, bytes: 3, content: "not base64!" })).toBe("content")
      expect(await field({ ...file, name: "", content: bytes.toString("base64") })).toBe("name")
      expect(Option.getOrThrow(await run(invoiceFiles.head("link-1"))).name).toBe("december.csv")
      expect(await run(invoiceFiles.remove("link-1"))).toBe(true)
      expect(await run(invoiceFiles.remove("link-1"))).toBe(false)
      expect(Option.isNone(await run(invoiceFiles.head("link-1")))).toBe(true)
    })

    it("refuses a load that does not validate, naming the field", async () => {
      const { loadedMonths } = storage()
      const bad = await fails(
        loadedMonths.put({
          linkId: "link-1",
          month: "2026-11",
          loadId: "",
          loadedAt: t0,
          loadedBy: "ann",
          rows: 0,
          document: {}
        })
      )
      expect(bad).toBeInstanceOf(StorageError)
      expect(bad.reason).toMatchObject({ _tag: "InvalidInput", field: "loadId" })
      expect(Option.isNone(await run(loadedMonths.head("link-1", "2026-11")))).toBe(true)
    })
  })

  describe("ScheduleClaims", () => {
    it("claims each occurrence once, however many claim it at once", async () => {
      const { scheduleClaims } = storage()
      const occurrence = (dueAt: number, holder: string, job = "transfer.run") => ({
        linkId: "link-1",
        job,
        dueAt,
        holder,
        claimedAt: t0
      })
      const raced = await Promise.all(["a", "b", "c", "d"].map((h) => run(scheduleClaims.claim(occurrence(t0, h)))))
      expect(raced.filter(Boolean)).toHaveLength(1)
      expect(await run(scheduleClaims.claim(occurrence(t0, "a")))).toBe(false)
      // Another job, link or due time is another occurrence.
      expect(await run(scheduleClaims.claim(occurrence(t0, "a", "exact.keepAlive")))).toBe(true)
      expect(await run(scheduleClaims.claim({ ...occurrence(t0, "a"), linkId: "link-2" }))).toBe(true)
      expect(await run(scheduleClaims.claim(occurrence(t0 + 60_000, "b")))).toBe(true)
      // A claim 35 days on drops the schedule's old ones (so an occurrence that old is claimable
      // again: nothing plans that far back).
      expect(await run(scheduleClaims.claim(occurrence(t0 + 36 * DAY, "b")))).toBe(true)
      expect(await run(scheduleClaims.claim(occurrence(t0, "c")))).toBe(true)
      const bad = await fails(scheduleClaims.claim({ ...occurrence(t0, "a"), job: "" }))
      expect(bad.reason).toMatchObject({ _tag: "InvalidInput", field: "job" })
    })
  })
}
