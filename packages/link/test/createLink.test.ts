import { memoryStorage } from "@psa-ledger/storage-adapters"
import { describe, expect, it } from "vitest"
import { type CreateLinkOptions, createLink, LinkError } from "../src/index.ts"

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
})
