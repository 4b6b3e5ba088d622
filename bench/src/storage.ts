/**
 * The storage bench's results (packages/storage-adapters/bench/storage.ts, run as a child) as a
 * table, with the ratios that decide: SQLite's durability setting and PostgreSQL against SQLite.
 */

/** One storage case as the storage bench writes it. */
export interface StorageResult {
  readonly adapter: string
  readonly case: string
  readonly operations: number
  readonly seconds: number
  readonly perSecond: number
}

/** The storage bench's JSON. */
export interface StorageResults {
  readonly node: string
  readonly n: number
  readonly results: ReadonlyArray<StorageResult>
}

/** A Markdown table: operations per second per adapter, and each against SQLite synchronous=full. */
export const renderStorage = (storage: StorageResults): string => {
  const adapters = [...new Set(storage.results.map((r) => r.adapter))]
  const cases = [...new Set(storage.results.map((r) => r.case))]
  const baseline = adapters.find((a) => a.includes("full"))
  const at = (adapter: string, name: string) => storage.results.find((r) => r.adapter === adapter && r.case === name)
  const head = [
    "Storage case",
    ...adapters.map((a) => `${a} ops/s`),
    ...adapters.filter((a) => a !== baseline).map((a) => `${a} / ${baseline}`)
  ]
  const rows = cases.map((name) => {
    const base = baseline === undefined ? undefined : at(baseline, name)
    return [
      name,
      ...adapters.map((a) => at(a, name)?.perSecond.toLocaleString("en-US") ?? "—"),
      ...adapters
        .filter((a) => a !== baseline)
        .map((a) => {
          const r = at(a, name)
          return r && base ? (r.perSecond / base.perSecond).toFixed(2) : "—"
        })
    ]
  })
  const line = (cells: ReadonlyArray<string>) => `| ${cells.join(" | ")} |`
  return [
    `Storage, ${storage.n.toLocaleString("en-US")} operations a case:`,
    "",
    line(head),
    line(head.map(() => "---")),
    ...rows.map(line)
  ].join("\n")
}
