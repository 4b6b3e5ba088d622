/**
 * A stateful fake of Exact Online: OAuth with rotating refresh tokens, divisions, rate limits, the
 * error block, OData paging and `$filter`, and the invoicing entities.
 *
 * The core is a plain `(request: Request) => Promise<Response>` over seedable state and an
 * injectable clock; `exactHandlers` (msw) and `startExactServer` (node:http) wrap it.
 *
 * @since 0.1.0
 */
import { type SandboxClock, wallClock } from "../clock.ts"
import { payEntry } from "./internal/entries.ts"
import { authorize } from "./internal/oauth.ts"
import { handle } from "./internal/routing.ts"
import { divisionOf, insertInto, makeState, nextUtcMidnight, rows, zeroStats } from "./internal/state.ts"
import type { SimRecord } from "./internal/values.ts"

/**
 * An app registered with Exact (the OAuth client).
 *
 * @since 0.1.0
 */
export interface ExactApp {
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
}

/**
 * An administration (division) in the simulated license.
 *
 * @since 0.1.0
 */
export interface ExactDivisionSeed {
  readonly code: number
  readonly description: string
  readonly currency?: string
  /** `false` makes requests to it answer 403 with `Reason: NoDivisionAccess`. Default `true`. */
  readonly access?: boolean
}

/**
 * Settings of a simulation; every limit defaults to Exact's documented value.
 *
 * @since 0.1.0
 */
export interface ExactSimulationOptions {
  readonly clock?: SandboxClock
  readonly seed?: number
  readonly apps?: ReadonlyArray<ExactApp>
  readonly divisions?: ReadonlyArray<ExactDivisionSeed>
  /** Calls per minute per division. Default 60. */
  readonly minutelyLimit?: number
  /** Calls per day per division. Default 5,000. */
  readonly dailyLimit?: number
  /** 400/401/403/404 answers per app, division and endpoint in an hour before the key is blocked. Default 10. */
  readonly errorsPerHour?: number
  /** Token-endpoint calls per app and user per UTC day. Default 200. */
  readonly tokenCallsPerDay?: number
  /** Access-token lifetime in seconds. Default 600. */
  readonly accessTokenSeconds?: number
  /** No refresh within this many seconds of the previous issue. Default 570. */
  readonly minRefreshIntervalSeconds?: number
  /** An unused refresh token dies after this many days. Default 30. */
  readonly refreshTokenIdleDays?: number
  /** Authorization codes live this many seconds. Default 180. */
  readonly codeSeconds?: number
  /** Rows per page on regular endpoints (60) and on bulk/sync endpoints (1,000). */
  readonly pageSize?: number
  readonly bulkPageSize?: number
}

/**
 * A failure to inject into the next matching request, for testing recovery.
 *
 * - `hang-after-commit`: the request takes effect, then the answer is held back for `hangMs` real ms.
 * - `error-after-commit`: the request takes effect, then a 5xx answer (`status`, default 500) is sent.
 * - `error-before-commit`: a 5xx answer without any effect.
 * - `network-error`: the connection fails, without any effect.
 *
 * @since 0.1.0
 */
export interface ExactFault {
  readonly method: string
  /** An endpoint path as in the request counts, e.g. `salesinvoice/SalesInvoices`. */
  readonly endpoint: string
  readonly kind: "hang-after-commit" | "error-after-commit" | "error-before-commit" | "network-error"
  readonly status?: number
  readonly hangMs?: number
  /** How many matching requests fail. Default 1. */
  readonly times?: number
}

/**
 * Counters a test asserts on.
 *
 * @since 0.1.0
 */
export interface ExactSimulationStats {
  /** Successful refresh-token grants. */
  readonly refreshes: number
  /** Authorization-code grants. */
  readonly codeExchanges: number
  /** Chains broken by reuse of an old refresh token. */
  readonly brokenChains: number
  /** Refreshes refused under the 570 s rule. */
  readonly earlyRefreshes: number
  /** 429 answers (minute or day). */
  readonly rateLimited: number
  /** 400/401/403/404 answers. */
  readonly errors: number
  /** Requests refused because the key was blocked after too many errors. */
  readonly blocked: number
}

/**
 * The simulation: its request handler and its state.
 *
 * @since 0.1.0
 */
export interface ExactSimulation {
  /**
   * Answers one request the way Exact Online would. `basePath` is where the simulation is mounted
   * (e.g. `/exact` on the sandbox server): the request path starts with it, and so do the links it
   * writes (`__next`, `__metadata.uri`).
   */
  handle(request: Request, basePath?: string): Promise<Response>
  readonly clock: SandboxClock
  readonly apps: ReadonlyArray<ExactApp>
  /**
   * The user consents to `clientId` (default: the first app): returns the authorization code. With
   * `division`, the consent is for that division only, as when it is chosen on the consent page.
   */
  authorize(options?: { readonly clientId?: string; readonly redirectUri?: string; readonly division?: number }): string
  /** Stores a record as is (after filling the modelled fields with null). */
  insert(division: number, set: string, values: SimRecord): SimRecord
  /** The stored records of a set. */
  records(division: number, set: string): ReadonlyArray<SimRecord>
  /** Requests served, by `"METHOD endpoint"` (e.g. `"GET bulk/SalesInvoice/SalesInvoiceLines"`). */
  requestCounts(): Readonly<Record<string, number>>
  /** Requests served for one `"METHOD endpoint"` key, or all requests. */
  requestCount(key?: string): number
  readonly stats: ExactSimulationStats
  /** Makes the next matching request(s) fail. */
  inject(fault: ExactFault): void
  /** Forgets request counts and stats (state and tokens stay). */
  resetCounters(): void
  /** Moves a division's remaining daily budget (for daily-limit tests). */
  setDailyUsed(division: number, used: number): void
  /**
   * The customer pays `amount` (a decimal string) of a sales entry (by its `EntryID`) on `date`
   * (epoch ms, default now): a part payment splits the open receivable as Exact does. Returns the
   * paid receivable.
   */
  payEntry(division: number, entryId: string, amount: string, date?: number): SimRecord
  /**
   * The documents linked to a booking (`FinancialTransactionEntryID`: a sales entry's `EntryID` or
   * a sales invoice's `InvoiceID`), oldest first, each with its attachments' file names and sizes.
   */
  documentsOf(division: number, bookingId: string): ReadonlyArray<SimDocument>
}

/**
 * A document the simulation holds, with its attachments.
 *
 * @since 0.1.0
 */
export interface SimDocument {
  readonly id: string
  readonly subject: string
  readonly type: number
  readonly account: string | null
  readonly attachments: ReadonlyArray<{
    readonly fileName: string
    readonly fileSize: number
    readonly bytes: Uint8Array
  }>
}

/**
 * Creates a simulated Exact Online with its own state.
 *
 * @example
 * ```ts
 * import { createExactSimulation, exactHandlers, virtualClock } from "@psa-ledger/sandbox"
 * import { setupServer } from "msw/node"
 *
 * const sim = createExactSimulation({ clock: virtualClock() })
 * const server = setupServer(...exactHandlers(sim))
 * server.listen({ onUnhandledFrame: "error" })
 * ```
 *
 * @since 0.1.0
 */
export const createExactSimulation = (options: ExactSimulationOptions = {}): ExactSimulation => {
  const clock = options.clock ?? wallClock
  const sim = makeState(options, clock)
  return {
    handle: (request, basePath) => handle(sim, request, basePath),
    clock,
    apps: sim.apps,
    authorize: (authOptions) => authorize(sim, authOptions),
    insert: (division, set, values) => insertInto(sim, divisionOf(sim, division), set, values),
    records: (division, set) => rows(divisionOf(sim, division), set),
    requestCounts: () => ({ ...sim.counts }),
    requestCount: (key) =>
      key === undefined ? Object.values(sim.counts).reduce((a, b) => a + b, 0) : (sim.counts[key] ?? 0),
    get stats() {
      return { ...sim.stats }
    },
    inject: (fault) => {
      sim.faults.push({ ...fault, remaining: fault.times ?? 1 })
    },
    resetCounters: () => {
      sim.counts = {}
      sim.stats = zeroStats()
    },
    documentsOf: (code, bookingId) => {
      const division = divisionOf(sim, code)
      const attachments = rows(division, "DocumentAttachments")
      return rows(division, "Documents")
        .filter((d) => String(d.FinancialTransactionEntryID ?? "").toLowerCase() === bookingId.toLowerCase())
        .map((d) => ({
          id: String(d.ID),
          subject: String(d.Subject ?? ""),
          type: Number(d.Type),
          account: typeof d.Account === "string" ? d.Account : null,
          attachments: attachments
            .filter((a) => String(a.Document).toLowerCase() === String(d.ID).toLowerCase())
            .map((a) => ({
              fileName: String(a.FileName),
              fileSize: Number(a.FileSize),
              bytes: Buffer.from(String(a.Attachment), "base64")
            }))
        }))
    },
    payEntry: (code, entryId, amount, date) =>
      payEntry(sim, divisionOf(sim, code), entryId, amount, date ?? clock.now()),
    setDailyUsed: (code, used) => {
      const division = divisionOf(sim, code)
      const now = clock.now()
      if (now >= division.day.resetAt) division.day = { count: 0, resetAt: nextUtcMidnight(now) }
      division.day.count = used
    }
  }
}
