/**
 * Measuring one case: wall and CPU time around the measured part, the process's peak RSS, and the
 * repeat statistics (min / median / max) the report prints.
 */

/** What one run of a case reports: named numbers, and notes for the JSON. */
export interface CaseResult {
  readonly metrics: Readonly<Record<string, number>>
  readonly notes?: Readonly<Record<string, unknown>>
}

/** Wall and CPU milliseconds of `body`. */
export const timed = async <A>(body: () => Promise<A> | A): Promise<{ value: A; wallMs: number; cpuMs: number }> => {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const value = await body()
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }
}

/** The process's peak resident set size so far, in MB. */
export const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024

/** Min, median and max of a metric over the repeats. */
export interface Spread {
  readonly min: number
  readonly median: number
  readonly max: number
}

/** The spread of `values` (the median of an even count is the mean of the middle two). */
export const spread = (values: ReadonlyArray<number>): Spread => {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN }
  const mid = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { min: sorted[0]!, median, max: sorted.at(-1)! }
}
