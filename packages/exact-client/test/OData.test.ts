import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { odata, parseExactDate, parseExactJson, plainRecord, toExactJson } from "../src/index.ts"

describe("odata filter builder", () => {
  it("writes Exact's literals", () => {
    expect(String(odata.eq("Name", "Café 't Hoekje"))).toBe("Name eq 'Café ''t Hoekje'")
    expect(String(odata.eq("ID", odata.guid("9A8B7C6D-0000-4000-8000-000000000001")))).toBe(
      "ID eq guid'9a8b7c6d-0000-4000-8000-000000000001'"
    )
    expect(String(odata.ge("InvoiceDate", new Date(Date.UTC(2026, 0, 1))))).toBe(
      "InvoiceDate ge datetime'2026-01-01T00:00:00'"
    )
    expect(String(odata.gt("AmountFC", odata.decimal("1234567890.123456789")))).toBe("AmountFC gt 1234567890.123456789")
    expect(String(odata.substringof("o'b", "Name"))).toBe("substringof('o''b', Name)")
    expect(String(odata.or(odata.ne("Status", 50), odata.le("Status", 20)))).toBe("(Status ne 50) or (Status le 20)")
    expect(String(odata.eq("Code", "  1000").and(odata.lt("Type", 8021)))).toBe("(Code eq '  1000') and (Type lt 8021)")
    expect(() => odata.guid("nope")).toThrow(/Not a GUID/)
    expect(() => odata.eq("Name; drop", "x")).toThrow(/Not a field name/)
  })

  it("round-trips any string through quoting", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const quoted = String(odata.eq("Name", text)).slice("Name eq ".length)
        expect(quoted.startsWith("'") && quoted.endsWith("'")).toBe(true)
        expect(quoted.slice(1, -1).replaceAll("''", "'")).toBe(text)
      })
    )
  })
})

describe("values", () => {
  it("keeps every digit of decimals and small integers as numbers", () => {
    const parsed = parseExactJson(
      '{"a":0.1,"b":12345678901234567890.123456789,"c":20,"d":1E-7,"e":"/Date(1735689600000)/"}'
    )
    expect(parsed).toEqual({
      a: "0.1",
      b: "12345678901234567890.123456789",
      c: 20,
      d: "0.0000001",
      e: "/Date(1735689600000)/"
    })
    expect(parseExactDate("/Date(1735689600000)/")).toEqual(new Date(Date.UTC(2025, 0, 1)))
    expect(
      plainRecord({ __metadata: {}, D: "/Date(0)/", L: { __deferred: { uri: "x" } }, R: { results: [{ X: 1 }] } })
    ).toEqual({
      D: new Date(0),
      R: [{ X: 1 }]
    })
    expect(toExactJson({ Quantity: odata.decimal("0.123456789012345678"), When: new Date(0) })).toBe(
      '{"Quantity":0.123456789012345678,"When":"1970-01-01T00:00:00.000Z"}'
    )
  })
})
