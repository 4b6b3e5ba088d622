/**
 * Calendar dates without a time zone and the periods they bound: arithmetic on the calendar, never
 * a clock read.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const isValidDate = (text: string): boolean => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (match === null) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/**
 * A calendar date without a time zone, `YYYY-MM-DD`. Ordering the text orders the dates.
 *
 * @since 0.1.0
 */
export const LocalDate = Schema.String.check(
  Schema.makeFilter((text: string) => isValidDate(text) || "a calendar date as YYYY-MM-DD")
)

/** @since 0.1.0 */
export type LocalDate = string

/**
 * Checks and brands a `YYYY-MM-DD` date; `undefined` when it is not a real calendar date.
 *
 * @since 0.1.0
 */
export const parseLocalDate = (text: string): LocalDate | undefined =>
  isValidDate(text) ? (text as LocalDate) : undefined

/**
 * A `LocalDate` literal for code and tests; throws when it is not a calendar date.
 *
 * @since 0.1.0
 */
export const localDate = (text: string): LocalDate => {
  const date = parseLocalDate(text)
  if (date === undefined) throw new Error(`not a YYYY-MM-DD date: ${JSON.stringify(text)}`)
  return date
}

/**
 * The date `days` days after `date` (calendar arithmetic, no clock).
 *
 * @since 0.1.0
 */
export const addDays = (date: LocalDate, days: number): LocalDate => {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number]
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10) as LocalDate
}

/**
 * A period of service, inclusive at both ends.
 *
 * @since 0.1.0
 */
export class Period extends Schema.Class<Period>("Period")({
  start: LocalDate,
  end: LocalDate
}) {}
