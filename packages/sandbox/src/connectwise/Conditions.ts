/**
 * A parser for ConnectWise's `conditions` query language, as far as psa-ledger uses
 * it: comparisons (`= != < <= > >=`, `like`, `contains`, `in`, and their `not` forms), `and`,
 * `or`, `not (…)` and parentheses. Strings are double-quoted with backslash escapes, dates are
 * bracketed (`[2026-01-31T00:00:00Z]`), `true`/`false`/`null` are keywords. Anything else is a
 * {@link ConditionsSyntaxError}, which the simulation answers with a 400.
 */

/**
 * A literal on the right-hand side of a comparison.
 *
 * @since 0.1.0
 */
export type ConditionLiteral =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: string }
  | { readonly kind: "date"; readonly value: string }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "null" }

/**
 * The comparison operators the simulation understands.
 *
 * @since 0.1.0
 */
export type ConditionOperator = "=" | "!=" | "<" | "<=" | ">" | ">=" | "like" | "contains" | "in"

/**
 * A parsed conditions expression.
 *
 * @since 0.1.0
 */
export type ConditionNode =
  | { readonly kind: "and" | "or"; readonly left: ConditionNode; readonly right: ConditionNode }
  | { readonly kind: "not"; readonly inner: ConditionNode }
  | {
      readonly kind: "compare"
      readonly field: string
      readonly operator: ConditionOperator
      readonly negated: boolean
      readonly values: ReadonlyArray<ConditionLiteral>
    }

/**
 * The conditions text could not be parsed; `position` is the character offset.
 *
 * @since 0.1.0
 */
export class ConditionsSyntaxError extends Error {
  readonly position: number
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`)
    this.name = "ConditionsSyntaxError"
    this.position = position
  }
}

type Token =
  | { readonly type: "word"; readonly text: string; readonly at: number }
  | { readonly type: "op"; readonly text: string; readonly at: number }
  | { readonly type: "string"; readonly text: string; readonly at: number }
  | { readonly type: "number"; readonly text: string; readonly at: number }
  | { readonly type: "date"; readonly text: string; readonly at: number }
  | { readonly type: "punct"; readonly text: "(" | ")" | ","; readonly at: number }

const tokenize = (input: string): Array<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < input.length) {
    const c = input[i]!
    if (/\s/.test(c)) {
      i++
    } else if (c === "(" || c === ")" || c === ",") {
      tokens.push({ type: "punct", text: c, at: i })
      i++
    } else if (c === '"') {
      const start = i
      let text = ""
      i++
      for (;;) {
        if (i >= input.length) throw new ConditionsSyntaxError("Unterminated string", start)
        const d = input[i]!
        if (d === "\\") {
          const next = input[i + 1]
          if (next !== '"' && next !== "\\") throw new ConditionsSyntaxError("Unknown escape in string", i)
          text += next
          i += 2
        } else if (d === '"') {
          i++
          break
        } else {
          text += d
          i++
        }
      }
      tokens.push({ type: "string", text, at: start })
    } else if (c === "[") {
      const end = input.indexOf("]", i)
      if (end < 0) throw new ConditionsSyntaxError("Unterminated date", i)
      const text = input.slice(i + 1, end)
      if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?Z?)?$/.test(text) || Number.isNaN(Date.parse(text))) {
        throw new ConditionsSyntaxError(`Invalid date [${text}]`, i)
      }
      tokens.push({ type: "date", text, at: i })
      i = end + 1
    } else if (/[<>=!]/.test(c)) {
      const two = input.slice(i, i + 2)
      const text = ["<=", ">=", "!=", "<>"].includes(two) ? two : c
      if (text === "!") throw new ConditionsSyntaxError("Unknown operator !", i)
      tokens.push({ type: "op", text: text === "<>" ? "!=" : text, at: i })
      i += text.length
    } else if (/[-\d]/.test(c)) {
      const match = /^-?\d+(\.\d+)?/.exec(input.slice(i))
      if (!match) throw new ConditionsSyntaxError("Invalid number", i)
      tokens.push({ type: "number", text: match[0], at: i })
      i += match[0].length
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_/]*/.exec(input.slice(i))!
      tokens.push({ type: "word", text: match[0], at: i })
      i += match[0].length
    } else {
      throw new ConditionsSyntaxError(`Unexpected character ${JSON.stringify(c)}`, i)
    }
  }
  return tokens
}

const KEYWORDS = new Set(["and", "or", "not", "like", "contains", "in", "true", "false", "null"])

/**
 * Parses a conditions string, or throws {@link ConditionsSyntaxError}.
 *
 * @since 0.1.0
 */
export const parseConditions = (input: string): ConditionNode => {
  const tokens = tokenize(input)
  let pos = 0
  const peek = (): Token | undefined => tokens[pos]
  const at = (): number => peek()?.at ?? input.length
  const isWord = (t: Token | undefined, word: string): boolean => t?.type === "word" && t.text.toLowerCase() === word

  const parseOr = (): ConditionNode => {
    let left = parseAnd()
    while (isWord(peek(), "or")) {
      pos++
      left = { kind: "or", left, right: parseAnd() }
    }
    return left
  }
  const parseAnd = (): ConditionNode => {
    let left = parseUnary()
    while (isWord(peek(), "and")) {
      pos++
      left = { kind: "and", left, right: parseUnary() }
    }
    return left
  }
  const parseUnary = (): ConditionNode => {
    const t = peek()
    if (isWord(t, "not")) {
      pos++
      return { kind: "not", inner: parseUnary() }
    }
    if (t?.type === "punct" && t.text === "(") {
      pos++
      const inner = parseOr()
      const close = peek()
      if (close?.type !== "punct" || close.text !== ")") throw new ConditionsSyntaxError("Expected )", at())
      pos++
      return inner
    }
    return parseComparison()
  }
  const parseValue = (): ConditionLiteral => {
    const t = peek()
    if (!t) throw new ConditionsSyntaxError("Expected a value", at())
    pos++
    switch (t.type) {
      case "string":
        return { kind: "string", value: t.text }
      case "number":
        return { kind: "number", value: t.text }
      case "date":
        return { kind: "date", value: t.text }
      case "word": {
        const w = t.text.toLowerCase()
        if (w === "true" || w === "false") return { kind: "boolean", value: w === "true" }
        if (w === "null") return { kind: "null" }
        throw new ConditionsSyntaxError(`Unquoted value ${t.text}`, t.at)
      }
      default:
        throw new ConditionsSyntaxError("Expected a value", t.at)
    }
  }
  const parseComparison = (): ConditionNode => {
    const fieldToken = peek()
    if (fieldToken?.type !== "word" || KEYWORDS.has(fieldToken.text.toLowerCase())) {
      throw new ConditionsSyntaxError("Expected a field name", at())
    }
    pos++
    let negated = false
    if (isWord(peek(), "not")) {
      negated = true
      pos++
    }
    const opToken = peek()
    if (!opToken) throw new ConditionsSyntaxError("Expected an operator", at())
    let operator: ConditionOperator
    if (opToken.type === "op" && !negated) {
      operator = opToken.text as ConditionOperator
    } else if (opToken.type === "word" && ["like", "contains", "in"].includes(opToken.text.toLowerCase())) {
      operator = opToken.text.toLowerCase() as ConditionOperator
    } else {
      throw new ConditionsSyntaxError(`Unknown operator ${opToken.text}`, opToken.at)
    }
    pos++
    if (operator === "in") {
      const open = peek()
      if (open?.type !== "punct" || open.text !== "(") throw new ConditionsSyntaxError("Expected ( after in", at())
      pos++
      const values: Array<ConditionLiteral> = [parseValue()]
      for (;;) {
        const t = peek()
        if (t?.type === "punct" && t.text === ",") {
          pos++
          values.push(parseValue())
        } else if (t?.type === "punct" && t.text === ")") {
          pos++
          break
        } else {
          throw new ConditionsSyntaxError("Expected , or ) in list", at())
        }
      }
      return { kind: "compare", field: fieldToken.text, operator, negated, values }
    }
    return { kind: "compare", field: fieldToken.text, operator, negated, values: [parseValue()] }
  }

  const node = parseOr()
  if (pos < tokens.length) throw new ConditionsSyntaxError(`Unexpected ${tokens[pos]!.text}`, at())
  return node
}
