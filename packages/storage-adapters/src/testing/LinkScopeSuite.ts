import type { StorageInvalidInputError } from "@psa-ledger/reconcile-core"
import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"
import { at, fails, mapping, newRun, run, transfer } from "./fixtures.ts"

/** Every store keeps one link's records apart from another's. */
export const linkScopeSuite = (storage: () => Storage): void => {
  describe("link scope", () => {
    it("refuses a malformed link id on every link-scoped store and token chain, touching nothing", async () => {
      for (const linkId of ["", "l".repeat(64), "Acme", "-a", "a_b", "a b", "a\u0000b", "café"]) {
        const refusals = [
          await fails(storage().mappings.list(linkId)),
          await fails(storage().runs.create(linkId, newRun("r1"))),
          await fails(storage().journal.begin(linkId, "op", { runId: "r1", at })),
          await fails(storage().transfers.record(linkId, transfer(1))),
          await fails(storage().links.put({ id: linkId, name: "x", settings: {}, updatedAt: at })),
          await fails(storage().links.get(linkId)),
          await fails(storage().links.remove(linkId))
        ]
        expect(refusals.map((error) => [error.reason._tag, error.operation])).toEqual([
          ["InvalidInput", "MappingStore.list"],
          ["InvalidInput", "RunStore.create"],
          ["InvalidInput", "PlanJournal.begin"],
          ["InvalidInput", "TransferLedger.record"],
          ["InvalidInput", "LinkStore.put"],
          ["InvalidInput", "LinkStore.get"],
          ["InvalidInput", "LinkStore.remove"]
        ])
        expect(refusals.map((error) => (error.reason as StorageInvalidInputError).field)).toEqual(
          Array(7).fill("linkId")
        )
        expect(refusals[0]?.message).toContain("MappingStore.linkId")
        let refused: unknown
        try {
          storage().tokens(linkId)
        } catch (error) {
          refused = error
        }
        expect(refused).toMatchObject({
          _tag: "TokenStoreError",
          reason: "InvalidInput",
          cause: { _tag: "InvalidInput", record: "TokenStore", field: "linkId" }
        })
      }
      expect(await run(storage().mappings.list("a"))).toEqual([])
    })

    it("accepts every well-formed link id", async () => {
      for (const linkId of ["a", "0", "link-1", "9-lives", "a".repeat(63)]) {
        await run(storage().mappings.upsert(linkId, [mapping("c1", 1)]))
        expect((await run(storage().mappings.list(linkId))).length).toBe(1)
        expect(await storage().tokens(linkId).load()).toBeUndefined()
      }
    })

    it("refuses an over-long link name as StorageInvalidInputError, storing nothing", async () => {
      const error = await fails(storage().links.put({ id: "a", name: "n".repeat(1_001), settings: {}, updatedAt: at }))
      expect(error.reason._tag).toBe("InvalidInput")
      expect(error.message).toContain("LinkRecord.name")
      expect(await run(storage().links.list())).toEqual([])
    })
  })
}
