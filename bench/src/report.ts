/**
 * The report: one table of figures (each a ratio measured side by side in the same run, with the
 * spread of its repeats and the wall, CPU and peak RSS of the measured part), rendered as Markdown
 * for the terminal and for docs/benchmarks.md.
 */
import { type Spread, spread } from "./measure.ts"
import type { CaseRuns } from "./run.ts"

/** One row of the table. */
export interface Figure {
  readonly id: string
  readonly what: string
  readonly size: string
  /** Ours, the median, formatted. */
  readonly ours: string
  /** What ours is measured against, the median, formatted. */
  readonly against: string
  readonly ratio: Spread | undefined
  readonly goal: string
  /** Whether the median meets the goal; undefined when there is no goal to check. */
  readonly met: boolean | undefined
  readonly wallMs: Spread | undefined
  readonly cpuMs: Spread | undefined
  readonly peakRssMb: Spread | undefined
}

/** The spread of one metric over a case's repeats. */
export const metric = (runs: CaseRuns, key: string): Spread =>
  spread(runs.runs.map((run) => run.metrics[key] ?? Number.NaN))

/** The median of one metric. */
export const median = (runs: CaseRuns, key: string): number => metric(runs, key).median

/** The process figures of a case: wall and CPU of the measured part, the process's peak RSS. */
export const processFigures = (runs: CaseRuns, wall = "wallMs", cpu = "cpuMs") => ({
  wallMs: metric(runs, wall),
  cpuMs: metric(runs, cpu),
  peakRssMb: metric(runs, "peakRssMb")
})

const num = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "—"

/** A number for a table cell: integers as they are, small values with two decimals. */
export const fmt = (n: number): string => (Number.isInteger(n) || Math.abs(n) >= 100 ? num(n) : num(n, 2))

const ratioText = (s: Spread | undefined) =>
  s === undefined ? "" : `${num(s.min, 2)} / **${num(s.median, 2)}** / ${num(s.max, 2)}`
const spreadText = (s: Spread | undefined) =>
  s === undefined || !Number.isFinite(s.median) ? "" : `${num(s.min)} / ${num(s.median)} / ${num(s.max)}`

/** The figures as a Markdown table. */
export const renderTable = (figures: ReadonlyArray<Figure>): string => {
  const head = [
    "Figure",
    "What",
    "Size",
    "Ours (median)",
    "Against (median)",
    "Ratio min / **median** / max",
    "Goal",
    "Met",
    "Wall ms min / med / max",
    "CPU ms (median)",
    "Peak RSS MB (max)"
  ]
  const rows = figures.map((f) => [
    f.id,
    f.what,
    f.size,
    f.ours,
    f.against,
    ratioText(f.ratio),
    f.goal,
    f.met === undefined ? "" : f.met ? "yes" : "**no**",
    spreadText(f.wallMs),
    f.cpuMs === undefined ? "" : num(f.cpuMs.median),
    f.peakRssMb === undefined ? "" : num(f.peakRssMb.max)
  ])
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n")
}
