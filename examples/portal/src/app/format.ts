// Decimal strings from the API shown in the user's locale without ever becoming JS numbers: the
// digits are regrouped with the locale's separators, so 1234.5 reads 1.234,5 for a Dutch team.

const parts = (locale: string) => {
  const sample = new Intl.NumberFormat(locale).formatToParts(1234567.5)
  return {
    group: sample.find((p) => p.type === "group")?.value ?? ",",
    decimal: sample.find((p) => p.type === "decimal")?.value ?? "."
  }
}

export const locale = (): string => (typeof navigator === "undefined" ? "en-GB" : navigator.language || "en-GB")

/** `-1234.5` → `-1.234,5` in nl-NL; `minDecimals` pads the fraction (2 for money). */
export const formatDecimal = (value: string | null | undefined, minDecimals = 0, lang = locale()): string => {
  if (value === null || value === undefined || value === "") return ""
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim())
  if (match === null) return value
  const [, sign, int = "", frac = ""] = match
  const { group, decimal } = parts(lang)
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, group)
  const fraction = frac.padEnd(minDecimals, "0")
  return `${sign}${grouped}${fraction === "" ? "" : decimal + fraction}`
}

export const formatMoney = (value: string | null | undefined, currency?: string, lang = locale()): string => {
  const text = formatDecimal(value, 2, lang)
  return currency === undefined || text === "" ? text : `${currency} ${text}`
}

/** `2026-12-31` → `31-12-2026` in nl-NL, from the date's parts (no time zone can shift it). */
export const formatDate = (iso: string | null | undefined, lang = locale()): string => {
  if (iso === null || iso === undefined) return ""
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso)
  if (match === null) return iso
  const [, y, m, d] = match
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)))
  return new Intl.DateTimeFormat(lang, { timeZone: "UTC", day: "2-digit", month: "2-digit", year: "numeric" }).format(
    date
  )
}

export const formatDateTime = (iso: string | null | undefined, lang = locale()): string =>
  iso === null || iso === undefined || iso === ""
    ? ""
    : new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "medium" }).format(new Date(iso))

/**
 * A scheduled time (ISO with the schedule's offset) as the wall-clock time in the schedule's own
 * time zone, which is how a person set it: `03-04-2026 06:00 (Europe/Amsterdam)` in nl-NL.
 */
export const formatScheduled = (iso: string, timeZone: string, lang = locale()): string =>
  `${new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short", timeZone }).format(new Date(iso))} (${timeZone})`

/** The jobs a schedule can run, in the domain's words. */
export const JOB_LABELS: Readonly<Record<string, string>> = {
  "reconciliation.apply": "apply approved changes",
  "transfer.run": "transfer invoices",
  "transfer.syncPayments": "sync payments",
  "exact.keepAlive": "keep Exact connected"
}

/** `2025-03` → `March 2025` in the user's language. */
export const formatMonth = (month: string, lang = locale()): string => {
  const [y, m] = month.split("-").map(Number) as [number, number]
  return new Intl.DateTimeFormat(lang, { timeZone: "UTC", month: "long", year: "numeric" }).format(
    new Date(Date.UTC(y, m - 1, 1))
  )
}

/** Exact sum of decimal strings (for the summary bar), in scaled BigInts. */
export const sumDecimals = (values: ReadonlyArray<string>): string => {
  let scale = 0
  for (const v of values) scale = Math.max(scale, v.split(".")[1]?.length ?? 0)
  let total = 0n
  for (const v of values) {
    const negative = v.startsWith("-")
    const [int = "0", frac = ""] = v.replace(/^-/, "").split(".")
    const n = BigInt(int + frac.padEnd(scale, "0"))
    total += negative ? -n : n
  }
  const negative = total < 0n
  const digits = (negative ? -total : total).toString().padStart(scale + 1, "0")
  const int = digits.slice(0, digits.length - scale)
  const frac = digits.slice(digits.length - scale).replace(/0+$/, "")
  return `${negative ? "-" : ""}${int}${frac === "" ? "" : `.${frac}`}`
}

/** A suggestion's score (0…1, not money) with two decimals in the user's locale. */
export const formatScore = (score: number | string): string =>
  typeof score === "number" ? formatDecimal(score.toFixed(2)) : String(score)
