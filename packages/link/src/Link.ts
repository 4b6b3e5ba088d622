import type { ConnectWiseClient } from "@psa-ledger/connectwise-client"
import type { ErrorBudget, ExactClient, ExactClientOptions, TokenStore } from "@psa-ledger/exact-client"
import type {
  ChangePlan,
  Decisions,
  Exclusion,
  ExclusionKind,
  ExclusionRef,
  ExclusionStore,
  LinkSettings,
  Mapping,
  MappingKind,
  MappingRef,
  MappingStore,
  PlanJournal,
  PlanSummary,
  PsaAgreement,
  PsaProduct,
  ReconciliationRow,
  RowDecision,
  Run,
  RunLeases,
  RunPlans,
  RunStore,
  TransferLedger,
  TransferPlan
} from "@psa-ledger/reconcile-core"
import { validateLinkId } from "@psa-ledger/reconcile-core"
import { Context, Layer } from "effect"
import { leaseLengthOf } from "./internal/leaseLength.ts"
import { LinkError, LinkInvalidInputError } from "./LinkError.ts"
import { makeLinkContext } from "./link/context.ts"
import { makeCreate } from "./link/create.ts"
import { linkEffectsOf } from "./link/effects.ts"
import { makeExclusions } from "./link/exclusions.ts"
import { makeMappings } from "./link/mappings.ts"
import type { UnfinishedRunInfo } from "./link/plans.ts"
import { makeReconciliation } from "./link/reconciliation.ts"
import { makeJobRunner, makeRunHistory } from "./link/runs.ts"
import { makeTransfer } from "./link/transfer.ts"
import type { Mailer } from "./Mail.ts"
import type { ProgressListener } from "./Progress.ts"
import type { RunLog } from "./RunHistory.ts"
import type { RunResult } from "./Runner.ts"
import type { ApplyReport } from "./reconciliation/Apply.ts"
import type { NewAgreementData, NewProductData } from "./reconciliation/Create.ts"
import type { CsvInput } from "./reconciliation/Csv.ts"
import type { InvoiceMonth, InvoiceSource, InvoiceSourceSettings } from "./reconciliation/InvoiceSource.ts"
import type { LoadedMonth } from "./reconciliation/LoadMonth.ts"
import type { SchedulableLink, ScheduledRunOptions } from "./Scheduling.ts"
import type { PaymentSyncReport } from "./transfer/Payments.ts"
import type { TransferReport } from "./transfer/Transfer.ts"
import type { TransferRange } from "./transfer/TransferTypes.ts"

/**
 * A host's logger: run entries are mirrored to it, as are the link's own notes outside runs.
 *
 * @since 0.1.0
 */
export interface LinkLogger {
  debug?(message: string, fields?: Readonly<Record<string, unknown>>): void
  info(message: string, fields?: Readonly<Record<string, unknown>>): void
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void
  error(message: string, fields?: Readonly<Record<string, unknown>>): void
}

/**
 * The stores a link uses: a `Storage` from `@psa-ledger/storage-adapters` fits as is.
 *
 * @since 0.1.0
 */
export interface LinkStorage {
  /** The Exact Online token chain of a link; `createLink` asks for its own id's, when Exact is first used. */
  tokens(linkId: string): TokenStore
  readonly mappings: MappingStore["Service"]
  /**
   * The remembered exclusions ("ignore this product / customer for good"). A `Storage` has them;
   * without them no line is excluded and `exclusions.remember` is refused.
   */
  readonly exclusions?: ExclusionStore["Service"] | undefined
  readonly runs: RunStore["Service"]
  readonly journal: PlanJournal["Service"]
  readonly transfers: TransferLedger["Service"]
  /**
   * The per-link run leases: one run of the link at a time across processes, for every job; a
   * second run fails `Busy` naming the holder's run. A `Storage` has them; without them runs of a
   * link are not kept apart.
   */
  readonly leases?: RunLeases["Service"] | undefined
  /** Where the Exact client counts error answers, shared by every worker (a `Storage` has one). */
  readonly errorBudget?: ErrorBudget | undefined
  /**
   * Where an apply or a transfer stores its plan before its first write, so that a run whose process
   * died is resumed (`runs.resume`) with the same operations rather than planned again; a link with
   * such an unfinished run refuses new ones with `UnfinishedRun`. A `Storage` has them.
   */
  readonly plans?: RunPlans["Service"] | undefined
}

/**
 * How to reach the link's Exact Online division: every `createExactClient` option but the token
 * store, which is always the link's own (`storage.tokens(id)`), so no link can use another's tokens.
 *
 * @since 0.1.0
 */
export type ExactConnection = Omit<ExactClientOptions, "tokens">

/**
 * What `createLink` needs: the link's id, how to reach Exact Online, the ConnectWise client, its
 * storage and settings; the rest has defaults.
 *
 * @since 0.1.0
 */
export interface CreateLinkOptions {
  /** The link's id: mappings, runs, journal and ledger entries are kept under it. */
  readonly id: string
  /** A display name for mails (default the id). */
  readonly name?: string | undefined
  /** Exact Online's connection options; the client is built on `storage.tokens(id)`. */
  readonly exact: ExactConnection
  readonly connectwise: ConnectWiseClient
  readonly storage: LinkStorage
  readonly settings: LinkSettings
  /**
   * Which Exact Online invoice is the month's invoice: `InvoiceSourceSettings` (`sales`, `purchase`
   * or `csv`), or an `InvoiceSource` of the host's own. Default: the month's sales invoices.
   */
  readonly source?: InvoiceSourceSettings | InvoiceSource | undefined
  /** The file of a `csv` source. */
  readonly readCsv?: (() => CsvInput | Promise<CsvInput>) | undefined
  readonly logger?: LinkLogger | undefined
  /** How runs are mailed (`smtpMailer` from `@psa-ledger/link/smtp`); default none. */
  readonly mailer?: Mailer | undefined
  /** Where run mails go: the link's finance address. */
  readonly mailTo?: string | ReadonlyArray<string> | undefined
  /** The clock (ms since the epoch): journal stamps, decisions and "the previous month". Default `Date.now`. */
  readonly now?: (() => number) | undefined
  /** Run ids (default random UUIDs). */
  readonly ids?: (() => string) | undefined
  /** Who decisions and remembered mappings are attributed to when the caller does not say (default `psa-ledger`). */
  readonly actor?: string | undefined
  /**
   * The contact a new ConnectWise agreement gets (ConnectWise requires one). Default: the contact of
   * another agreement of the company, read when an agreement is created.
   */
  readonly agreementContact?: ((companyId: number) => number | undefined | Promise<number | undefined>) | undefined
  /** ConnectWise writes and additions reads in flight at once (default 4). */
  readonly concurrency?: number | undefined
  /**
   * How long the link's run lease and its journal claims live without a heartbeat, in ms: a process
   * that died holds the link and its operations this long before another run takes them over.
   * From 1 s to a day (`InvalidInput`, field `leaseMs`, outside); default a minute.
   */
  readonly leaseMs?: number | undefined
}

/**
 * The user's decisions: a core `Decisions`, or just the row decisions by row key (attributed to
 * `by`, default the link's actor, now).
 *
 * @since 0.1.0
 */
export type DecisionsInput = Decisions | Readonly<Record<string, RowDecision>>

/**
 * A planned month: the change plan, the rows it was planned from (re-resolved with the confirmed
 * suggestions) and its summary.
 *
 * @since 0.1.0
 */
export interface ReconciliationPlan {
  readonly month: InvoiceMonth
  readonly plan: ChangePlan
  readonly rows: ReadonlyArray<ReconciliationRow>
  readonly summary: PlanSummary
}

/**
 * Options of a run started by hand or by a scheduler.
 *
 * @since 0.1.0
 */
export interface LinkRunOptions {
  readonly onProgress?: ProgressListener | undefined
  readonly signal?: AbortSignal | undefined
  /** Default `"manual"`. */
  readonly trigger?: "manual" | "schedule" | undefined
  /** A first log entry, e.g. the scheduler's attempt. */
  readonly note?: string | undefined
  /**
   * When another run of the link is in progress: wait for it (`true`, or at most `timeoutMs`) rather
   * than fail at once with `Busy` naming its run.
   */
  readonly wait?: boolean | { readonly timeoutMs: number } | undefined
  /** Called with the run's id as soon as the run is recorded, before any work (see `RunRequest.onStart`). */
  readonly onStart?: ((runId: string) => void) | undefined
  /** A scheduler retries this run if it fails: its failure is not mailed (see `RunRequest.retryFollows`). */
  readonly retryFollows?: boolean | undefined
}

/**
 * A finished run with its report: `report` is the job's report when the body completed, `runId`
 * the run's id (`run`, `status`, `error`, `mail` as `RunResult`).
 *
 * @since 0.1.0
 */
export interface LinkRunResult<A> extends RunResult<A> {
  readonly runId: string
  readonly report: A | undefined
}

/**
 * Options of `decideAll`. Nothing below the link's safe rule (`autoAcceptAbove`, unique, clearly
 * ahead, not another customer's certain match) is confirmed by a bulk call: rows that pass it are
 * linked already, and a weaker suggestion is confirmed only on the rows named in `rows`.
 *
 * @since 0.1.0
 */
export interface DecideAllOptions {
  /** Row keys whose best suggestions a person confirms (default none). */
  readonly rows?: Iterable<string> | undefined
  /**
   * Kept for compatibility: confirms only the suggestions that pass the safe rule, which link by
   * themselves already — so it adds nothing. Name rows in `rows` to confirm weaker ones.
   */
  readonly confirmSuggestions?: boolean | undefined
  /** Create the missing products and agreements of every row (`true`) or of these rows (default none). */
  readonly createMissing?: boolean | Iterable<string> | undefined
  /** The type of agreements created when the settings' `newAgreement` has none. */
  readonly agreementTypeId?: number | undefined
}

/**
 * The API an MSP portal imports: one configured pair of a ConnectWise site and an Exact Online
 * division. Everything is promise-based and rejects with a `LinkError`.
 *
 * @since 0.1.0
 */
export interface LinkApi extends SchedulableLink {
  readonly id: string
  readonly settings: LinkSettings
  /**
   * The link's Exact Online client, on the link's own token chain: connect the division with
   * `link.exact.auth.exchangeCode(code)` after the OAuth redirect.
   */
  readonly exact: ExactClient
  readonly reconciliation: {
    /** The months with invoices in the source, newest first (the pulldown). */
    months(): Promise<ReadonlyArray<InvoiceMonth>>
    /** Reads the month's invoice lines and the ConnectWise state they need; returns the grid. */
    load(
      month: InvoiceMonth,
      options?: { readonly onProgress?: ProgressListener | undefined; readonly signal?: AbortSignal | undefined }
    ): Promise<LoadedMonth>
    /**
     * Row decisions approving every change of every row, linking nothing the engine is not sure
     * of (see `DecideAllOptions`). A starting point for a grid's "approve all".
     */
    decideAll(grid: LoadedMonth, options?: DecideAllOptions): Record<string, RowDecision>
    /** Plans the approved changes; confirmed suggestions are resolved again first, so their agreements link. */
    plan(
      grid: LoadedMonth,
      decisions: DecisionsInput,
      options?: { readonly by?: string | undefined }
    ): ReconciliationPlan
    /** Applies a plan to ConnectWise as a run (`reconciliation.apply`), journaled, mailed after. */
    apply(plan: ReconciliationPlan | ChangePlan, options?: LinkRunOptions): Promise<LinkRunResult<ApplyReport>>
  }
  readonly mappings: {
    list(options?: { readonly kind?: MappingKind | undefined }): Promise<ReadonlyArray<Mapping>>
    /** Remembers a row's suggested (or ambiguous) side as chosen: the best candidate unless `targetId` says. */
    confirm(
      row: ReconciliationRow,
      side: "customer" | "product",
      options?: { readonly targetId?: number | undefined; readonly by?: string | undefined }
    ): Promise<Mapping>
    /** Remembers a manual link. */
    set(
      ref: MappingRef,
      targetId: number,
      options?: { readonly by?: string | undefined; readonly method?: Mapping["method"] | undefined }
    ): Promise<Mapping>
    /** Forgets a link; true when there was one. */
    remove(ref: MappingRef): Promise<boolean>
  }
  /**
   * "Ignore this line's product / customer for good": on every later month the lines of that Exact
   * product (item key) or customer (account key) are excluded with the reason (`LoadedMonth.excluded`),
   * never planned and not counted as needing a person. An unknown kind or an empty key or reason is
   * refused with an `InvalidInput` reason naming the field.
   */
  readonly exclusions: {
    /** The link's exclusions, optionally of one kind, ordered by kind and key. */
    list(options?: { readonly kind?: ExclusionKind | undefined }): Promise<ReadonlyArray<Exclusion>>
    /**
     * Remembers (or replaces) an exclusion; `label` is what a person calls the product or
     * customer (listed with it, never matched); `by` defaults to the link's actor.
     */
    remember(
      ref: ExclusionRef,
      options: { readonly reason: string; readonly label?: string | undefined; readonly by?: string | undefined }
    ): Promise<Exclusion>
    /** Forgets an exclusion; true when there was one. Its lines are reconciled again from the next load. */
    forget(ref: ExclusionRef): Promise<boolean>
  }
  readonly create: {
    /** Creates (or finds by identifier) the row's catalog item and remembers it for the row's product. */
    product(row: ReconciliationRow, data?: NewProductData): Promise<PsaProduct>
    /** Creates (or finds) the row's agreement and remembers it for the row's customer. */
    agreement(row: ReconciliationRow, data?: NewAgreementData): Promise<PsaAgreement>
  }
  readonly transfer: {
    /** What a transfer of the range would do, without writing. */
    preview(range: TransferRange): Promise<TransferPlan>
    /** Transfers the range's ConnectWise invoices to Exact Online as a run (`transfer.run`). */
    run(
      range: TransferRange,
      options?: LinkRunOptions & {
        /** ConnectWise companies whose new Exact account a person approved (see `createAccounts`). */
        readonly approveAccounts?: ReadonlyArray<number>
      }
    ): Promise<LinkRunResult<TransferReport>>
    /** Records Exact Online's payments on the ConnectWise invoices as a run (`transfer.syncPayments`). */
    syncPayments(options?: LinkRunOptions): Promise<LinkRunResult<PaymentSyncReport>>
  }
  readonly runs: {
    list(options?: {
      readonly limit?: number | undefined
      readonly before?: string | undefined
    }): Promise<ReadonlyArray<Run>>
    get(runId: string): Promise<Run | undefined>
    /** The run's log: iterate for entries, `.text()` for the readable rendering. */
    log(runId: string): RunLog
    /**
     * Runs whose process died before they finished their stored plan, oldest first. While there is
     * one, a new apply or transfer fails with `UnfinishedRun` naming it: resume it or abandon it.
     */
    unfinished(): Promise<ReadonlyArray<UnfinishedRunInfo>>
    /**
     * Finishes the stored plan of the unfinished run `runId` as a new run of its job (with
     * `details.resumes`): the same operations and idempotency keys, operations the first run did are
     * skipped, those it left started are checked in ConnectWise or Exact before any write, so nothing
     * is written twice. `InvalidInput` (field `runId`) when the run has no open plan.
     */
    resume(runId: string, options?: LinkRunOptions): Promise<LinkRunResult<ApplyReport | TransferReport>>
    /**
     * Gives up the stored plan of the unfinished run `runId` (a person chose to plan again): the plan
     * is closed `abandoned` with the reason, and the run, if still `running`, marked `abandoned`.
     * Resolves `false` when there was no open plan.
     */
    abandon(runId: string, options?: { readonly reason?: string | undefined }): Promise<boolean>
  }
  /**
   * Runs a job by name, as a scheduler does: `reconciliation.apply` (the newest month, planned with
   * the settings' `autoApprove` and `autoAcceptAbove` only), `transfer.run` (the previous calendar
   * month) or `transfer.syncPayments`.
   */
  run(job: string, options: ScheduledRunOptions | LinkRunOptions): Promise<LinkRunResult<unknown>>
}

/**
 * Opens a link: the API an MSP portal imports for both flows, their runs, logs, mail and schedules.
 *
 * @example
 * ```ts
 * import { createLink } from "@psa-ledger/link"
 * import { smtpMailer } from "@psa-ledger/link/smtp"
 * import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
 *
 * const storage = await sqliteStorage({ filename: "ledger.db", encryptionKey: process.env.LEDGER_KEY })
 * const link = createLink({ id: "msp-1", exact: { clientId, clientSecret, redirectUri, division }, connectwise, storage,
 *   settings, mailer: smtpMailer({ host: "smtp.msp.example", port: 587, from: "ledger@msp.example" }),
 *   mailTo: "finance@msp.example" })
 * const [latest] = await link.reconciliation.months()
 * const grid = await link.reconciliation.load(latest!, { onProgress: (e) => bar.update(e) })
 * const plan = link.reconciliation.plan(grid, link.reconciliation.decideAll(grid))
 * const { status, report } = await link.reconciliation.apply(plan)
 * ```
 *
 * @since 0.1.0
 */
export const createLink = (options: CreateLinkOptions): LinkApi => {
  const ctx = openContext(options)
  const reconciliation = makeReconciliation(ctx)
  const mappings = makeMappings(ctx)
  const transfer = makeTransfer(ctx)
  return {
    id: ctx.linkId,
    settings: options.settings,
    get exact() {
      return ctx.exact()
    },
    reconciliation,
    mappings,
    exclusions: makeExclusions(ctx),
    create: makeCreate(ctx),
    transfer,
    runs: makeRunHistory(ctx),
    run: makeJobRunner(ctx)
  }
}

// The id names the link's rows, token chain and lease in storage, and appears in URLs and file
// names: it is checked here, by the storage's one rule, before anything is built on it.
const openContext = (options: CreateLinkOptions) => {
  const refused = validateLinkId("CreateLinkOptions", options.id)
  if (refused !== undefined) {
    throw LinkError.of(
      new LinkInvalidInputError({ record: "CreateLinkOptions", field: "id", message: refused.message })
    )
  }
  leaseLengthOf(options.leaseMs, "CreateLinkOptions", "leaseMs")
  return makeLinkContext(options)
}

/**
 * The link's flows as Effects, each failing with `LinkError`: the promise `LinkApi` is derived
 * from these, method for method (`decideAll` and `plan` are pure and stay on the promise API).
 *
 * @since 0.1.0
 */
export type LinkEffects = {
  readonly id: string
  readonly settings: LinkSettings
  /** The link's Exact Online client, on the link's own token chain. */
  readonly exact: ExactClient
} & ReturnType<typeof linkEffectsOf>

/**
 * Opens a link as Effects (see `createLink` for the options and `LinkEffects` for what it holds):
 * for hosts that compose with Effect, where interrupting a fiber aborts the link's requests.
 *
 * @since 0.1.0
 */
export const createLinkEffects = (options: CreateLinkOptions): LinkEffects => {
  const ctx = openContext(options)
  return {
    id: ctx.linkId,
    settings: options.settings,
    get exact() {
      return ctx.exact()
    },
    ...linkEffectsOf(ctx)
  }
}

/**
 * The link as an Effect service, for hosts that compose with Effect: `Link.layer(options)` builds
 * it with `createLinkEffects`; its methods are the Effects the promise API is derived from.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Link } from "@psa-ledger/link"
 *
 * const program = Effect.gen(function* () {
 *   const link = yield* Link
 *   const [latest] = yield* link.reconciliation.months()
 *   return yield* link.reconciliation.load(latest!)
 * })
 * const grid = await Effect.runPromise(program.pipe(Effect.provide(Link.layer(options))))
 * ```
 *
 * @since 0.1.0
 */
export class Link extends Context.Service<Link, LinkEffects>()("@psa-ledger/link/Link") {
  /** A layer holding the link of `options`. */
  static readonly layer = (options: CreateLinkOptions): Layer.Layer<Link> =>
    Layer.sync(Link, () => createLinkEffects(options))
}
