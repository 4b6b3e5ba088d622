import { memoryStorage } from "@psa-ledger/storage-adapters"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { type CreateLinkOptions, createLink, Link, LinkError } from "../src/index.ts"

const options = (id: string) =>
  ({
    id,
    storage: memoryStorage(),
    exact: { clientId: "c", clientSecret: "s", redirectUri: "https://app.example/cb", division: 1 },
    connectwise: {},
    settings: {}
  }) as unknown as CreateLinkOptions

describe("createLink", () => {
  it("refuses an id outside the one link-id rule with InvalidInput naming the field", () => {
    for (const id of ["", "Acme", "-a", "a_b", "a b", "a\u0000b", "café", "l".repeat(64)]) {
      let thrown: unknown
      try {
        createLink(options(id))
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(LinkError)
      expect((thrown as LinkError).reason).toMatchObject({
        _tag: "InvalidInput",
        record: "CreateLinkOptions",
        field: "id"
      })
    }
  })

  it("accepts a well-formed id", () => {
    expect(createLink(options("msp-1")).id).toBe("msp-1")
  })

  it("is an Effect service whose methods are the Effects the promise API is derived from, failing with the typed LinkError", async () => {
    const opts = options("msp-2")
    const program = Effect.gen(function* () {
      const link = yield* Link
      const remembered = yield* link.exclusions.remember(
        { kind: "product", key: "item-1" },
        { reason: "internal use", by: "ann" }
      )
      const listed = yield* link.exclusions.list()
      const refused = yield* Effect.exit(link.exclusions.remember({ kind: "product", key: "item-2" }, { reason: " " }))
      return { id: link.id, remembered, listed, refused }
    })
    const { id, remembered, listed, refused } = await Effect.runPromise(program.pipe(Effect.provide(Link.layer(opts))))
    expect(id).toBe("msp-2")
    expect(listed).toEqual([remembered])
    // In the error channel, not as a defect: the reason with its field.
    expect(Exit.isFailure(refused)).toBe(true)
    const failure = Exit.isFailure(refused) ? refused.cause.reasons.find((r) => r._tag === "Fail") : undefined
    expect((failure as { error?: LinkError } | undefined)?.error?.reason).toMatchObject({
      _tag: "InvalidInput",
      field: "reason"
    })
    // The promise face over the same storage sees what the Effects wrote.
    expect(await createLink(opts).exclusions.list()).toEqual([remembered])
  })
})
