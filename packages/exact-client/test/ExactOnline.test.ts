import { it } from "@effect/vitest"
import { seedExactDivision } from "@psa-ledger/sandbox"
import { Effect, Stream } from "effect"
import { describe, expect } from "vitest"
import { ExactError, ExactOnline, NotFound, SalesInvoiceLine } from "../src/index.ts"
import { useMsw, world } from "./helpers.ts"

useMsw()

describe("ExactOnline service", () => {
  it.effect("runs the client's calls as effects, failing with ExactError", () =>
    Effect.gen(function* () {
      const { sim, client, authorise } = world()
      seedExactDivision(sim, { invoices: { year: 2026, month: 1, count: 60, linesPerInvoice: 20 } })
      const exact = client({ division: 1001 })
      yield* Effect.promise(() => authorise(exact))
      const program = Effect.gen(function* () {
        const service = yield* ExactOnline
        const me = yield* service.me
        const lines = yield* service
          .paginate("salesinvoice/SalesInvoiceLines", {
            bulk: true,
            select: ["ID", "Quantity"],
            schema: SalesInvoiceLine
          })
          .pipe(Stream.runCount)
        const missing = yield* service.listAll("crm/NoSuchThing").pipe(Effect.flip)
        return { division: me.CurrentDivision, lines, missing }
      })
      const result = yield* program.pipe(Effect.provide(ExactOnline.layerTest(exact)))
      expect(result.division).toBe(1001)
      expect(result.lines).toBe(1200)
      expect(result.missing).toBeInstanceOf(ExactError)
      expect(result.missing.reason._tag).toBe("NotFound")
    })
  )

  it.effect("layerTest takes hand-written operations and dies clearly on the rest", () =>
    Effect.gen(function* () {
      const layer = ExactOnline.layerTest({
        listAll: () => Effect.fail(new ExactError({ reason: new NotFound({ message: "none" }) }))
      })
      const failed = yield* Effect.gen(function* () {
        const service = yield* ExactOnline
        return yield* service.listAll("crm/Accounts")
      }).pipe(Effect.flip, Effect.provide(layer))
      expect(failed.reason._tag).toBe("NotFound")
      const died = yield* Effect.gen(function* () {
        const service = yield* ExactOnline
        return yield* service.me
      }).pipe(Effect.exit, Effect.provide(layer))
      expect(String(died)).toContain("me was not provided")
    })
  )
})
