import { BigDecimal } from "effect"
import { InvalidLine } from "../Deviation.ts"
import type { InvoiceLine } from "../InvoiceLine.ts"
import type { Settings } from "./settings.ts"
import { trusted } from "./trusted.ts"

const none: ReadonlyArray<InvalidLine> = Object.freeze([])

/** Whether the line has none of the problems `lineProblems` looks for (almost every line). */
const isClean = (line: InvoiceLine, settings: Settings): boolean =>
  line.issues === undefined &&
  !BigDecimal.isNegative(line.unitCost) &&
  (settings.creditLines !== "flag" || line.credit === true || !BigDecimal.isNegative(line.quantity)) &&
  line.customer.key.trim() !== "" &&
  line.product.key.trim() !== "" &&
  line.currency.trim() !== ""

/** Why a line cannot be counted as it is; empty when it can. */
export const lineProblems = (line: InvoiceLine, settings: Settings): ReadonlyArray<InvalidLine> => {
  if (isClean(line, settings)) return none
  const problems = (line.issues ?? []).map((issue) =>
    trusted(InvalidLine, { lineId: line.id, field: issue.field, value: issue.value, message: issue.message })
  )
  const flagged = new Set(problems.map((problem) => problem.field))
  const missing = (field: string, value: string) => {
    if (value.trim() === "" && !flagged.has(field)) {
      problems.push(trusted(InvalidLine, { lineId: line.id, field, value, message: "missing" }))
    }
  }
  missing("customer.key", line.customer.key)
  missing("product.key", line.product.key)
  missing("currency", line.currency)
  if (
    BigDecimal.isNegative(line.quantity) &&
    line.credit !== true &&
    settings.creditLines === "flag" &&
    !flagged.has("quantity")
  ) {
    problems.push(
      trusted(InvalidLine, {
        lineId: line.id,
        field: "quantity",
        value: BigDecimal.format(line.quantity),
        message: "negative quantity (a credit line): not counted; set creditLines to net to subtract credits"
      })
    )
  }
  if (BigDecimal.isNegative(line.unitCost) && !flagged.has("unitCost")) {
    problems.push(
      trusted(InvalidLine, {
        lineId: line.id,
        field: "unitCost",
        value: BigDecimal.format(line.unitCost),
        message: "negative unit cost"
      })
    )
  }
  return problems
}

/**
 * Whether a line's amount disagrees with quantity × unit price (or cost, without a price) by more
 * than one unit of the currency's last place: the source then contradicts itself.
 */
const amountProblem = (line: InvoiceLine, settings: Settings): InvalidLine | undefined => {
  if (line.amount === undefined) return undefined
  // An unreadable quantity or price is its own problem; the amount cannot be checked against it.
  if ((line.issues ?? []).some((issue) => ["quantity", "unitCost", "unitPrice"].includes(issue.field))) return undefined
  const price = line.unitPrice ?? line.unitCost
  const expected = BigDecimal.multiply(line.quantity, price)
  const scale = settings.scaleOf(line.currency)
  const gap = BigDecimal.abs(BigDecimal.subtract(expected, line.amount))
  const allowed = BigDecimal.make(1n, scale)
  if (!BigDecimal.isGreaterThan(gap, allowed)) return undefined
  return trusted(InvalidLine, {
    lineId: line.id,
    field: "amount",
    value: BigDecimal.format(line.amount),
    message: `the amount is not quantity × ${line.unitPrice === undefined ? "unit cost" : "unit price"} (${BigDecimal.format(BigDecimal.normalize(expected))})`
  })
}

/** A row's lines as read once: every problem, and the lines it sums. */
export interface RowLines {
  /** Each line's own problems, its amount's, and line ids delivered more than once. */
  readonly problems: ReadonlyArray<InvalidLine>
  /** Each line id once (the first delivery), without the unreadable ones. */
  readonly counted: ReadonlyArray<InvoiceLine>
}

/** Reads a row's lines once: what is wrong with them and which are counted. */
export const readRowLines = (lines: ReadonlyArray<InvoiceLine>, settings: Settings): RowLines => {
  if (lines.length === 1) {
    // The common row: one line, nothing delivered twice.
    const line = lines[0] as InvoiceLine
    const own = lineProblems(line, settings)
    const amount = amountProblem(line, settings)
    const problems = amount === undefined ? own : [...own, amount]
    return { problems, counted: own.length === 0 ? lines : [] }
  }
  const problems: Array<InvalidLine> = []
  const counted: Array<InvoiceLine> = []
  const seen = new Set<string>()
  for (const line of lines) {
    if (seen.has(line.id)) {
      problems.push(
        trusted(InvalidLine, {
          lineId: line.id,
          field: "id",
          value: line.id,
          message: `line ${line.id} of invoice ${line.invoiceNumber || line.invoiceId} was delivered more than once; counted once`
        })
      )
      continue
    }
    seen.add(line.id)
    const own = lineProblems(line, settings)
    if (own.length === 0) counted.push(line)
    else problems.push(...own)
    const amount = amountProblem(line, settings)
    if (amount !== undefined) problems.push(amount)
  }
  return { problems, counted }
}

// What `resolve` (and `diff`) read of their rows' lines, for `diff` (and `plan`) to reuse rather
// than read every line again: by the array returned, each read with the row it belongs to (a row
// replaced or moved in that array since is read again) and the settings it was read under.
interface Reads {
  readonly rows: ReadonlyArray<object>
  readonly reads: ReadonlyArray<RowLines>
  readonly settings: Settings
}
const readsOf = new WeakMap<ReadonlyArray<object>, Reads>()

/** Keeps what was read of `rows`' lines (`reads[i]` of `rows[i]`), for `readsFor`. */
export const keepReads = (rows: ReadonlyArray<object>, reads: ReadonlyArray<RowLines>, settings: Settings): void => {
  readsOf.set(rows, { rows: [...rows], reads, settings })
}

/**
 * What was read of the lines of `rows[index]` when `rows` came from `resolve` under the same
 * settings, else `undefined` (read them).
 */
export const readsFor = (
  rows: ReadonlyArray<object>,
  settings: Settings
): ((row: object, index: number) => RowLines | undefined) => {
  const kept = readsOf.get(rows)
  if (kept === undefined || kept.settings !== settings) return () => undefined
  return (row, index) => (kept.rows[index] === row ? kept.reads[index] : undefined)
}

/** An empty list the core's values share (frozen: nobody can add to it). */
export const EMPTY: ReadonlyArray<never> = Object.freeze([])

/** What a row without lines reads (a `connectwise` row). */
export const NO_LINES: RowLines = { problems: EMPTY, counted: EMPTY }

/**
 * The list in an array of its own length, for a value to keep: an array grown by `push` holds
 * at least 16 slots, ~130 bytes a row for the one deviation most rows have.
 */
export const exactly = <T>(list: ReadonlyArray<T>): ReadonlyArray<T> =>
  list.length === 0 ? EMPTY : list.length === 1 ? [list[0] as T] : list.slice()

/**
 * A stable text for a decimal's value (1.50 and 1.5 agree), for sets and keys: the text of
 * `BigDecimal.format(BigDecimal.normalize(value))`, read off the digits without making (and
 * caching on `value`) a normalized decimal, for the common scales.
 */
export const decimalKey = (value: BigDecimal.BigDecimal): string => {
  if (value.value === 0n) return "0"
  const negative = value.value < 0n
  const all = `${negative ? -value.value : value.value}`
  let end = all.length
  while (all.charCodeAt(end - 1) === 48) end--
  const scale = value.scale - (all.length - end)
  if (scale >= 16 || scale <= -16) return BigDecimal.format(BigDecimal.normalize(value))
  const digits = end === all.length ? all : all.slice(0, end)
  let text: string
  if (scale > 0) {
    const padded = digits.padStart(scale + 1, "0")
    const point = padded.length - scale
    text = `${padded.slice(0, point)}.${padded.slice(point)}`
  } else text = scale === 0 ? digits : digits.padEnd(digits.length - scale, "0")
  return negative ? `-${text}` : text
}

/** The distinct values, in first-seen order. */
export const distinctDecimals = (values: ReadonlyArray<BigDecimal.BigDecimal>): Array<BigDecimal.BigDecimal> => {
  if (values.length <= 1) return [...values]
  const seen = new Map<string, BigDecimal.BigDecimal>()
  for (const value of values) {
    const key = decimalKey(value)
    if (!seen.has(key)) seen.set(key, value)
  }
  return [...seen.values()]
}

export const ZERO = BigDecimal.fromBigInt(0n)

/** The sum of the quantities, from zero (what `reduce` with `BigDecimal.sum` gives, without its closure). */
export const sumOf = (items: ReadonlyArray<{ readonly quantity: BigDecimal.BigDecimal }>): BigDecimal.BigDecimal => {
  let total = ZERO
  for (const item of items) total = BigDecimal.sum(total, item.quantity)
  return total
}
