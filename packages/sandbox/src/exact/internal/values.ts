import { BigDecimal, Option } from "effect"

/** A decimal kept as its literal text, written to JSON as a bare number with every digit. */
export class Dec {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
  get value(): BigDecimal.BigDecimal {
    return BigDecimal.fromStringUnsafe(this.text)
  }
  static of(value: BigDecimal.BigDecimal): Dec {
    return new Dec(BigDecimal.format(value))
  }
}

/** An Edm.DateTime, written as Exact writes it: `"/Date(ms)/"`. */
export class When {
  readonly ms: number
  constructor(ms: number) {
    this.ms = ms
  }
}

/** A record field as the simulation stores it. */
export type Value =
  | string
  | number
  | boolean
  | null
  | Dec
  | When
  | ReadonlyArray<SimRecord>
  | { readonly [k: string]: Value }

/** One stored entity: field name to value. */
export type SimRecord = Record<string, Value>

const decimalLiteral = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/

/**
 * JSON text with `Dec` written as a bare numeric literal (no rounding through a double) and `When`
 * as `/Date(ms)/`.
 */
export const toJson = (value: unknown): string => {
  if (value instanceof Dec) return decimalLiteral.test(value.text) ? value.text : "null"
  if (value instanceof When) return JSON.stringify(`/Date(${value.ms})/`)
  if (value === null || value === undefined) return "null"
  if (Array.isArray(value)) return `[${value.map(toJson).join(",")}]`
  if (typeof value === "object") {
    const parts: Array<string> = []
    for (const [key, field] of Object.entries(value)) {
      if (field === undefined) continue
      parts.push(`${JSON.stringify(key)}:${toJson(field)}`)
    }
    return `{${parts.join(",")}}`
  }
  return JSON.stringify(value)
}

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown

/**
 * Parses a request body keeping every number as a `Dec` made from its literal text (JSON.parse's
 * reviver receives the source text of primitives since Node 21).
 */
export const parseJson = (text: string): unknown => {
  const reviver: Reviver = (_key, value, context) =>
    typeof value === "number" && context?.source !== undefined ? new Dec(context.source) : value
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown)
}

/** Reads a decimal from a request value: a number literal or a numeric string. */
export const asDecimal = (value: unknown): BigDecimal.BigDecimal | undefined => {
  if (value instanceof Dec) return Option.getOrUndefined(BigDecimal.fromString(value.text))
  if (typeof value === "string" && decimalLiteral.test(value.trim()))
    return Option.getOrUndefined(BigDecimal.fromString(value.trim()))
  return undefined
}

/** Reads a date from a request value: ISO 8601 (as clients send) or `/Date(ms)/`. */
export const asWhen = (value: unknown): When | undefined => {
  if (typeof value !== "string") return undefined
  const wrapped = /^\/Date\((-?\d+)\)\/$/.exec(value)
  if (wrapped) return new When(Number(wrapped[1]))
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
  if (!iso) return undefined
  const ms = Date.parse(/T/.test(value) && !/(Z|[+-]\d{2}:?\d{2})$/.test(value) ? `${value}Z` : value)
  return Number.isNaN(ms) ? undefined : new When(ms)
}

/** Rounds to `scale` decimals, half away from zero, as invoices do. */
export const round = (value: BigDecimal.BigDecimal, scale = 2): BigDecimal.BigDecimal =>
  BigDecimal.round(value, { scale, mode: "half-from-zero" })
