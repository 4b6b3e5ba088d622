import { assert, describe, it } from "@effect/vitest"
import { BigDecimal } from "effect"
import fc from "fast-check"
import { decimalKey } from "../src/internal/lines.ts"

// Idempotency keys hash `decimalKey` of quantities and prices: it must stay the text of
// `BigDecimal.format(BigDecimal.normalize(value))`, which it reads off the digits.
describe("decimalKey", () => {
  it("is the normalized decimal's text, for every value and scale", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.integer({ min: -40, max: 40 }),
        (value, scale) => {
          const decimal = BigDecimal.make(value, scale)
          assert.strictEqual(
            decimalKey(decimal),
            BigDecimal.format(BigDecimal.normalize(BigDecimal.make(value, scale)))
          )
        }
      ),
      { numRuns: 20_000 }
    )
    for (const [value, scale] of [
      [0n, 5],
      [1500n, 2],
      [-100n, 2],
      [120n, -3],
      [1n, 15],
      [1n, 16],
      [10n, 16],
      [1n, -15],
      [1n, -16]
    ] as const) {
      assert.strictEqual(
        decimalKey(BigDecimal.make(value, scale)),
        BigDecimal.format(BigDecimal.normalize(BigDecimal.make(value, scale)))
      )
    }
  })
})
