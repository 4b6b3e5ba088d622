/**
 * P3 — applying addition updates against a ConnectWise that answers 429 with `Retry-After` beyond a
 * set rate: the throughput achieved against the rate allowed, and how many 429s reach the report.
 * Everything runs on the sandbox's virtual clock (100 ms a request, Retry-After waits), in process.
 */
import { createWorld } from "@psa-ledger/sandbox"
import { type CaseResult, peakRssMb, timed } from "../measure.ts"
import { openBenchSandbox, requestCounts, resetCounts, total, worldSettings } from "../sandbox.ts"

/** Parameters of one P3 run. */
export interface RateLimitParams {
  /** Addition updates (quantity deviations) to apply. */
  readonly updates: number
  /** Requests a second ConnectWise allows. */
  readonly requestsPerSecond: number
  readonly latencyMs: number
}

/** One P3 run. */
export const run = async (params: RateLimitParams): Promise<CaseResult> => {
  const products = 10
  const customers = Math.ceil((params.updates * 1.25) / products)
  const none = {
    unitCostOff: 0,
    additionMissing: 0,
    additionNotInvoiced: 0,
    productMissing: 0,
    agreementMissing: 0,
    customerWithoutCompany: 0,
    currencyMismatch: 0,
    malformedLine: 0
  }
  const world = createWorld({
    seed: 7,
    customers,
    products,
    months: 1,
    linesPerCustomer: products,
    deviations: { ...none, quantityOff: params.updates }
  })
  const env = await openBenchSandbox(world, { transport: "in-process", latencyMs: params.latencyMs })
  const link = await env.link(worldSettings(world))
  const grid = await link.reconciliation.load(world.meta.latestPeriod)
  const planned = link.reconciliation.plan(grid, link.reconciliation.decideAll(grid))
  const operations = planned.plan.operations.filter((op) => op._tag !== "RememberMapping").length

  env.sandbox.connectwise.faults.rateLimit = { requestsPerSecond: params.requestsPerSecond, retryAfterSeconds: 1 }
  resetCounts(env.sandbox)
  const t0 = env.clock.now()
  const applied = await timed(() => link.reconciliation.apply(planned))
  const elapsedS = (env.clock.now() - t0) / 1000
  const calls = requestCounts(env.sandbox).connectwise
  const log = env.sandbox.connectwise.requests.log
  const answered = log.filter((entry) => entry.status !== 429).length
  const limited = log.filter((entry) => entry.status === 429).length
  const report = applied.value.report
  const surfaced = JSON.stringify(report?.operations ?? []).match(/RateLimited|"status":429/g)?.length ?? 0
  const throughput = answered / elapsedS
  return {
    metrics: {
      updates: params.updates,
      operations,
      done: report?.counts.done ?? 0,
      failed: report?.counts.failed ?? 0,
      requests: total(calls),
      answered,
      limited,
      surfaced429: surfaced,
      elapsedSimS: elapsedS,
      throughputPerS: throughput,
      allowedPerS: params.requestsPerSecond,
      throughputOverAllowed: throughput / params.requestsPerSecond,
      wallMs: applied.wallMs,
      cpuMs: applied.cpuMs,
      peakRssMb: peakRssMb()
    },
    notes: { calls, status: applied.value.status }
  }
}
