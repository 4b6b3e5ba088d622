import type { ConnectWiseLogger } from "@psa-ledger/connectwise-client"
import type { ExactLogger } from "@psa-ledger/exact-client"
import { describe, expectTypeOf, it } from "vitest"
import type { LinkLogger, RunLogger } from "../src/index.ts"

// One logger interface: the clients share no code, so each declares the shape; these checks (run
// by `tsc`, which includes the tests) keep the two declarations one interface, and the link's two
// loggers (the host's and a run's) fit either client as they are.
describe("the logger interface", () => {
  it("is the same in both clients", () => {
    expectTypeOf<ConnectWiseLogger>().toEqualTypeOf<ExactLogger>()
  })

  it("is satisfied by the host's logger and by a run's", () => {
    expectTypeOf<LinkLogger>().toExtend<ExactLogger>()
    expectTypeOf<RunLogger>().toExtend<ExactLogger>()
  })
})
