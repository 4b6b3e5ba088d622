/**
 * JSON text and copies that keep {@link RawNumber} values exact.
 */
import { RawNumber } from "../RawNumber.ts"

const MARKER = "__psa_ledger_cw_raw_number__:"

/** JSON.stringify that writes {@link RawNumber} values as bare numbers. */
export const stringifyJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (v instanceof RawNumber ? `${MARKER}${v.text}` : v)).replace(
    new RegExp(`"${MARKER}([^"]+)"`, "g"),
    "$1"
  )

/** A deep copy that keeps {@link RawNumber} instances (structuredClone would drop their class). */
export const cloneJson = <A>(value: A): A => {
  if (value instanceof RawNumber || value === null || typeof value !== "object") return value
  if (Array.isArray(value)) return value.map(cloneJson) as A
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = cloneJson(v)
  return out as A
}
