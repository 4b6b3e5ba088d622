/**
 * Options of `createWorld`, their defaults and their validation.
 */

/**
 * How many of each deviation to inject into the latest month. All but `duplicateAdditions` are on
 * by default (see {@link defaultDeviations}); duplicate additions are planted only when asked for.
 *
 * @example
 * ```ts
 * import { createWorld } from "@psa-ledger/sandbox"
 *
 * const world = createWorld({ seed: 3, customers: 30, products: 6, months: 3, deviations: { duplicateAdditions: 2 } })
 * const latest = world.truth.months.at(-1)!
 * const duplicates = latest.deviations.flatMap((d) => (d.kind === "duplicateAdditions" ? [d] : []))
 * // Two invoiced pairs, each with two active additions of one product on one agreement: no change
 * // is called for on them, a person says which addition is right.
 * console.log(duplicates.map((d) => d.additionIds)) // [[5030, 5134], [5116, 5135]]
 * ```
 *
 * @since 0.1.0
 */
export interface DeviationCounts {
  /** Addition quantity ≠ the month's summed invoice quantity. */
  readonly quantityOff: number
  /** Addition unit cost ≠ the invoice's unit cost. */
  readonly unitCostOff: number
  /** An invoiced (customer, product) with no addition on an existing agreement. */
  readonly additionMissing: number
  /** An active addition whose product the customer is no longer invoiced for. */
  readonly additionNotInvoiced: number
  /** An Exact item with no ConnectWise catalog item. */
  readonly productMissing: number
  /** A customer whose company has no agreement. */
  readonly agreementMissing: number
  /** A customer with no ConnectWise company. */
  readonly customerWithoutCompany: number
  /** A customer invoiced in GBP whose agreement is in EUR. */
  readonly currencyMismatch: number
  /** Lines that cannot be read: alternately a non-numeric quantity and a missing item reference. */
  readonly malformedLine: number
  /**
   * Invoiced (customer, product) pairs that get a second active addition of the same product on
   * the same agreement in the latest month — an MSP's copy-paste mistake, sometimes with another
   * quantity or cost. A person must say which one is right, so the truth calls for no change on
   * them. Default 0; when 0 the key is left out of the resolved options, so worlds built before
   * the option existed stay byte-identical.
   *
   * @since 0.1.0
   */
  readonly duplicateAdditions?: number
}

/**
 * The deviations a world gets unless told otherwise.
 *
 * @since 0.1.0
 */
export const defaultDeviations: DeviationCounts = {
  quantityOff: 3,
  unitCostOff: 3,
  additionMissing: 2,
  additionNotInvoiced: 2,
  productMissing: 1,
  agreementMissing: 1,
  customerWithoutCompany: 1,
  currencyMismatch: 1,
  malformedLine: 2
}

/**
 * What to build. Only `seed` is required.
 *
 * @since 0.1.0
 */
export interface WorldOptions {
  /** Same seed (and options) → byte-identical world. A safe integer. */
  readonly seed: number
  /** Exact customer accounts. Default 50. */
  readonly customers?: number
  /** Recurring products (Exact items). Default 10. */
  readonly products?: number
  /** Months of sales invoices, ending with the month ConnectWise mirrors. Default 12. */
  readonly months?: number
  /** Invoice lines per customer per month (one per product; when more than `products`, split lines). Default 6. */
  readonly linesPerCustomer?: number
  /** Deviations to inject; missing kinds take the defaults. */
  readonly deviations?: Partial<DeviationCounts>
  /** The first month, "YYYY-MM". Default "2025-01". */
  readonly startMonth?: string
  /** ConnectWise invoices for the latest month (agreement, standard and one credit memo). Default ~customers/10, 4–200. */
  readonly connectwiseInvoices?: number
}

/**
 * The options a world was built with, defaults filled in.
 *
 * @since 0.1.0
 */
export interface ResolvedWorldOptions {
  readonly seed: number
  readonly customers: number
  readonly products: number
  readonly months: number
  readonly linesPerCustomer: number
  readonly deviations: DeviationCounts
  readonly startMonth: string
  readonly connectwiseInvoices: number
}

/**
 * An option `createWorld` cannot build a world from; names the option and says why.
 *
 * @since 0.1.0
 */
export class WorldOptionsError extends Error {
  readonly _tag = "WorldOptionsError"
  readonly option: string

  constructor(option: string, reason: string) {
    super(`createWorld: option "${option}" ${reason}`)
    this.name = "WorldOptionsError"
    this.option = option
  }
}

const wholeNumber = (option: string, value: number, min: number, max: number): number => {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new WorldOptionsError(option, `must be a whole number from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}

/** Fill in defaults and check every option; throws `WorldOptionsError`. */
export const resolveOptions = (options: WorldOptions): ResolvedWorldOptions => {
  if (!Number.isSafeInteger(options.seed)) {
    throw new WorldOptionsError("seed", `must be a safe integer, got ${String(options.seed)}`)
  }
  const customers = wholeNumber("customers", options.customers ?? 50, 1, 100_000)
  const products = wholeNumber("products", options.products ?? 10, 1, 1_000)
  const months = wholeNumber("months", options.months ?? 12, 1, 120)
  const linesPerCustomer = wholeNumber("linesPerCustomer", options.linesPerCustomer ?? Math.min(6, products), 1, 200)
  const startMonth = options.startMonth ?? "2025-01"
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(startMonth)) {
    throw new WorldOptionsError("startMonth", `must look like "2025-01", got ${JSON.stringify(startMonth)}`)
  }
  const given = options.deviations ?? {}
  const deviations: { -readonly [K in keyof DeviationCounts]: DeviationCounts[K] } = { ...defaultDeviations }
  for (const key of Object.keys(defaultDeviations) as Array<Exclude<keyof DeviationCounts, "duplicateAdditions">>) {
    deviations[key] = wholeNumber(`deviations.${key}`, given[key] ?? defaultDeviations[key], 0, 100_000)
  }
  // Opt-in and left out when 0, so that worlds built before it existed keep their exact JSON.
  const duplicateAdditions = wholeNumber("deviations.duplicateAdditions", given.duplicateAdditions ?? 0, 0, 100_000)
  if (duplicateAdditions > 0) deviations.duplicateAdditions = duplicateAdditions
  const connectwiseInvoices = wholeNumber(
    "connectwiseInvoices",
    options.connectwiseInvoices ?? Math.min(200, Math.max(4, Math.ceil(customers / 10))),
    0,
    100_000
  )
  return {
    seed: options.seed,
    customers,
    products,
    months,
    linesPerCustomer,
    deviations,
    startMonth,
    connectwiseInvoices
  }
}
