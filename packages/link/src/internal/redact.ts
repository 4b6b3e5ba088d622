import { BigDecimal, DateTime } from "effect"

/** A JSON value, as a log entry's fields hold them. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** What replaces a secret in a log entry. */
export const REDACTED = "[redacted]"

/**
 * Keys whose values are secrets wherever they appear: token, secret, password, authorization,
 * private key, API key, cookie, credentials, in any case and with `_`/`-` separators.
 */
const SECRET_KEY = /token|secret|passw(or)?d|pwd|authori[sz]ation|private[-_]?key|api[-_]?key|cookie|credential/i

/** Values that are credentials by their shape, whatever their key: an HTTP `Authorization` value. */
const SECRET_VALUE = /^\s*(bearer|basic)\s+\S+/i

/**
 * Whether a field name names a secret.
 */
export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key)

/**
 * Makes log fields safe to store and to show: secrets (by key name or by an `Authorization`-like
 * value) become `"[redacted]"`, at any depth; values become JSON (decimals and dates as text,
 * errors as `{ name, message }`, `undefined` and functions dropped, cycles cut).
 *
 * @example
 * ```ts
 * redactFields({ invoice: "INV-1", accessToken: "eyJ..." })
 * // => { invoice: "INV-1", accessToken: "[redacted]" }
 * ```
 */
export const redactFields = (fields: Readonly<Record<string, unknown>> | undefined): Record<string, Json> => {
  if (fields === undefined) return {}
  const out: Record<string, Json> = {}
  const seen = new Set<object>()
  for (const [key, value] of Object.entries(fields)) {
    const safe = isSecretKey(key) ? REDACTED : toJson(value, seen, 0)
    if (safe !== undefined) out[key] = safe
  }
  return out
}

const MAX_DEPTH = 8

const toJson = (value: unknown, seen: Set<object>, depth: number): Json | undefined => {
  if (value === null) return null
  switch (typeof value) {
    case "string":
      return SECRET_VALUE.test(value) ? REDACTED : value
    case "boolean":
      return value
    case "number":
      // JSON has no NaN or Infinity; say what it was rather than storing null.
      return Number.isFinite(value) ? value : String(value)
    case "bigint":
      return value.toString()
    case "undefined":
    case "function":
    case "symbol":
      return undefined
  }
  if (BigDecimal.isBigDecimal(value)) return BigDecimal.format(value)
  if (DateTime.isDateTime(value)) return DateTime.formatIso(DateTime.toUtc(value))
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString()
  if (typeof value !== "object") return String(value)
  if (seen.has(value)) return "[circular]"
  if (depth >= MAX_DEPTH) return "[nested too deep]"
  seen.add(value)
  try {
    if (value instanceof Error) {
      return { name: value.name, message: value.message }
    }
    if (Array.isArray(value)) {
      return value.map((item) => toJson(item, seen, depth + 1) ?? null)
    }
    const out: Record<string, Json> = {}
    for (const [key, item] of Object.entries(value)) {
      const safe = isSecretKey(key) ? REDACTED : toJson(item, seen, depth + 1)
      if (safe !== undefined) out[key] = safe
    }
    return out
  } finally {
    seen.delete(value)
  }
}

/**
 * A scrubber for free text (a vendor's error message) that replaces each of the given secrets (a
 * password, a connection string's password) with `"[redacted]"`; empty or missing secrets are ignored.
 */
export const secretScrubber = (secrets: Iterable<string | undefined>): ((text: string) => string) => {
  const known = [...secrets].filter((secret): secret is string => secret !== undefined && secret.length > 0)
  return (text) => known.reduce((scrubbed, secret) => scrubbed.split(secret).join(REDACTED), text)
}
