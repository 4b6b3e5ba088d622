import { BigDecimal, DateTime, Option, Predicate } from "effect"

/**
 * A value as JSON for a response: decimals as strings (never JSON numbers), instants as ISO text,
 * options as the value or null, Maps and Sets as objects and arrays. Schema classes are walked
 * as their fields.
 */
export const toJson = (value: unknown): unknown => {
  if (value === null || value === undefined) return value ?? null
  if (BigDecimal.isBigDecimal(value)) return BigDecimal.format(value)
  if (DateTime.isDateTime(value)) return DateTime.formatIso(DateTime.toUtc(value))
  if (Option.isOption(value)) return Option.isSome(value) ? toJson(value.value) : null
  if (typeof value === "bigint") return value.toString()
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v)]))
  if (value instanceof Set) return [...value].map(toJson)
  if (Array.isArray(value)) return value.map(toJson)
  if (Predicate.isObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined && typeof v !== "function") out[k] = toJson(v)
    return out
  }
  return value
}
