/**
 * Calendar arithmetic for billing periods, all in UTC from `Date.UTC` (pure: it never reads the clock).
 */

const DAY_MS = 86_400_000

/** One billing month. */
export interface Period {
  /** "2025-12" */
  readonly period: string
  readonly year: number
  /** 1–12 */
  readonly month: number
  /** UTC midnight of the first day. */
  readonly startMs: number
  /** UTC midnight of the last day. */
  readonly endMs: number
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

/** Parse "YYYY-MM" (month 01–12); undefined when malformed. */
export const parseMonth = (text: string): { year: number; month: number } | undefined => {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(text)
  if (m === null) return undefined
  return { year: Number(m[1]), month: Number(m[2]) }
}

/** `count` consecutive months starting at `start`. */
export const periods = (start: { year: number; month: number }, count: number): ReadonlyArray<Period> => {
  const out: Array<Period> = []
  for (let i = 0; i < count; i++) {
    const index = start.month - 1 + i
    const year = start.year + Math.floor(index / 12)
    const month = (index % 12) + 1
    const startMs = Date.UTC(year, month - 1, 1)
    const endMs = Date.UTC(year, month, 1) - DAY_MS
    out.push({ period: `${year}-${pad2(month)}`, year, month, startMs, endMs })
  }
  return out
}

/** Exact Online's OData v2 date form: "/Date(1733011200000)/". */
export const exactDate = (ms: number): string => `/Date(${ms})/`

/** ConnectWise's ISO 8601 form with a Z and no milliseconds: "2025-12-01T00:00:00Z". */
export const cwDate = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`

/** Add whole days to a UTC midnight. */
export const addDays = (ms: number, days: number): number => ms + days * DAY_MS

const DUTCH_MONTHS = [
  "januari",
  "februari",
  "maart",
  "april",
  "mei",
  "juni",
  "juli",
  "augustus",
  "september",
  "oktober",
  "november",
  "december"
]

/** A period as a Dutch invoice description names it: "december 2025". */
export const dutchMonth = (period: Period): string => `${DUTCH_MONTHS[period.month - 1]} ${period.year}`
