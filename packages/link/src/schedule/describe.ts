// A schedule's cron in words, for the people who set it: "1st of every month at 06:00". Only the
// shapes a finance team sets are put in words; for any other (seconds, `L`, `#`, a day of the month
// together with a day of the week, which cron joins with OR) there is no sentence rather than a
// wrong one, and a form shows the next due times instead.

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December"
]
const MONTH_ABBREVIATIONS = MONTHS.map((m) => m.slice(0, 3).toLowerCase())
const WEEKDAY_ABBREVIATIONS = WEEKDAYS.map((d) => d.slice(0, 3).toLowerCase())

/**
 * A cron field: every value (`*`), or the listed values ascending; undefined when not plain.
 * `names` are the values' three-letter names from `min` on (`jan` is 1, `sun` is 0).
 */
const valuesOf = (
  field: string,
  min: number,
  max: number,
  names: ReadonlyArray<string> = []
): "every" | ReadonlyArray<number> | undefined => {
  if (field === "*" || field === "?") return "every"
  const value = (text: string): number | undefined => {
    const named = names.indexOf(text.toLowerCase())
    const n = named >= 0 ? named + min : /^\d+$/.test(text) ? Number(text) : Number.NaN
    return Number.isInteger(n) && n >= min && n <= max ? n : undefined
  }
  const found = new Set<number>()
  for (const part of field.split(",")) {
    const [from, to, ...rest] = part.split("-")
    const start = from === undefined ? undefined : value(from)
    const end = to === undefined ? start : value(to)
    if (rest.length > 0 || start === undefined || end === undefined || end < start) return undefined
    for (let n = start; n <= end; n++) found.add(n)
  }
  return [...found].sort((a, b) => a - b)
}

const ordinal = (n: number): string => {
  if (n % 100 >= 11 && n % 100 <= 13) return `${n}th`
  return `${n}${n % 10 === 1 ? "st" : n % 10 === 2 ? "nd" : n % 10 === 3 ? "rd" : "th"}`
}

/** "a", "a and b", "a, b and c". */
const listed = (words: ReadonlyArray<string>): string =>
  words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`

const clock = (hour: number, minute: number) => `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`

/** The time of day, or how often within the day; undefined for a shape put in no words. */
const timesOf = (
  minuteField: string,
  hourField: string
): { readonly text: string; readonly daily: boolean } | undefined => {
  const step = /^\*\/(\d+)$/.exec(minuteField)
  if (step !== null && hourField === "*") {
    const n = Number(step[1])
    return n >= 1 && n < 60 ? { text: n === 1 ? "every minute" : `every ${n} minutes`, daily: false } : undefined
  }
  const minutes = valuesOf(minuteField, 0, 59)
  if (minutes === undefined || minutes === "every" || minutes.length !== 1) return undefined
  const minute = minutes[0] as number
  if (hourField === "*") return { text: `every hour at :${String(minute).padStart(2, "0")}`, daily: false }
  const hours = valuesOf(hourField, 0, 23)
  if (hours === undefined || hours === "every") return undefined
  return { text: `at ${listed(hours.map((h) => clock(h, minute)))}`, daily: true }
}

/** The weekdays, Monday first (cron's 0 and 7 are both Sunday), with a run of three or more as a range. */
const weekdaysOf = (days: ReadonlyArray<number>): string => {
  const mondayFirst = [...new Set(days.map((d) => (d === 0 ? 7 : d)))].sort((a, b) => a - b)
  const name = (d: number) => WEEKDAYS[d % 7] as string
  const contiguous = mondayFirst.every((d, i) => i === 0 || d === (mondayFirst[i - 1] as number) + 1)
  if (mondayFirst.length === 7) return "every day"
  if (contiguous && mondayFirst.length >= 3) {
    return `${name(mondayFirst[0] as number)} to ${name(mondayFirst.at(-1) as number)}`
  }
  return mondayFirst.length === 1 ? `every ${name(mondayFirst[0] as number)}` : listed(mondayFirst.map(name))
}

/** Which days: every day, some weekdays, or some days of every (or some) month. */
const daysOf = (dayField: string, monthField: string, weekdayField: string): string | undefined => {
  const days = valuesOf(dayField, 1, 31)
  const months = valuesOf(monthField, 1, 12, MONTH_ABBREVIATIONS)
  const weekdays = valuesOf(weekdayField, 0, 7, WEEKDAY_ABBREVIATIONS)
  if (days === undefined || months === undefined || weekdays === undefined) return undefined
  // A day of the month and a day of the week together: cron runs on either, which no one expects.
  if (days !== "every" && weekdays !== "every") return undefined
  const inMonths = months === "every" ? "every month" : listed(months.map((m) => MONTHS[m - 1] as string))
  if (days !== "every") return `${listed(days.map(ordinal))} of ${inMonths}`
  const onDays = weekdays === "every" ? "every day" : weekdaysOf(weekdays)
  return months === "every" ? onDays : `${onDays} in ${inMonths}`
}

/**
 * A 5-field cron expression in words, e.g. `0 6 1 * *` → "1st of every month at 06:00" and
 * `0 6 * * 1-5` → "Monday to Friday at 06:00"; undefined for a shape it does not put in words
 * (the expression is not checked here: `nextOccurrences` refuses a bad one).
 *
 * @example
 * ```ts
 * import { describeCron } from "@psa-ledger/link/schedule"
 *
 * describeCron("0 6 1 * *") // "1st of every month at 06:00"
 * describeCron("30 7 * * 1,3,5") // "Monday, Wednesday and Friday at 07:30"
 * ```
 *
 * @since 0.1.0
 */
export const describeCron = (cron: string): string | undefined => {
  const fields = cron.trim().split(/\s+/)
  if (fields.length !== 5) return undefined
  const [minute, hour, day, month, weekday] = fields as [string, string, string, string, string]
  const times = timesOf(minute, hour)
  const days = daysOf(day, month, weekday)
  if (times === undefined || days === undefined) return undefined
  if (times.daily) return `${days[0]?.toUpperCase()}${days.slice(1)} ${times.text}`
  const often = `${times.text[0]?.toUpperCase()}${times.text.slice(1)}`
  return days === "every day" ? often : `${often}, ${days}`
}
