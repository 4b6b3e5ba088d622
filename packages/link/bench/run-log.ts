// Wall time and store writes of runs with large logs, on the in-memory RunStore.
// Run: npm run bench (in packages/link). Prints a table; not a test, gates nothing.
import { makeMemoryRunStore, RunStore } from "@psa-ledger/reconcile-core"
import { makeRunner } from "../src/index.ts"

const rows: Array<Record<string, string | number>> = []
for (const entries of [1_000, 10_000, 100_000]) {
  const inner = makeMemoryRunStore()
  let appends = 0
  const store = RunStore.of({
    ...inner,
    append: (linkId, runId, batch) => {
      appends++
      return inner.append(linkId, runId, batch)
    }
  })
  const runner = makeRunner({ store })
  const started = performance.now()
  const result = await runner.run({ linkId: "bench", job: "transfer.run" }, async (ctx) => {
    for (let i = 0; i < entries; i++) {
      ctx.log.info("invoice transferred", { invoice: `INV-${i}`, amount: "12.30", accessToken: "x" })
      ctx.count("done")
      if (i % 1_000 === 999) await new Promise((resolve) => setImmediate(resolve))
    }
  })
  const ms = performance.now() - started
  rows.push({
    entries,
    status: result.status,
    appends,
    "lower bound": Math.ceil((entries + 2) / 1_000),
    "wall ms": Math.round(ms),
    "µs/entry": Number(((ms * 1_000) / entries).toFixed(2)),
    "heap MB": Math.round(process.memoryUsage().heapUsed / 1e6)
  })
}
console.table(rows)
