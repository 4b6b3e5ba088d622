import { BigDecimal, Option } from "effect"
import { Dec, type SimRecord, type Value, When } from "./values.ts"

/** A parsed OData v2 `$filter` expression. */
export type Expr =
  | { readonly kind: "field"; readonly name: string }
  | { readonly kind: "literal"; readonly value: Literal }
  | { readonly kind: "not"; readonly operand: Expr }
  | { readonly kind: "binary"; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "call"; readonly name: FunctionName; readonly args: ReadonlyArray<Expr> }

type BinaryOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "and" | "or"
type FunctionName = "substringof" | "startswith" | "endswith" | "tolower" | "toupper" | "trim"
type Literal =
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "guid"; readonly value: string }
  | { readonly type: "datetime"; readonly value: number }
  | { readonly type: "number"; readonly value: string }
  | { readonly type: "boolean"; readonly value: boolean }
  | { readonly type: "null" }

/** A `$filter` the simulation cannot parse; Exact answers such filters with a 400. */
export class FilterSyntaxError extends Error {
  override readonly name = "FilterSyntaxError"
}

type Token =
  | { readonly t: "lit"; readonly value: Literal }
  | { readonly t: "word"; readonly value: string }
  | { readonly t: "("; readonly at: number }
  | { readonly t: ")"; readonly at: number }
  | { readonly t: ","; readonly at: number }

const guidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

const readQuoted = (text: string, start: number): { value: string; end: number } => {
  // start points at the opening quote; a doubled quote is an escaped quote.
  let value = ""
  let i = start + 1
  for (;;) {
    if (i >= text.length) throw new FilterSyntaxError(`Unterminated string literal at position ${start}`)
    const char = text[i]
    if (char === "'") {
      if (text[i + 1] === "'") {
        value += "'"
        i += 2
        continue
      }
      return { value, end: i + 1 }
    }
    value += char
    i++
  }
}

const tokenize = (text: string): Array<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < text.length) {
    const char = text[i] as string
    if (/\s/.test(char)) {
      i++
    } else if (char === "(" || char === ")" || char === ",") {
      tokens.push({ t: char, at: i })
      i++
    } else if (char === "'") {
      const { value, end } = readQuoted(text, i)
      tokens.push({ t: "lit", value: { type: "string", value } })
      i = end
    } else if (/[-0-9]/.test(char)) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?/.exec(text.slice(i))
      if (!match) throw new FilterSyntaxError(`Unexpected '${char}' at position ${i}`)
      tokens.push({ t: "lit", value: { type: "number", value: match[0].replace(/[mMdDfFlL]$/, "") } })
      i += match[0].length
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_/]*/.exec(text.slice(i)) as RegExpExecArray
      const word = match[0]
      i += word.length
      if ((word === "guid" || word === "datetime") && text[i] === "'") {
        const { value, end } = readQuoted(text, i)
        i = end
        if (word === "guid") {
          if (!guidPattern.test(value)) throw new FilterSyntaxError(`Invalid guid literal '${value}'`)
          tokens.push({ t: "lit", value: { type: "guid", value: value.toLowerCase() } })
        } else {
          const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`)
          if (Number.isNaN(ms)) throw new FilterSyntaxError(`Invalid datetime literal '${value}'`)
          tokens.push({ t: "lit", value: { type: "datetime", value: ms } })
        }
      } else if (word === "true" || word === "false") {
        tokens.push({ t: "lit", value: { type: "boolean", value: word === "true" } })
      } else if (word === "null") {
        tokens.push({ t: "lit", value: { type: "null" } })
      } else {
        tokens.push({ t: "word", value: word })
      }
    } else {
      throw new FilterSyntaxError(`Unexpected '${char}' at position ${i}`)
    }
  }
  return tokens
}

const comparisons = new Set(["eq", "ne", "gt", "ge", "lt", "le"])
const functions = new Set<string>(["substringof", "startswith", "endswith", "tolower", "toupper", "trim"])

/** Parses an OData v2 `$filter` (eq ne gt ge lt le, and or not, parentheses, string functions). */
export const parseFilter = (text: string): Expr => {
  const tokens = tokenize(text)
  let position = 0
  const peek = () => tokens[position]
  const isWord = (word: string) => {
    const token = peek()
    return token?.t === "word" && token.value === word
  }
  const expect = (t: "(" | ")" | ",") => {
    const token = peek()
    if (token?.t !== t) throw new FilterSyntaxError(`Expected '${t}' in $filter`)
    position++
  }
  const parseOr = (): Expr => {
    let left = parseAnd()
    while (isWord("or")) {
      position++
      left = { kind: "binary", op: "or", left, right: parseAnd() }
    }
    return left
  }
  const parseAnd = (): Expr => {
    let left = parseComparison()
    while (isWord("and")) {
      position++
      left = { kind: "binary", op: "and", left, right: parseComparison() }
    }
    return left
  }
  const parseComparison = (): Expr => {
    const left = parseUnary()
    const token = peek()
    if (token?.t === "word" && comparisons.has(token.value)) {
      position++
      return { kind: "binary", op: token.value as BinaryOp, left, right: parseUnary() }
    }
    return left
  }
  const parseUnary = (): Expr => {
    if (isWord("not")) {
      position++
      return { kind: "not", operand: parseUnary() }
    }
    const token = peek()
    if (token === undefined) throw new FilterSyntaxError("Unexpected end of $filter")
    position++
    if (token.t === "(") {
      const inner = parseOr()
      expect(")")
      return inner
    }
    if (token.t === "lit") return { kind: "literal", value: token.value }
    if (token.t === "word") {
      if (functions.has(token.value) && peek()?.t === "(") {
        position++
        const args: Array<Expr> = [parseOr()]
        while (peek()?.t === ",") {
          position++
          args.push(parseOr())
        }
        expect(")")
        return { kind: "call", name: token.value as FunctionName, args }
      }
      if (comparisons.has(token.value) || token.value === "and" || token.value === "or") {
        throw new FilterSyntaxError(`Unexpected operator '${token.value}' in $filter`)
      }
      return { kind: "field", name: token.value }
    }
    throw new FilterSyntaxError(`Unexpected '${token.t}' in $filter`)
  }
  const expr = parseOr()
  if (position !== tokens.length) throw new FilterSyntaxError("Unexpected text after the end of $filter")
  return expr
}

/** The field names an expression refers to, so unknown ones can be refused. */
export const fieldsOf = (expr: Expr): Array<string> => {
  switch (expr.kind) {
    case "field":
      return [expr.name]
    case "literal":
      return []
    case "not":
      return fieldsOf(expr.operand)
    case "binary":
      return [...fieldsOf(expr.left), ...fieldsOf(expr.right)]
    case "call":
      return expr.args.flatMap(fieldsOf)
  }
}

type Scalar = string | number | boolean | null | BigDecimal.BigDecimal | { readonly ms: number }

const scalar = (value: Value | undefined): Scalar => {
  if (value === undefined || value === null) return null
  if (value instanceof Dec) return value.value
  if (value instanceof When) return { ms: value.ms }
  if (typeof value === "object") return null
  return value
}

const fromLiteral = (literal: Literal): Scalar => {
  switch (literal.type) {
    case "null":
      return null
    case "number":
      return Option.getOrThrow(BigDecimal.fromString(literal.value))
    case "datetime":
      return { ms: literal.value }
    default:
      return literal.value
  }
}

const evaluate = (expr: Expr, record: SimRecord): Scalar => {
  switch (expr.kind) {
    case "field":
      return scalar(record[expr.name])
    case "literal":
      return fromLiteral(expr.value)
    case "not":
      return evaluate(expr.operand, record) !== true
    case "call": {
      const args = expr.args.map((arg) => evaluate(arg, record))
      const text = (value: Scalar) => (typeof value === "string" ? value : "")
      switch (expr.name) {
        case "substringof":
          return text(args[1] ?? null).includes(text(args[0] ?? null))
        case "startswith":
          return text(args[0] ?? null).startsWith(text(args[1] ?? null))
        case "endswith":
          return text(args[0] ?? null).endsWith(text(args[1] ?? null))
        case "tolower":
          return text(args[0] ?? null).toLowerCase()
        case "toupper":
          return text(args[0] ?? null).toUpperCase()
        case "trim":
          return text(args[0] ?? null).trim()
      }
      return null
    }
    case "binary": {
      if (expr.op === "and") return evaluate(expr.left, record) === true && evaluate(expr.right, record) === true
      if (expr.op === "or") return evaluate(expr.left, record) === true || evaluate(expr.right, record) === true
      const order = compare(evaluate(expr.left, record), evaluate(expr.right, record))
      switch (expr.op) {
        case "eq":
          return order === 0
        case "ne":
          return order !== 0
        case "gt":
          return order !== undefined && order > 0
        case "ge":
          return order !== undefined && order >= 0
        case "lt":
          return order !== undefined && order < 0
        case "le":
          return order !== undefined && order <= 0
      }
    }
  }
}

/** Compares two values; `undefined` when they cannot be ordered (null against a value, mixed types). */
const compare = (left: Scalar, right: Scalar): number | undefined => {
  if (left === null || right === null) return left === right ? 0 : undefined
  if (BigDecimal.isBigDecimal(left) || typeof left === "number") {
    const l = typeof left === "number" ? BigDecimal.fromNumberUnsafe(left) : left
    const r =
      typeof right === "number"
        ? BigDecimal.fromNumberUnsafe(right)
        : BigDecimal.isBigDecimal(right)
          ? right
          : undefined
    return r === undefined ? undefined : BigDecimal.Order(l, r)
  }
  if (typeof left === "object" && typeof right === "object" && "ms" in left && "ms" in right) {
    return Math.sign(left.ms - right.ms)
  }
  if (typeof left === "string" && typeof right === "string") {
    // GUIDs compare case-insensitively; other strings as Exact's SQL collation would, ignoring case.
    const l = left.toLowerCase()
    const r = right.toLowerCase()
    return l === r ? 0 : l < r ? -1 : 1
  }
  if (typeof left === "boolean" && typeof right === "boolean") return left === right ? 0 : left ? 1 : -1
  return undefined
}

/** Whether a record satisfies a parsed filter. */
export const matches = (expr: Expr, record: SimRecord): boolean => evaluate(expr, record) === true
