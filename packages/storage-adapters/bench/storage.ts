/**
 * Storage throughput: N mapping upserts (in batches of 1,000, as a reconciliation saves them),
 * N mapping lookups, and N plan-journal operations (begin + complete), on SQLite (synchronous=full
 * and normal) and PostgreSQL — what decides the SQLite durability default and when PostgreSQL pays.
 *
 * Run by the bench suite (`npm run bench` at the root): N is 5,000 by default (the journal's fsync per
 * operation makes 100k a matter of minutes), 100,000 with BENCH_SIZE=full, or BENCH_N. On its own:
 *
 *   node --conditions=@psa-ledger/source packages/storage-adapters/bench/storage.ts
 *
 * Prints a table and writes JSON to BENCH_RESULT_FILE (default bench/results/storage-<time>.json).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Mapping } from "@psa-ledger/reconcile-core"
import { DateTime, Effect } from "effect"
import pg from "pg"
import type { Storage } from "../src/index.ts"
import { postgresStorage } from "../src/postgres.ts"
import { sqliteStorage } from "../src/sqlite.ts"

const N = Number(process.env.BENCH_N ?? (process.env.BENCH_SIZE === "full" ? 100_000 : 5_000))
const BATCH = 1_000
const CONCURRENCY = 8
const PG_URL = process.env.PSA_LEDGER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const at = DateTime.makeUnsafe("2026-11-01T09:00:00Z")

interface Result {
  readonly adapter: string
  readonly case: string
  readonly operations: number
  readonly seconds: number
  readonly perSecond: number
}

const time = async (
  adapter: string,
  name: string,
  operations: number,
  body: () => Promise<unknown>
): Promise<Result> => {
  const start = performance.now()
  await body()
  const seconds = (performance.now() - start) / 1000
  return { adapter, case: name, operations, seconds, perSecond: Math.round(operations / seconds) }
}

const cases = async (adapter: string, storage: Storage): Promise<Array<Result>> => {
  const mappings = Array.from(
    { length: N },
    (_, i) =>
      new Mapping({
        kind: "product",
        sourceKey: `item-${i.toString().padStart(6, "0")}`,
        targetId: i + 1,
        method: "exact-identifier",
        decidedBy: "bench",
        decidedAt: at
      })
  )
  const results: Array<Result> = []
  results.push(
    await time(adapter, `mapping upsert (batches of ${BATCH})`, N, async () => {
      for (let i = 0; i < N; i += BATCH)
        await Effect.runPromise(storage.mappings.upsert("bench", mappings.slice(i, i + BATCH)))
    })
  )
  results.push(
    await time(adapter, `mapping lookup (get, ${CONCURRENCY} concurrent)`, N, () =>
      Effect.runPromise(
        Effect.forEach(mappings, (m) => storage.mappings.get("bench", m), { concurrency: CONCURRENCY, discard: true })
      )
    )
  )
  results.push(
    await time(adapter, "mapping list (one link, all rows)", N, () => Effect.runPromise(storage.mappings.list("bench")))
  )
  const keys = Array.from({ length: N }, (_, i) => `op-${i}`)
  results.push(
    await time(adapter, `journal begin + complete (${CONCURRENCY} concurrent)`, N, () =>
      Effect.runPromise(
        Effect.forEach(
          keys,
          (opKey) =>
            Effect.gen(function* () {
              yield* storage.journal.begin("bench", opKey, { runId: "bench-run", at })
              yield* storage.journal.complete("bench", opKey, { result: { id: opKey }, at })
            }),
          { concurrency: CONCURRENCY, discard: true }
        )
      )
    )
  )
  return results
}

const all: Array<Result> = []
const temp = mkdtempSync(join(tmpdir(), "psa-ledger-bench-"))
for (const synchronous of ["full", "normal"] as const) {
  const storage = await sqliteStorage({ filename: join(temp, `bench-${synchronous}.db`), synchronous })
  all.push(...(await cases(`sqlite (synchronous=${synchronous})`, storage)))
  await storage.close()
}
rmSync(temp, { recursive: true, force: true })

const schema = `psa_bench_${process.pid}`
try {
  const storage = await postgresStorage({ connectionString: PG_URL, schema, pool: { max: CONCURRENCY } })
  all.push(...(await cases("postgres", storage)))
  await storage.close()
} catch (error) {
  process.stderr.write(`postgres skipped: ${(error as Error).message}\n`)
} finally {
  const client = new pg.Client({ connectionString: PG_URL })
  client.on("error", () => undefined)
  await client
    .connect()
    .then(() => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
    .catch(() => undefined)
  await client.end().catch(() => undefined)
}

const rows = all.map((r) => [
  r.adapter,
  r.case,
  r.operations.toLocaleString("en"),
  r.seconds.toFixed(2),
  r.perSecond.toLocaleString("en")
])
const head = ["adapter", "case", "ops", "seconds", "ops/s"]
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`
process.stdout.write(`${[line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")}\n`)

const file =
  process.env.BENCH_RESULT_FILE ??
  join(import.meta.dirname, "results", `storage-${new Date().toISOString().replace(/[:.]/g, "-")}.json`)
mkdirSync(dirname(file), { recursive: true })
writeFileSync(file, `${JSON.stringify({ node: process.version, n: N, results: all }, null, 2)}\n`)
process.stdout.write(`written ${file}\n`)
