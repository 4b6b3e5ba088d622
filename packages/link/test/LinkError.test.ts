import { ExactDailyLimitExhaustedError, ExactError } from "@psa-ledger/exact-client"
import { StorageConflictError, StorageError } from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { LinkError } from "../src/index.ts"
import { runPort } from "../src/internal/bridge.ts"
import { toLinkError } from "../src/LinkError.ts"

describe("LinkError keeps the typed cause", () => {
  it("an Exact failure keeps the client's error and its reason's fields", () => {
    const resetAt = Date.parse("2026-03-02T00:00:00Z")
    const error = toLinkError(
      new ExactError({
        reason: new ExactDailyLimitExhaustedError({ resetAt }),
        method: "GET",
        endpoint: "crm/Accounts"
      }),
      "read accounts"
    )
    expect(error.reason._tag).toBe("Exact")
    if (error.reason._tag !== "Exact") return
    const cause = error.reason.cause
    expect(cause).toBeInstanceOf(ExactError)
    expect(cause?.reason._tag).toBe("DailyLimitExhaustedError")
    expect(cause?.reason._tag === "DailyLimitExhaustedError" ? cause.reason.resetAt : undefined).toEqual(resetAt)
    expect(error.message).toContain("read accounts")
  })

  it("a storage port's failure rejects through the one bridge with the StorageError and its reason", async () => {
    const failure = new StorageError({
      operation: "MappingStore.upsert",
      linkId: "link-1",
      reason: new StorageConflictError({ record: "Mapping", message: "written meanwhile" })
    })
    const rejected = await runPort("MappingStore.upsert", Effect.fail(failure)).catch((error: unknown) => error)
    expect(rejected).toBeInstanceOf(LinkError)
    const reason = (rejected as LinkError).reason
    expect(reason._tag).toBe("Storage")
    if (reason._tag !== "Storage") return
    expect(reason.operation).toBe("MappingStore.upsert")
    expect(reason.cause).toBe(failure)
    expect(reason.cause?.reason._tag).toBe("Conflict")
  })

  it("a defect in a port rejects as an Unexpected LinkError, not a fiber wrapper", async () => {
    const rejected = await runPort("RunStore.list", Effect.die(new Error("boom"))).catch((error: unknown) => error)
    expect(rejected).toBeInstanceOf(LinkError)
    expect((rejected as LinkError).reason._tag).toBe("Unexpected")
  })
})
