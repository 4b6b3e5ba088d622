/**
 * P1 — loading a month over HTTP: API calls per system against the lower bound and against the
 * naive baseline, and the time with 100 ms of simulated latency per request against the floor that
 * the calls, the client's concurrency and that latency set.
 *
 * Calls, wall and CPU time are measured over real HTTP on 127.0.0.1 (no latency). The latency run
 * goes through the sandbox's in-process handler on its virtual clock, so 100 ms a request costs no
 * real time and the event loop's idle turns between socket reads cannot move the clock.
 */
import { createWorld } from "@psa-ledger/sandbox"
import { monthBound } from "../bound.ts"
import { type CaseResult, peakRssMb, timed } from "../measure.ts"
import { naiveLoad } from "../naive.ts"
import { openBenchSandbox, requestCounts, resetCounts, total, worldSettings } from "../sandbox.ts"

/** Parameters of one P1 run. */
export interface LoadMonthParams {
  readonly lines: number
  readonly latencyMs: number
  /** The naive baseline's ConnectWise look-ups are sent up to this many lines, counted above. */
  readonly naiveSentUpTo: number
}

const sumOf = (bound: Readonly<Record<string, number>>) => total(bound)

/** One P1 run at `params.lines` lines (ten lines a customer, one month). */
export const run = async (params: LoadMonthParams): Promise<CaseResult> => {
  const customers = Math.max(1, Math.round(params.lines / 10))
  const world = createWorld({ seed: 7, customers, products: 10, months: 1, linesPerCustomer: 10 })
  const month = world.meta.latestPeriod
  const settings = worldSettings(world)
  const bound = monthBound(world, month)

  // Over real HTTP: calls, wall, CPU.
  const http = await openBenchSandbox(world, { transport: "http" })
  const httpLink = await http.link(settings)
  resetCounts(http.sandbox)
  const loaded = await timed(() => httpLink.reconciliation.load(month))
  const calls = requestCounts(http.sandbox)
  await http.close()

  // In process, 100 ms a request on the virtual clock: ours, then the naive baseline.
  const slow = await openBenchSandbox(world, { transport: "in-process", latencyMs: params.latencyMs })
  const slowLink = await slow.link(settings)
  resetCounts(slow.sandbox)
  let t0 = slow.clock.now()
  await slowLink.reconciliation.load(month)
  const oursSimMs = slow.clock.now() - t0
  const slowCalls = requestCounts(slow.sandbox)
  const concurrency = slow.concurrency
  // Exact's pages follow each other (`__next` comes with the page before); ConnectWise's client runs
  // `concurrency` requests at once. Exact's lines decide what ConnectWise is asked, so the two add up.
  const floorMs = params.latencyMs * (total(slowCalls.exact) + Math.ceil(total(slowCalls.connectwise) / concurrency))

  const send = params.lines <= params.naiveSentUpTo
  resetCounts(slow.sandbox)
  t0 = slow.clock.now()
  const naive = await naiveLoad(slow.sandbox, slow.exact, slow.connectwise, month, send)
  const naiveSentMs = slow.clock.now() - t0
  const naiveCalls = requestCounts(slow.sandbox)
  const naiveExact = total(naiveCalls.exact)
  const naiveConnectWise = send ? total(naiveCalls.connectwise) : naive.connectwiseCallsCounted
  // The naive loop waits for each answer: counted calls cost one latency each.
  const naiveSimMs = send ? naiveSentMs : naiveSentMs + naive.connectwiseCallsCounted * params.latencyMs
  await slow.close()

  const exactCalls = total(calls.exact)
  const connectwiseCalls = total(calls.connectwise)
  const boundExact = sumOf(bound.exact)
  const boundConnectWise = sumOf(bound.connectwise)
  return {
    metrics: {
      lines: loaded.value.lines.length,
      rows: loaded.value.rows.length,
      exactCalls,
      connectwiseCalls,
      calls: exactCalls + connectwiseCalls,
      boundExact,
      boundConnectWise,
      bound: boundExact + boundConnectWise,
      naiveExact,
      naiveConnectWise,
      naive: naiveExact + naiveConnectWise,
      naiveCountCheck: send ? total(naiveCalls.connectwise) - naive.connectwiseCallsCounted : 0,
      callsOverBound: (exactCalls + connectwiseCalls) / (boundExact + boundConnectWise),
      exactOverBound: exactCalls / boundExact,
      connectwiseOverBound: connectwiseCalls / boundConnectWise,
      naiveOverOurs: (naiveExact + naiveConnectWise) / (exactCalls + connectwiseCalls),
      latencyCallsMatch:
        total(slowCalls.exact) + total(slowCalls.connectwise) === exactCalls + connectwiseCalls ? 1 : 0,
      oursSimMs,
      floorMs,
      oursOverFloor: oursSimMs / floorMs,
      naiveSimMs,
      naiveOverOursSim: naiveSimMs / oursSimMs,
      wallMs: loaded.wallMs,
      cpuMs: loaded.cpuMs,
      peakRssMb: peakRssMb()
    },
    notes: { calls, bound, naiveCalls, naiveSent: send, concurrency }
  }
}
