import { describe, expect, it } from "@effect/vitest"
import {
  formatDueTime,
  InvalidSchedule,
  nextOccurrences,
  occurrenceKey,
  occurrencesBetween
} from "../src/schedule/index.ts"

const iso = (list: ReadonlyArray<number>) => list.map((ms) => new Date(ms).toISOString())
const at = (text: string) => Date.parse(text)

describe("occurrencesBetween", () => {
  const daily = { linkId: "l", job: "transfer.run", cron: "30 2 * * *", timeZone: "Europe/Amsterdam" }

  it("lists the due times after the start and up to the end, in the schedule's time zone", () => {
    expect(iso(occurrencesBetween(daily, at("2026-01-10T00:00:00Z"), at("2026-01-12T01:30:00Z")))).toEqual([
      "2026-01-10T01:30:00.000Z",
      "2026-01-11T01:30:00.000Z",
      "2026-01-12T01:30:00.000Z"
    ])
    // The start is exclusive, so consecutive windows never list an occurrence twice.
    expect(iso(occurrencesBetween(daily, at("2026-01-10T01:30:00Z"), at("2026-01-11T01:29:59Z")))).toEqual([])
    expect(occurrencesBetween(daily, at("2026-01-11T00:00:00Z"), at("2026-01-10T00:00:00Z"))).toEqual([])
  })

  it("follows the clock change: a time skipped in spring runs once, a time repeated in autumn runs once", () => {
    expect(iso(occurrencesBetween(daily, at("2026-03-28T12:00:00Z"), at("2026-03-30T12:00:00Z")))).toEqual([
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z"
    ])
    expect(iso(occurrencesBetween(daily, at("2026-10-24T12:00:00Z"), at("2026-10-26T12:00:00Z")))).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z"
    ])
  })

  it("keeps the latest occurrences when more fell due than the limit", () => {
    const hourly = { ...daily, cron: "0 * * * *", timeZone: "UTC" }
    expect(iso(occurrencesBetween(hourly, at("2026-01-01T00:00:00Z"), at("2026-01-02T00:00:00Z"), 2))).toEqual([
      "2026-01-01T23:00:00.000Z",
      "2026-01-02T00:00:00.000Z"
    ])
  })

  it("names the link, job and expression of a schedule croner refuses", () => {
    const bad = { ...daily, cron: "61 * * * *" }
    expect(() => occurrencesBetween(bad, 0, 1)).toThrow(InvalidSchedule)
    expect(() => occurrencesBetween(bad, 0, 1)).toThrow(/schedule transfer\.run of link l: "61 \* \* \* \*"/)
    expect(() => occurrencesBetween({ ...daily, timeZone: "Mars/Olympus" }, 0, DAY)).toThrow(InvalidSchedule)
  })

  it("keys an occurrence by link, job and UTC due time", () => {
    expect(occurrenceKey("l", "transfer.run", at("2026-01-10T01:30:00Z"))).toBe(
      "l/transfer.run/2026-01-10T01:30:00.000Z"
    )
  })
})

const DAY = 86_400_000

describe("nextOccurrences", () => {
  const monthly = { linkId: "l", job: "reconciliation.apply", cron: "0 6 1 * *", timeZone: "Europe/Amsterdam" }

  it("lists the next due times after a moment, the same ones occurrencesBetween plans", () => {
    const from = at("2026-01-15T00:00:00Z")
    const next = nextOccurrences(monthly, from, 3)
    expect(iso(next)).toEqual(["2026-02-01T05:00:00.000Z", "2026-03-01T05:00:00.000Z", "2026-04-01T04:00:00.000Z"])
    expect(occurrencesBetween(monthly, from, next[2] ?? 0)).toEqual(next)
    expect(nextOccurrences(monthly, from, 0)).toEqual([])
  })

  it("shows a due time with the schedule's offset, summer and winter", () => {
    const [winter, , summer] = nextOccurrences(monthly, at("2026-01-15T00:00:00Z"), 3)
    expect(formatDueTime(winter ?? 0, monthly.timeZone)).toBe("2026-02-01T06:00:00.000+01:00")
    expect(formatDueTime(summer ?? 0, monthly.timeZone)).toBe("2026-04-01T06:00:00.000+02:00")
    expect(formatDueTime(winter ?? 0, "UTC")).toBe("2026-02-01T05:00:00.000+00:00")
  })
})
