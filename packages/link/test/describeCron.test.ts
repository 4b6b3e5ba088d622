import { describe, expect, it } from "vitest"
import { describeCron, nextOccurrences } from "../src/schedule/index.ts"

describe("describeCron", () => {
  it.each([
    ["0 6 1 * *", "1st of every month at 06:00"],
    ["0 6 * * 1-5", "Monday to Friday at 06:00"],
    ["0 6 * * mon-fri", "Monday to Friday at 06:00"],
    ["0 6 * * *", "Every day at 06:00"],
    ["30 7 * * 1", "Every Monday at 07:30"],
    ["17 4 * * 0", "Every Sunday at 04:17"],
    ["17 4 * * 7", "Every Sunday at 04:17"],
    ["30 7 * * 1,3,5", "Monday, Wednesday and Friday at 07:30"],
    ["0 9 * * 6,0", "Saturday and Sunday at 09:00"],
    ["0 9 * * 0-6", "Every day at 09:00"],
    ["0 6,18 * * *", "Every day at 06:00 and 18:00"],
    ["0 6 1,15 * *", "1st and 15th of every month at 06:00"],
    ["0 6 2,3,11,22,23 * *", "2nd, 3rd, 11th, 22nd and 23rd of every month at 06:00"],
    ["0 6 1 1,4,7,10 *", "1st of January, April, July and October at 06:00"],
    ["0 6 5 jan *", "5th of January at 06:00"],
    ["0 6 * 12 1-5", "Monday to Friday in December at 06:00"],
    ["*/15 * * * *", "Every 15 minutes"],
    ["*/1 * * * *", "Every minute"],
    ["5 * * * *", "Every hour at :05"],
    ["5 * * * 1-5", "Every hour at :05, Monday to Friday"]
  ])("%s → %s", (cron, words) => {
    expect(describeCron(cron)).toBe(words)
  })

  it.each([
    ["0 6 1 * 1", "a day of the month together with a day of the week (cron joins them with OR)"],
    ["0 0 6 1 * *", "six fields (seconds)"],
    ["0 6 L * *", "the last day of the month"],
    ["0 6 * * 1#1", "the first Monday"],
    ["0 25 * * *", "an hour out of range"],
    ["0 6 5-1 * *", "a backwards range"],
    ["*/0 * * * *", "a zero step"],
    ["*/15 6-18 * * *", "a step within some hours"],
    ["", "nothing"]
  ])("puts %j in no words: %s", (cron) => {
    expect(describeCron(cron)).toBeUndefined()
  })

  it("agrees with the due times of the same cron", () => {
    // 2026-12-01 is a Tuesday; in Amsterdam the schedule's wall clock is what the words say.
    const after = Date.parse("2026-12-01T00:00:00Z")
    const due = (cron: string) =>
      nextOccurrences({ linkId: "l", job: "j", cron, timeZone: "Europe/Amsterdam" }, after, 3).map((ms) =>
        new Date(ms).toISOString()
      )
    expect(due("0 6 1 * *")).toEqual([
      "2026-12-01T05:00:00.000Z",
      "2027-01-01T05:00:00.000Z",
      "2027-02-01T05:00:00.000Z"
    ])
    expect(due("0 6 * * 6,0")).toEqual([
      "2026-12-05T05:00:00.000Z",
      "2026-12-06T05:00:00.000Z",
      "2026-12-12T05:00:00.000Z"
    ])
  })
})
