/**
 * `createWorld`: one simulated MSP, present in Exact Online and in ConnectWise PSA, with the answer
 * key of its monthly reconciliation.
 *
 * The generator first draws a model (customers, their subscriptions and each month's quantity, the
 * injected deviations: `Model.ts`), then writes the records of both systems from it (`Exact.ts`,
 * `ConnectWise.ts`) and, from the model and those records, the truth (`AnswerKey.ts`). ConnectWise
 * mirrors the latest month's invoices except where a deviation was injected; earlier months differ
 * from it by the natural drift of seat counts, and the truth lists those differences too.
 */
import { writeTruth } from "./AnswerKey.ts"
import { writeConnectWise } from "./ConnectWise.ts"
import type { ConnectWiseWorld } from "./ConnectWiseRecords.ts"
import { writeExact } from "./Exact.ts"
import type { ExactWorld } from "./ExactRecords.ts"
import { Prng } from "./internal/Prng.ts"
import { buildModel } from "./Model.ts"
import type { ResolvedWorldOptions, WorldOptions } from "./Options.ts"
import type { WorldTruth } from "./Truth.ts"

/** A simulated MSP in both systems, with its answer key. Plain data: `JSON.stringify` round-trips it. */
export interface World {
  readonly meta: {
    readonly generator: "@psa-ledger/sandbox world"
    readonly version: 1
    readonly options: ResolvedWorldOptions
    /** "YYYY-MM", oldest first. */
    readonly periods: ReadonlyArray<string>
    /** The month the ConnectWise state mirrors and the ConnectWise invoices belong to. */
    readonly latestPeriod: string
  }
  readonly exact: ExactWorld
  readonly connectwise: ConnectWiseWorld
  readonly truth: WorldTruth
}

/**
 * Build a simulated MSP from a seed: Exact Online master data and a year of sales invoices, the
 * ConnectWise companies, catalog, agreements and additions that mirror the latest month (but for the
 * injected deviations), a month of ConnectWise invoices, and the truth. Pure and deterministic: the
 * same options give a byte-identical `JSON.stringify(world)` on every machine.
 *
 * @throws {WorldOptionsError} when an option is out of range or the world is too small for the deviations asked.
 * @example
 * ```ts
 * import { createWorld } from "@psa-ledger/sandbox"
 *
 * const world = createWorld({ seed: 7, customers: 200, products: 10, months: 12, linesPerCustomer: 6 })
 * const latest = world.truth.months.at(-1)
 * console.log(world.meta.latestPeriod, latest?.deviations.length)
 * ```
 */
export const createWorld = (options: WorldOptions): World => {
  const model = buildModel(options)
  const stream = (label: string) => Prng.stream(model.options.seed, label)
  const exact = writeExact(model, stream("references"))
  const connectwise = writeConnectWise(model, {
    renames: stream("cw-renames"),
    agreements: stream("cw-agreements"),
    invoices: stream("cw-invoices")
  })
  return {
    meta: {
      generator: "@psa-ledger/sandbox world",
      version: 1,
      options: model.options,
      periods: model.periods.map((p) => p.period),
      latestPeriod: model.periods[model.latest]!.period
    },
    exact: exact.records,
    connectwise: connectwise.records,
    truth: writeTruth(model, exact, connectwise)
  }
}
