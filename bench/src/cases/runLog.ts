/**
 * Run logs: a run that logs N entries, on the in-memory run store — store appends against the lower
 * bound of one append per 1,000 entries (the runner batches), and the time per entry.
 */
import { makeRunner } from "@psa-ledger/link"
import { makeMemoryRunStore, RunStore } from "@psa-ledger/reconcile-core"
import { type CaseResult, peakRssMb, timed } from "../measure.ts"

/** Parameters of one run. */
export interface RunLogParams {
  readonly entries: number
}

/** One run. */
export const run = async (params: RunLogParams): Promise<CaseResult> => {
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
  const ran = await timed(() =>
    runner.run({ linkId: "bench", job: "transfer.run" }, async (ctx) => {
      for (let i = 0; i < params.entries; i++) {
        ctx.log.info("invoice transferred", { invoice: `INV-${i}`, amount: "12.30", accessToken: "x" })
        ctx.count("done")
        if (i % 1_000 === 999) await new Promise((resolve) => setImmediate(resolve))
      }
    })
  )
  const bound = Math.ceil((params.entries + 2) / 1_000)
  return {
    metrics: {
      entries: params.entries,
      appends,
      bound,
      appendsOverBound: appends / bound,
      usPerEntry: (ran.wallMs * 1000) / params.entries,
      wallMs: ran.wallMs,
      cpuMs: ran.cpuMs,
      peakRssMb: peakRssMb()
    },
    notes: { status: ran.value.status }
  }
}
