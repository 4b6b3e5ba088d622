// What commands print: aligned tables for people, stable JSON (decimals as strings) and CSV for scripts,
// progress on a terminal only.
import { BigDecimal, DateTime } from "effect"

/** JSON with decimals as strings and instants as ISO text, two-space indented (or one line), one trailing newline. */
export const toJson = (value: unknown, indent: 2 | 0 = 2): string =>
  `${JSON.stringify(
    value,
    function (this: Record<string, unknown>, key, replaced) {
      const original = this[key]
      if (BigDecimal.isBigDecimal(original)) return BigDecimal.format(original)
      if (DateTime.isDateTime(original)) return DateTime.formatIso(original)
      return replaced
    },
    indent
  )}\n`

/** Decimal text for a table cell (empty when absent). */
export const decimal = (value: BigDecimal.BigDecimal | undefined): string =>
  value === undefined ? "" : BigDecimal.format(value)

/** Rows as a left-aligned table with a header line; numbers right-aligned. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)))
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => /^-?[\d.]*$/.test(row[i] ?? "")))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd()
  return [line(header), ...rows.map(line)].join("\n")
}

/** RFC 4180 CSV: fields quoted when they hold a comma, quote or line break. */
export const csv = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  `${[header, ...rows]
    .map((row) => row.map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(","))
    .join("\r\n")}\r\n`

/** Colour for people: off under NO_COLOR, off when stdout is no terminal. */
export const paint = (code: number, text: string): string =>
  (process.env.NO_COLOR ?? "") === "" && process.stdout.isTTY === true ? `\u001b[${code}m${text}\u001b[0m` : text

/**
 * A progress listener on stderr: a redrawn bar on a terminal; otherwise plain lines, one when a
 * phase starts and one per tenth of it, so that a log file shows progress without a line per
 * item. Nothing at all when disabled (`--json`), so that stdout and stderr stay clean for scripts.
 */
export const progressBar = (enabled: boolean) => {
  const tty = enabled && process.stderr.isTTY === true
  let drawn = false
  let phase = ""
  let step = -1
  return {
    onProgress: (event: { readonly phase: string; readonly done: number; readonly total?: number | undefined }) => {
      if (!enabled) return
      const total = event.total ?? 0
      if (!tty) {
        const tenth = total > 0 ? Math.floor((event.done / total) * 10) : 0
        if (event.phase === phase && tenth === step) return
        phase = event.phase
        step = tenth
        process.stderr.write(`${event.phase}: ${event.done}/${total || "?"}\n`)
        return
      }
      const width = 30
      const filled = total > 0 ? Math.round((event.done / total) * width) : 0
      process.stderr.write(
        `\r${event.phase.padEnd(22)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${event.done}/${total || "?"}`
      )
      drawn = true
    },
    done: () => {
      if (drawn) process.stderr.write("\n")
    }
  }
}
