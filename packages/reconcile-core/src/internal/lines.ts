import { BigDecimal } from "effect"
import { InvalidLine } from "../Deviation.ts"
import type { InvoiceLine } from "../InvoiceLine.ts"
import type { Settings } from "./settings.ts"

/** Why a line cannot be counted as it is; empty when it can. */
export const lineProblems = (line: InvoiceLine, settings: Settings): Array<InvalidLine> => {
  const problems = (line.issues ?? []).map(
    (issue) => new InvalidLine({ lineId: line.id, field: issue.field, value: issue.value, message: issue.message })
  )
  const flagged = new Set(problems.map((problem) => problem.field))
  const missing = (field: string, value: string) => {
    if (value.trim() === "" && !flagged.has(field)) {
      problems.push(new InvalidLine({ lineId: line.id, field, value, message: "missing" }))
    }
  }
  missing("customer.key", line.customer.key)
  missing("product.key", line.product.key)
  missing("currency", line.currency)
  if (BigDecimal.isNegative(line.quantity) && settings.creditLines === "flag" && !flagged.has("quantity")) {
    problems.push(
      new InvalidLine({
        lineId: line.id,
        field: "quantity",
        value: BigDecimal.format(line.quantity),
        message: "negative quantity (a credit line): not counted; set creditLines to net to subtract credits"
      })
    )
  }
  if (BigDecimal.isNegative(line.unitCost) && !flagged.has("unitCost")) {
    problems.push(
      new InvalidLine({
        lineId: line.id,
        field: "unitCost",
        value: BigDecimal.format(line.unitCost),
        message: "negative unit cost"
      })
    )
  }
  return problems
}

/** A stable text for a decimal's value (1.50 and 1.5 agree), for sets and keys. */
export const decimalKey = (value: BigDecimal.BigDecimal): string => BigDecimal.format(BigDecimal.normalize(value))

/** The distinct values, in first-seen order. */
export const distinctDecimals = (values: Iterable<BigDecimal.BigDecimal>): Array<BigDecimal.BigDecimal> => {
  const seen = new Map<string, BigDecimal.BigDecimal>()
  for (const value of values) {
    const key = decimalKey(value)
    if (!seen.has(key)) seen.set(key, value)
  }
  return [...seen.values()]
}

export const ZERO = BigDecimal.fromBigInt(0n)
