import { describe, expect, it } from "vitest"
import { formatDate, formatDecimal, formatMoney, formatScheduled, sumDecimals } from "../src/app/format.ts"

describe("decimal strings in the user's locale", () => {
  it("regroups the digits without going through a JS number", () => {
    expect(formatMoney("1234.5", undefined, "nl-NL")).toBe("1.234,50")
    expect(formatDecimal("-1234567.125", 0, "en-US")).toBe("-1,234,567.125")
    // 2^53 + 1 would lose its last digit as a number.
    expect(formatDecimal("9007199254740993.01", 0, "nl-NL")).toBe("9.007.199.254.740.993,01")
    expect(formatMoney("0.1", "EUR", "nl-BE")).toBe("EUR 0,10")
  })
  it("shows dates from their parts", () => {
    expect(formatDate("2026-12-31", "nl-NL")).toBe("31-12-2026")
  })
  it("shows a scheduled time as the wall clock of the schedule's own time zone", () => {
    expect(formatScheduled("2026-04-03T06:00:00.000+02:00", "Europe/Amsterdam", "nl-NL")).toBe(
      "03-04-2026, 06:00 (Europe/Amsterdam)"
    )
    expect(formatScheduled("2026-04-05T04:17:00.000+00:00", "UTC", "nl-NL")).toBe("05-04-2026, 04:17 (UTC)")
  })
  it("adds decimal strings exactly", () => {
    expect(sumDecimals(["0.1", "0.2"])).toBe("0.3")
    expect(sumDecimals(["-16.2", "29.38", "2.6"])).toBe("15.78")
    expect(sumDecimals([])).toBe("0")
  })
})
