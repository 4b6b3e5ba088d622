import { parseConditions } from "@psa-ledger/sandbox"
import { BigDecimal } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { conditions, patch } from "../src/index.ts"

describe("conditions", () => {
  it("quotes, brackets and combines", () => {
    const c = conditions.and(
      conditions.eq("company/identifier", 'O"B\\'),
      conditions.or(
        conditions.gt("_info/lastUpdated", new Date("2026-01-31T10:20:30.456Z")),
        conditions.in("id", [1, 2])
      ),
      conditions.not(conditions.like("name", "Acme%"))
    )
    expect(c).toBe(
      '(company/identifier = "O\\"B\\\\") and ((_info/lastUpdated > [2026-01-31T10:20:30Z]) or (id in (1, 2))) and (not (name like "Acme%"))'
    )
    expect(conditions.eq("unitCost", BigDecimal.fromStringUnsafe("12.50"))).toBe("unitCost = 12.5")
  })

  it("rejects field names that could smuggle syntax", () => {
    expect(() => conditions.eq('name = "x" or id', 1)).toThrow(TypeError)
    expect(() => conditions.eq("id", Number.NaN)).toThrow(TypeError)
  })

  it("round-trips any string value exactly through the simulation's parser", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const node = parseConditions(conditions.contains("name", text))
        expect(node).toEqual({
          kind: "compare",
          field: "name",
          operator: "contains",
          negated: false,
          values: [{ kind: "string", value: text }]
        })
      }),
      { numRuns: 500 }
    )
  })
})

describe("patch", () => {
  it("emits only the operations asked for", () => {
    expect(
      patch.fromPartial({
        quantity: BigDecimal.fromStringUnsafe("3"),
        unitCost: undefined,
        cancelledDate: new Date("2026-05-01T00:00:00.000Z")
      })
    ).toEqual([
      { op: "replace", path: "quantity", value: BigDecimal.fromStringUnsafe("3") },
      { op: "replace", path: "cancelledDate", value: "2026-05-01T00:00:00Z" }
    ])
    expect(patch.replace("product/id", { id: 4 })).toEqual({ op: "replace", path: "product/id", value: { id: 4 } })
    expect(() => patch.remove("/quantity")).toThrow(TypeError)
  })
})
