/**
 * JSON numbers with their exact text. ConnectWise stores money as SQL decimals and writes them as
 * JSON numbers; a JavaScript number cannot carry `12.345678901234567890`, so the simulation keeps
 * such values as {@link RawNumber} and writes their digits verbatim.
 */

const NUMBER_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/
const MARKER = "__psa_ledger_cw_raw_number__:"

/** A JSON number kept as its exact decimal text. */
export class RawNumber {
  readonly text: string
  constructor(text: string) {
    if (!NUMBER_TEXT.test(text)) throw new TypeError(`Not a JSON number: ${JSON.stringify(text)}`)
    this.text = text
  }
  toString(): string {
    return this.text
  }
}

/** Makes a JSON number that the simulation writes with exactly these digits. */
export const rawNumber = (text: string): RawNumber => new RawNumber(text)

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
