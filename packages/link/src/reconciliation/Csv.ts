import { InvoiceLine, LineIssue, makeInvoiceLine } from "@psa-ledger/reconcile-core"
import { LinkError, LinkInvalidInputError, LinkSourceError } from "../LinkError.ts"
import {
  type CsvColumns,
  type CsvSourceSettings,
  type InvoiceMonth,
  type InvoiceSource,
  monthBounds
} from "./InvoiceSource.ts"

/**
 * Parses CSV text into rows of fields (RFC 4180 plus what spreadsheets export): quoted fields
 * with doubled quotes, delimiters and line breaks inside quotes, CRLF or LF, a UTF-8 BOM, and a
 * final line with or without a line break. Blank lines are skipped. Never throws: an unterminated
 * quote runs to the end of the text, which is reported in `problems`.
 *
 * @example
 * ```ts
 * parseCsv('klant;product;aantal\n"Acme; BV";BP;"1,5"\n', ";").rows
 * // [["klant","product","aantal"], ["Acme; BV","BP","1,5"]]
 * ```
 *
 * @since 0.1.0
 */
export const parseCsv = (
  text: string,
  delimiter: string = guessDelimiter(text)
): { readonly rows: Array<Array<string>>; readonly problems: Array<string> } => {
  const rows: Array<Array<string>> = []
  const problems: Array<string> = []
  let row: Array<string> = []
  let field = ""
  let quoted = false
  let fieldStarted = false
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const endRow = () => {
    row.push(field)
    if (!(row.length === 1 && row[0] === "" && !fieldStarted)) rows.push(row)
    row = []
    field = ""
    fieldStarted = false
  }
  for (; i < text.length; i++) {
    const c = text[i] as string
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += c
      continue
    }
    if (c === '"' && field.trim() === "") {
      field = ""
      quoted = true
      fieldStarted = true
    } else if (c === delimiter) {
      row.push(field)
      field = ""
      fieldStarted = true
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++
      endRow()
    } else {
      field += c
      fieldStarted = true
    }
  }
  if (quoted) problems.push(`row ${rows.length + 1}: a quoted field is not closed`)
  if (field !== "" || row.length > 0 || fieldStarted) endRow()
  return { rows, problems }
}

/**
 * The delimiter of a CSV guessed from its first line: the most frequent of `;`, tab and `,` outside quotes.
 *
 * @since 0.1.0
 */
export const guessDelimiter = (text: string): string => {
  const counts = new Map<string, number>([
    [";", 0],
    ["\t", 0],
    [",", 0]
  ])
  let quoted = false
  for (const c of text) {
    if (c === '"') quoted = !quoted
    else if (!quoted && (c === "\n" || c === "\r")) break
    else if (!quoted && counts.has(c)) counts.set(c, (counts.get(c) ?? 0) + 1)
  }
  let best = ","
  let most = 0
  for (const [candidate, n] of counts) {
    if (n > most) {
      best = candidate
      most = n
    }
  }
  return best
}

/**
 * Reads a number as spreadsheets write it into exact decimal text: `1.234,56` (decimal comma) or
 * `1,234.56`, a currency sign or spaces around it, a leading `-` or parentheses for negatives.
 * `undefined` when it is not a number, so the line carries an issue instead of a guess.
 *
 * @since 0.1.0
 */
export const readCsvNumber = (raw: string, decimalComma: boolean): string | undefined => {
  let text = raw
    .trim()
    .replace(/^[€$£]\s*|\s*[€$£]$/g, "")
    .replace(/[\s\u00a0']/g, "")
  let negative = false
  if (/^\(.*\)$/.test(text)) {
    negative = true
    text = text.slice(1, -1)
  }
  if (text.startsWith("-")) {
    negative = !negative
    text = text.slice(1)
  } else if (text.startsWith("+")) text = text.slice(1)
  const [group, point] = decimalComma ? [".", ","] : [",", "."]
  // Thousands separators only in their places (1.234.567,89), never a stray one (1.2,3).
  const pattern = decimalComma ? /^\d{1,3}(\.\d{3})+(,\d+)?$|^\d+(,\d+)?$/ : /^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$/
  if (!pattern.test(text)) return undefined
  const normal = text.split(group).join("").replace(point, ".")
  return negative && !/^0+(\.0+)?$/.test(normal) ? `-${normal}` : normal
}

const DATE_FORMS: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => string]> = [
  [/^(\d{4})-(\d{2})(?:-(\d{2}))?/, (m) => `${m[1]}-${m[2]}`],
  [/^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/, (m) => `${m[3]}-${String(m[2]).padStart(2, "0")}`]
]

/** The `YYYY-MM` of a CSV date or month cell, or undefined. @internal */
export const csvMonthOf = (raw: string): string | undefined => {
  const text = raw.trim()
  for (const [pattern, month] of DATE_FORMS) {
    const m = pattern.exec(text)
    if (m !== null) {
      const result = month(m)
      if (/^\d{4}-(0[1-9]|1[0-2])$/.test(result)) return result
    }
  }
  return undefined
}

/**
 * What a CSV source reads: text already decoded, or the file's bytes (decoded by `decodeCsv`).
 *
 * @since 0.1.0
 */
export type CsvInput = string | Uint8Array

const BOMS: ReadonlyArray<{ readonly bytes: ReadonlyArray<number>; readonly encoding: string }> = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: "utf-8" },
  { bytes: [0xff, 0xfe], encoding: "utf-16le" },
  { bytes: [0xfe, 0xff], encoding: "utf-16be" }
]

/**
 * Decodes a CSV file's bytes: by its byte-order mark, else the declared `encoding` (default
 * UTF-8). Bytes that are not valid in that encoding are an `InvalidInput` naming the line — a
 * Latin-1 export read as UTF-8 would otherwise turn "Café" into "Caf\uFFFD" without a word.
 *
 * @example
 * ```ts
 * decodeCsv(new Uint8Array([0x43, 0x61, 0x66, 0xe9]), "windows-1252") // "Café"
 * ```
 *
 * @since 0.1.0
 */
export const decodeCsv = (bytes: Uint8Array, encoding: string = "utf-8"): string => {
  const bom = BOMS.find((candidate) => candidate.bytes.every((byte, i) => bytes[i] === byte))
  const chosen = bom?.encoding ?? encoding
  const body = bom === undefined ? bytes : bytes.subarray(bom.bytes.length)
  try {
    return new TextDecoder(chosen, { fatal: true }).decode(body)
  } catch {
    // Name the first line whose bytes do not decode (lines split on LF, which every encoding here keeps).
    let line = 1
    let start = 0
    const decoder = new TextDecoder(chosen, { fatal: true })
    for (let i = 0; i <= body.length; i++) {
      if (i < body.length && body[i] !== 0x0a) continue
      try {
        decoder.decode(body.subarray(start, i))
      } catch {
        break
      }
      line++
      start = i + 1
    }
    throw LinkError.of(
      new LinkInvalidInputError({
        record: `CSV line ${line}`,
        field: "encoding",
        message: `the bytes are not valid ${chosen}; declare the file's encoding (e.g. encoding: "windows-1252")`
      })
    )
  }
}

/**
 * A CSV (or spreadsheet export) as an invoice source. `read` is called on every `months()` and
 * `lines()` so a host can hand in a freshly uploaded file.
 *
 * @example
 * ```ts
 * const source = csvSource(() => readFile("pax8-2026-11.csv", "utf8"), new CsvSourceSettings({
 *   kind: "csv", month: "2026-11", currency: "EUR",
 *   columns: { customerKey: "Klantnummer", customerName: "Klant", productKey: "SKU", quantity: "Aantal", unitCost: "Kostprijs" }
 * }))
 * ```
 *
 * @since 0.1.0
 */
export const csvSource = (read: () => CsvInput | Promise<CsvInput>, settings: CsvSourceSettings): InvoiceSource => {
  const load = async () => {
    let text: string
    try {
      const input = await read()
      text = typeof input === "string" ? input : decodeCsv(input, settings.encoding)
    } catch (error) {
      if (error instanceof LinkError) throw error
      throw LinkError.of(
        new LinkSourceError({
          source: "csv",
          message: error instanceof Error ? error.message : String(error),
          ...(error instanceof Error ? { cause: error } : {})
        })
      )
    }
    const delimiter = settings.delimiter ?? guessDelimiter(text)
    const decimalComma = settings.decimalComma ?? delimiter === ";"
    const { rows, problems } = parseCsv(text, delimiter)
    const hasHeader = settings.header ?? true
    const header = hasHeader ? (rows[0] ?? []).map((name) => name.trim().toLowerCase()) : []
    const body = hasHeader ? rows.slice(1) : rows
    const indexOf = (name: keyof CsvColumns): number | undefined => {
      const column = settings.columns[name]
      if (column === undefined) return undefined
      if (typeof column === "number") return column
      const found = header.indexOf(column.trim().toLowerCase())
      if (found < 0) {
        throw LinkError.of(
          new LinkInvalidInputError({
            record: "CsvSourceSettings",
            field: `columns.${name}`,
            message: `the file has no column ${JSON.stringify(column)} (columns: ${header.join(", ")})`
          })
        )
      }
      return found
    }
    const columns = Object.fromEntries(
      (Object.keys(settings.columns) as Array<keyof CsvColumns>).map((name) => [name, indexOf(name)])
    ) as Record<keyof CsvColumns, number | undefined>
    return { rows: body, columns, decimalComma, problems, firstRow: hasHeader ? 2 : 1 }
  }
  const monthOfRow = (row: ReadonlyArray<string>, monthColumn: number | undefined) =>
    monthColumn === undefined ? settings.month : csvMonthOf(row[monthColumn] ?? "")
  return {
    kind: "csv",
    months: async () => {
      const { rows, columns } = await load()
      const months = new Set<string>()
      for (const row of rows) {
        const month = monthOfRow(row, columns.month)
        if (month !== undefined) months.add(month)
      }
      return [...months].sort().reverse()
    },
    lines: async (month: InvoiceMonth, options) => {
      const bounds = monthBounds(month)
      const { rows, columns, decimalComma, problems, firstRow } = await load()
      const cell = (row: ReadonlyArray<string>, name: keyof CsvColumns) => {
        const index = columns[name]
        return index === undefined ? undefined : (row[index] ?? "").trim()
      }
      const lines: Array<InvoiceLine> = []
      const total = rows.length
      rows.forEach((row, index) => {
        const rowMonth = monthOfRow(row, columns.month)
        const number = index + firstRow
        // A row whose month cannot be read is kept in every month's load, with the issue shown.
        if (rowMonth !== undefined && rowMonth !== month) return
        const amount = (name: "quantity" | "unitCost" | "unitPrice") => {
          const raw = cell(row, name)
          if (raw === undefined) return undefined
          return readCsvNumber(raw, decimalComma) ?? raw
        }
        const unitPrice = amount("unitPrice")
        const line = makeInvoiceLine({
          id: `csv:${number}`,
          invoiceId: "csv",
          invoiceNumber: cell(row, "invoiceNumber") ?? "",
          period: { start: bounds.start, end: bounds.end },
          customer: {
            key: cell(row, "customerKey"),
            code: cell(row, "customerCode") ?? cell(row, "customerKey"),
            name: cell(row, "customerName"),
            vatNumber: cell(row, "vatNumber")
          },
          product: {
            key: cell(row, "productKey"),
            code: cell(row, "productCode") ?? cell(row, "productKey"),
            description: cell(row, "productDescription")
          },
          quantity: amount("quantity") ?? "",
          unitCost: amount("unitCost") ?? "",
          ...(unitPrice === undefined || unitPrice === "" ? {} : { unitPrice }),
          currency: cell(row, "currency") ?? settings.currency,
          description: cell(row, "description") ?? ""
        })
        const extra = [
          ...(rowMonth === undefined
            ? [{ field: "month", value: cell(row, "month") ?? "", message: "not a date or YYYY-MM month" }]
            : []),
          ...(index === rows.length - 1 && problems.length > 0
            ? problems.map((message) => ({ field: "row", value: "", message }))
            : [])
        ]
        lines.push(extra.length === 0 ? line : withIssues(line, extra))
        options?.onProgress?.({ phase: "csv lines", done: index + 1, total })
      })
      return lines
    }
  }
}

/** The line with more issues appended. @internal */
export const withIssues = (
  line: InvoiceLine,
  issues: ReadonlyArray<{ readonly field: string; readonly value: string; readonly message: string }>
): InvoiceLine =>
  new InvoiceLine({ ...line, issues: [...(line.issues ?? []), ...issues.map((issue) => new LineIssue(issue))] })

/**
 * What a CSV source makes of a file, for a person setting up its columns: the file's header, the
 * months it holds (newest first), and the first lines of the newest month as a load would read them
 * (each with its issues). A column that is not in the file rejects with `InvalidInput` naming
 * `columns.<name>`, as a load would.
 *
 * @example
 * ```ts
 * import { CsvSourceSettings, previewCsv } from "@psa-ledger/link"
 *
 * const preview = await previewCsv(bytes, new CsvSourceSettings({ kind: "csv", columns }))
 * preview.header // ["klant", "artikel", "aantal", "prijs"]
 * ```
 *
 * @since 0.1.0
 */
export const previewCsv = async (
  input: CsvInput,
  settings: CsvSourceSettings,
  options: { readonly lines?: number | undefined } = {}
): Promise<{
  readonly header: ReadonlyArray<string>
  readonly months: ReadonlyArray<string>
  readonly month: string | undefined
  readonly lineCount: number
  readonly lines: ReadonlyArray<InvoiceLine>
}> => {
  const text = typeof input === "string" ? input : decodeCsv(input, settings.encoding)
  const firstLine = text.slice(0, Math.max(0, text.search(/\r?\n/)) || text.length)
  const [names] = parseCsv(firstLine, settings.delimiter ?? guessDelimiter(text)).rows
  const source = csvSource(() => text, settings)
  const months = await source.months()
  const month = months[0] ?? settings.month
  const lines = month === undefined ? [] : await source.lines(month)
  return {
    header: (settings.header ?? true) ? (names ?? []).map((n) => n.trim()) : [],
    months,
    month,
    lineCount: lines.length,
    lines: lines.slice(0, options.lines ?? 10)
  }
}
