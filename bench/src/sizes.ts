/**
 * How big each benchmark runs: `BENCH_SIZE=smoke` (CI: the smallest sizes, every figure produced),
 * the default (about ten minutes on two cores), or `BENCH_SIZE=full` (the storage bench at 100k,
 * the sandbox at twelve months, more repeats). `BENCH_REPEATS` overrides the repeat count.
 */

/** The size profile of a run. */
export type SizeProfile = "smoke" | "default" | "full"

/** What each benchmark runs at, for one profile. */
export interface Sizes {
  readonly profile: SizeProfile
  readonly repeats: number
  /** P1: invoice lines of the month (ten lines a customer). */
  readonly loadMonthLines: ReadonlyArray<number>
  /** P1: above this many lines the naive baseline's ConnectWise look-ups are counted, not sent. */
  readonly naiveSentUpTo: number
  /** P2: invoice lines given to the core. */
  readonly coreLines: ReadonlyArray<number>
  /** P3: addition updates applied against the rate limit. */
  readonly rateLimitUpdates: number
  /** P4: ConnectWise invoices transferred to Exact. */
  readonly transferInvoices: number
  /** P5: agreements whose additions are listed. */
  readonly peerAgreements: number
  /** The sandbox's own scale: customers (ten lines each a month) and months. */
  readonly sandboxCustomers: number
  readonly sandboxMonths: number
  /** The storage bench's operation count (BENCH_N). */
  readonly storageOperations: number
  /** Entries a run logs. */
  readonly runLogEntries: number
  /** The server: lines of the month whose grid is paged, and listeners on one run's events. */
  readonly serverLines: number
  readonly serverListeners: number
}

const profiles: Record<SizeProfile, Omit<Sizes, "profile">> = {
  smoke: {
    repeats: 1,
    loadMonthLines: [500],
    naiveSentUpTo: 500,
    coreLines: [1_000],
    rateLimitUpdates: 100,
    transferInvoices: 50,
    peerAgreements: 100,
    sandboxCustomers: 200,
    sandboxMonths: 1,
    storageOperations: 500,
    runLogEntries: 1_000,
    serverLines: 500,
    serverListeners: 10
  },
  default: {
    repeats: 3,
    loadMonthLines: [500, 5_000, 20_000],
    naiveSentUpTo: 500,
    coreLines: [1_000, 10_000, 100_000],
    rateLimitUpdates: 1_000,
    transferInvoices: 1_000,
    peerAgreements: 2_000,
    sandboxCustomers: 10_000,
    sandboxMonths: 1,
    storageOperations: 5_000,
    runLogEntries: 100_000,
    serverLines: 5_000,
    serverListeners: 100
  },
  full: {
    repeats: 5,
    loadMonthLines: [500, 5_000, 20_000],
    naiveSentUpTo: 500,
    coreLines: [1_000, 10_000, 100_000],
    rateLimitUpdates: 1_000,
    transferInvoices: 1_000,
    peerAgreements: 2_000,
    sandboxCustomers: 10_000,
    sandboxMonths: 12,
    storageOperations: 100_000,
    runLogEntries: 100_000,
    serverLines: 5_000,
    serverListeners: 100
  }
}

/** The sizes of this run, from `BENCH_SIZE` and `BENCH_REPEATS`. */
export const sizesFromEnv = (env: NodeJS.ProcessEnv = process.env): Sizes => {
  const name = env.BENCH_SIZE ?? "default"
  if (name !== "smoke" && name !== "default" && name !== "full") {
    throw new Error(`BENCH_SIZE must be smoke, default or full, got ${JSON.stringify(name)}`)
  }
  const profile = profiles[name]
  const repeats = env.BENCH_REPEATS === undefined ? profile.repeats : Number(env.BENCH_REPEATS)
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`BENCH_REPEATS must be a whole number ≥ 1`)
  return { ...profile, profile: name, repeats }
}
