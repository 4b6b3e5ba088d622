/**
 * Evaluating a parsed conditions expression against a stored record.
 */
import type { ConditionLiteral, ConditionNode } from "../Conditions.ts"
import { RawNumber } from "../RawNumber.ts"

/** Reads a `/`-separated field path from a record; missing parts read as null. */
export const readField = (record: unknown, field: string): unknown => {
  let current: unknown = record
  for (const part of field.split("/")) {
    if (current === null || typeof current !== "object") return null
    if (current instanceof RawNumber) return null
    current = (current as Record<string, unknown>)[part]
  }
  if (current instanceof RawNumber) return current.text
  return current ?? null
}

const likeToRegExp = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      .replace(/%/g, ".*")
      .replace(/_/g, ".")}$`,
    "is"
  )

// SQL Server's default collation, which ConnectWise runs on, compares text case-insensitively.
const compareScalars = (actual: unknown, expected: ConditionLiteral): number | undefined => {
  switch (expected.kind) {
    case "null":
      return actual === null ? 0 : undefined
    case "boolean":
      return typeof actual === "boolean" ? Number(actual) - Number(expected.value) : undefined
    case "number": {
      if (typeof actual !== "number" && typeof actual !== "string") return undefined
      const a = Number(actual)
      const b = Number(expected.value)
      return Number.isNaN(a) ? undefined : Math.sign(a - b)
    }
    case "date": {
      if (typeof actual !== "string") return undefined
      const a = Date.parse(actual)
      const b = Date.parse(expected.value.endsWith("Z") ? expected.value : `${expected.value}Z`)
      return Number.isNaN(a) ? undefined : Math.sign(a - b)
    }
    case "string": {
      if (actual === null || typeof actual === "object") return undefined
      const a = String(actual).toLowerCase()
      const b = expected.value.toLowerCase()
      return a < b ? -1 : a > b ? 1 : 0
    }
  }
}

/** Evaluates a parsed expression against one record. */
export const evaluateConditions = (node: ConditionNode, record: unknown): boolean => {
  switch (node.kind) {
    case "and":
      return evaluateConditions(node.left, record) && evaluateConditions(node.right, record)
    case "or":
      return evaluateConditions(node.left, record) || evaluateConditions(node.right, record)
    case "not":
      return !evaluateConditions(node.inner, record)
    case "compare": {
      const actual = readField(record, node.field)
      const first = node.values[0]!
      let result: boolean
      switch (node.operator) {
        case "like":
        case "contains": {
          const text = actual === null || typeof actual === "object" ? null : String(actual)
          const pattern = first.kind === "string" ? first.value : null
          if (text === null || pattern === null) {
            result = false
          } else if (node.operator === "like") {
            result = likeToRegExp(pattern).test(text)
          } else {
            result = text.toLowerCase().includes(pattern.toLowerCase())
          }
          break
        }
        case "in":
          result = node.values.some((v) => compareScalars(actual, v) === 0)
          break
        default: {
          const c = compareScalars(actual, first)
          if (node.operator === "!=") {
            result = c !== 0
          } else if (c === undefined) {
            result = false
          } else {
            result =
              node.operator === "="
                ? c === 0
                : node.operator === "<"
                  ? c < 0
                  : node.operator === "<="
                    ? c <= 0
                    : node.operator === ">"
                      ? c > 0
                      : c >= 0
          }
        }
      }
      return node.negated ? !result : result
    }
  }
}
