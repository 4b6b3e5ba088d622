import { type ConnectWiseClient, conditions } from "@psa-ledger/connectwise-client"
import type { ExactClient } from "@psa-ledger/exact-client"
import {
  type ChangePlan,
  CreateTarget,
  Decisions,
  diff,
  type GridRow,
  type LinkSettings,
  Mapping,
  type MappingKind,
  type MappingRef,
  type MappingStore,
  type PlanJournal,
  type PlanSummary,
  type PsaAgreement,
  type PsaProduct,
  pendingMappings,
  plan as planChanges,
  RowDecision,
  type Run,
  type RunStore,
  resolve,
  summary,
  type TransferLedger,
  type TransferPlan,
  UseTarget
} from "@psa-ledger/reconcile-core"
import { Context, DateTime, Effect, Layer } from "effect"
import { runPort } from "./internal/port.ts"
import { InvalidInput, LinkError, toLinkError } from "./LinkError.ts"
import type { Mailer } from "./Mail.ts"
import { type ProgressListener, safeListener } from "./Progress.ts"
import { Jobs, makeRunner, type RunContext, type RunResult, type RunTapEvent } from "./Run.ts"
import { makeRuns, type RunLog } from "./Runs.ts"
import { type ApplyReport, applyPlan } from "./reconciliation/Apply.ts"
import { createMissing, type NewAgreementData, type NewProductData } from "./reconciliation/Create.ts"
import {
  type InvoiceMonth,
  type InvoiceSource,
  type InvoiceSourceSettings,
  SalesSourceSettings
} from "./reconciliation/InvoiceSource.ts"
import { type LoadedMonth, loadMonth } from "./reconciliation/LoadMonth.ts"
import { invoiceSourceFor } from "./reconciliation/Source.ts"
import type { SchedulableLink, ScheduledRunOptions } from "./Scheduling.ts"
import { type PaymentSyncReport, syncPayments } from "./transfer/Payments.ts"
import { previewTransfer, runTransfer, type TransferReport } from "./transfer/Transfer.ts"
import type { TransferDeps, TransferRange } from "./transfer/TransferTypes.ts"

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
  readonly mappings: MappingStore["Service"]
  readonly runs: RunStore["Service"]
  readonly journal: PlanJournal["Service"]
  readonly transfers: TransferLedger["Service"]
}

/**
 * What `createLink` needs: the link's id, the two clients, its storage and settings; the rest has defaults.
 *
 * @since 0.1.0
 */
export interface CreateLinkOptions {
  /** The link's id: mappings, runs, journal and ledger entries are kept under it. */
  readonly id: string
  /** A display name for mails (default the id). */
  readonly name?: string | undefined
  readonly exact: ExactClient
  readonly connectwise: ConnectWiseClient
  readonly storage: LinkStorage
  readonly settings: LinkSettings
  /**
   * Which Exact Online invoice is the month's invoice: `InvoiceSourceSettings` (`sales`, `purchase`
   * or `csv`), or an `InvoiceSource` of the host's own. Default: the month's sales invoices.
   */
  readonly source?: InvoiceSourceSettings | InvoiceSource | undefined
  /** The file of a `csv` source. */
  readonly readCsv?: (() => string | Promise<string>) | undefined
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
}

/**
 * A loaded month: the grid `rows` (resolved and diffed, with deviations) and what planning needs
 * (the ConnectWise snapshot, the invoice lines, the mappings used).
 *
 * @since 0.1.0
 */
export type Grid = LoadedMonth

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
  readonly rows: ReadonlyArray<GridRow>
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
 * Options of `decideAll`: confirm the best suggestion of each side (default false: only rows that
 * link by themselves are approved) and create what is missing (default false).
 *
 * @since 0.1.0
 */
export interface DecideAllOptions {
  readonly confirmSuggestions?: boolean | undefined
  readonly createMissing?: boolean | undefined
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
  readonly reconciliation: {
    /** The months with invoices in the source, newest first (the pulldown). */
    months(): Promise<ReadonlyArray<InvoiceMonth>>
    /** Reads the month's invoice lines and the ConnectWise state they need; returns the grid. */
    load(
      month: InvoiceMonth,
      options?: { readonly onProgress?: ProgressListener | undefined; readonly signal?: AbortSignal | undefined }
    ): Promise<Grid>
    /**
     * Row decisions approving every change of every row: confirming the best suggestions and
     * creating what is missing when asked. A starting point for a grid's "approve all".
     */
    decideAll(grid: Grid, options?: DecideAllOptions): Record<string, RowDecision>
    /** Plans the approved changes; confirmed suggestions are resolved again first, so their agreements link. */
    plan(grid: Grid, decisions: DecisionsInput, options?: { readonly by?: string | undefined }): ReconciliationPlan
    /** Applies a plan to ConnectWise as a run (`reconciliation.apply`), journaled, mailed after. */
    apply(plan: ReconciliationPlan | ChangePlan, options?: LinkRunOptions): Promise<LinkRunResult<ApplyReport>>
  }
  readonly mappings: {
    list(options?: { readonly kind?: MappingKind | undefined }): Promise<ReadonlyArray<Mapping>>
    /** Remembers a row's suggested (or ambiguous) side as chosen: the best candidate unless `targetId` says. */
    confirm(
      row: GridRow,
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
  readonly create: {
    /** Creates (or finds by identifier) the row's catalog item and remembers it for the row's product. */
    product(row: GridRow, data?: NewProductData): Promise<PsaProduct>
    /** Creates (or finds) the row's agreement and remembers it for the row's customer. */
    agreement(row: GridRow, data?: NewAgreementData): Promise<PsaAgreement>
  }
  readonly transfer: {
    /** What a transfer of the range would do, without writing. */
    preview(range: TransferRange): Promise<TransferPlan>
    /** Transfers the range's ConnectWise invoices to Exact Online as a run (`transfer.run`). */
    run(range: TransferRange, options?: LinkRunOptions): Promise<LinkRunResult<TransferReport>>
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
  }
  /**
   * Runs a job by name, as a scheduler does: `reconciliation.apply` (the newest month, planned with
   * the settings' `autoApprove` and `autoAcceptAbove` only), `transfer.run` (the previous calendar
   * month) or `transfer.syncPayments`.
   */
  run(job: string, options: ScheduledRunOptions | LinkRunOptions): Promise<LinkRunResult<unknown>>
}

const isInvoiceSource = (source: InvoiceSourceSettings | InvoiceSource): source is InvoiceSource =>
  typeof (source as InvoiceSource).lines === "function"

const monthStart = (ms: number, offset: number): string => {
  const date = new Date(ms)
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1)).toISOString().slice(0, 10)
}

const promise = <A>(operation: string, run: () => Promise<A>): Promise<A> =>
  run().catch((error: unknown) => {
    throw toLinkError(error, operation)
  })

/**
 * Opens a link: the API an MSP portal imports for both flows, their runs, logs, mail and schedules.
 *
 * @example
 * ```ts
 * import { createLink } from "@psa-ledger/link"
 * import { smtpMailer } from "@psa-ledger/link/smtp"
 * import { sqliteStorage } from "@psa-ledger/storage-adapters"
 *
 * const link = createLink({ id: "msp-1", exact, connectwise, storage: await sqliteStorage({ path: "ledger.db" }),
 *   settings, mailer: smtpMailer({ host: "smtp.msp.example", port: 587, from: "ledger@msp.example" }),
 *   mailTo: "finance@msp.example" })
 * const [latest] = await link.reconciliation.months()
 * const grid = await link.reconciliation.load(latest!, { onProgress: (e) => bar.update(e) })
 * const plan = link.reconciliation.plan(grid, link.reconciliation.decideAll(grid, { confirmSuggestions: true }))
 * const { status, report } = await link.reconciliation.apply(plan)
 * ```
 *
 * @since 0.1.0
 */
export const createLink = (options: CreateLinkOptions): LinkApi => {
  const { id: linkId, exact, connectwise, storage, settings } = options
  const clock = options.now ?? Date.now
  const actor = options.actor ?? "psa-ledger"
  const logger = options.logger
  const sourceOption = options.source ?? new SalesSourceSettings({ kind: "sales" })
  let source: InvoiceSource | undefined
  const sourceOf = (): InvoiceSource => {
    source ??= isInvoiceSource(sourceOption)
      ? sourceOption
      : invoiceSourceFor(sourceOption, { exact, readCsv: options.readCsv, now: clock })
    return source
  }
  const tap = (event: RunTapEvent) => {
    if (logger === undefined) return
    if (event._tag === "LogWriteFailed") {
      logger.warn("run log entries could not be written", { runId: event.runId, error: event.error.message })
      return
    }
    const { level, message, fields } = event.entry
    const entryFields = { runId: event.runId, ...(fields ?? {}) }
    if (level === "debug") logger.debug?.(message, entryFields)
    else logger[level](message, entryFields)
  }
  const runner = makeRunner({
    store: storage.runs,
    mailer: options.mailer,
    ids: options.ids,
    ...(logger === undefined ? {} : { tap })
  })
  const runs = makeRuns(storage.runs)
  const create = createMissing({ connectwise, settings })
  const agreementContact =
    options.agreementContact ??
    (async (companyId: number) => {
      // The contact of another agreement of the company; without one ConnectWise refuses the agreement, visibly.
      const agreements = await connectwise.listAll("/finance/agreements", {
        conditions: conditions.eq("company/id", companyId)
      })
      return agreements.find((agreement) => agreement.contact?.id !== undefined)?.contact?.id
    })

  const decisionsOf = (input: DecisionsInput, by: string | undefined): Decisions =>
    input instanceof Decisions
      ? input
      : new Decisions({
          linkId,
          decidedBy: by ?? actor,
          decidedAt: DateTime.makeUnsafe(clock()),
          rows: { ...input }
        })

  const transferDeps = (log?: RunContext["log"]): TransferDeps => ({
    linkId,
    exact,
    connectwise,
    ledger: storage.transfers,
    journal: storage.journal,
    mappings: storage.mappings,
    settings,
    now: () => new Date(clock()),
    ...(log === undefined ? {} : { logger: log }),
    actor
  })

  const asRun = async <A>(
    job: string,
    details: Readonly<Record<string, unknown>>,
    runOptions: LinkRunOptions | undefined,
    body: (ctx: RunContext) => Promise<A>
  ): Promise<LinkRunResult<A>> => {
    const result = await runner.run(
      {
        linkId,
        job,
        details,
        trigger: runOptions?.trigger ?? "manual",
        onProgress: runOptions?.onProgress,
        signal: runOptions?.signal,
        note: runOptions?.note,
        mailTo: options.mailTo,
        linkName: options.name ?? linkId
      },
      body
    )
    return { ...result, runId: result.run.id, report: result.value }
  }

  const reconciliation: LinkApi["reconciliation"] = {
    months: () => promise("reconciliation.months", () => sourceOf().months()),
    load: (month, loadOptions = {}) =>
      promise("reconciliation.load", () =>
        loadMonth(
          {
            linkId,
            source: sourceOf(),
            connectwise,
            mappings: storage.mappings,
            settings,
            concurrency: options.concurrency
          },
          month,
          { onProgress: safeListener(loadOptions.onProgress), signal: loadOptions.signal }
        )
      ),
    decideAll: (grid, decideOptions = {}) => {
      const rows: Record<string, RowDecision> = {}
      for (const row of grid.rows) {
        const choose = (resolution: GridRow["customerResolution"], side: "customer" | "product" | "agreement") => {
          if (resolution._tag === "Suggested" && decideOptions.confirmSuggestions === true && side !== "agreement") {
            const best = resolution.candidates[0]
            return best === undefined ? undefined : new UseTarget({ targetId: best.targetId })
          }
          if (resolution._tag === "Missing" && decideOptions.createMissing === true && side !== "customer") {
            return new CreateTarget({})
          }
          return undefined
        }
        const customer = choose(row.customerResolution, "customer")
        const product = choose(row.productResolution, "product")
        const agreement = choose(row.agreementResolution, "agreement")
        rows[row.key] = new RowDecision({
          approve: "all",
          ...(customer === undefined ? {} : { customer }),
          ...(product === undefined ? {} : { product }),
          ...(agreement === undefined ? {} : { agreement })
        })
      }
      return rows
    },
    plan: (grid, input, planOptions = {}) => {
      const decisions = decisionsOf(input, planOptions.by)
      if (decisions.linkId !== linkId) {
        throw LinkError.of(
          new InvalidInput({
            record: "Decisions",
            field: "linkId",
            message: `the decisions are for link ${decisions.linkId}, not ${linkId}`
          })
        )
      }
      // A confirmed suggestion changes what else resolves (the agreement needs the company).
      const pending = pendingMappings(grid.rows, decisions, settings)
      const rows =
        pending.length === 0
          ? grid.rows
          : diff(resolve(grid.lines, grid.snapshot, [...grid.mappings, ...pending], settings), grid.snapshot, settings)
      const changes = planChanges(rows, decisions, settings)
      return { month: grid.month, plan: changes, rows, summary: summary(changes) }
    },
    apply: (input, runOptions) => {
      const changes = "plan" in input ? input.plan : input
      const month = "plan" in input ? input.month : undefined
      return asRun(
        Jobs.apply,
        { ...(month === undefined ? {} : { month }), operations: changes.operations.length },
        runOptions,
        async (ctx) => {
          ctx.log.info("applying the plan", { month: month ?? null, operations: changes.operations.length })
          const report = await applyPlan(
            {
              linkId,
              connectwise,
              mappings: storage.mappings,
              journal: storage.journal,
              now: clock,
              agreementContact
            },
            changes,
            {
              runId: ctx.runId,
              onProgress: (event) => ctx.progress(event),
              signal: ctx.signal,
              concurrency: options.concurrency
            }
          )
          for (const operation of report.operations) {
            if (operation.status === "failed") {
              ctx.log.error(`${operation.op} failed`, { key: operation.key, reason: operation.reason })
            } else if (operation.status === "skipped") {
              ctx.log.info(`${operation.op} skipped: ${operation.reason.message}`, { key: operation.key })
            } else {
              ctx.log.info(`${operation.op} done${operation.recovered ? " (found written by an earlier run)" : ""}`, {
                key: operation.key,
                result: operation.result
              })
            }
          }
          ctx.count("done", report.counts.done)
          ctx.count("skipped", report.counts.skipped)
          ctx.count("failed", report.counts.failed)
          ctx.summarize(
            `Applied ${report.counts.done} of ${changes.operations.length} changes${month === undefined ? "" : ` for ${month}`}; ${report.counts.skipped} skipped, ${report.counts.failed} failed.`
          )
          return report
        }
      )
    }
  }

  const mappings: LinkApi["mappings"] = {
    list: (listOptions) => runPort("MappingStore.list", storage.mappings.list(linkId, listOptions)),
    confirm: async (row, side, confirmOptions = {}) => {
      const resolution = side === "customer" ? row.customerResolution : row.productResolution
      const candidates =
        resolution._tag === "Suggested"
          ? resolution.candidates.map((candidate) => candidate.targetId)
          : resolution._tag === "Ambiguous"
            ? resolution.candidateIds
            : []
      const targetId = confirmOptions.targetId ?? candidates[0]
      const sourceKey = side === "customer" ? row.customer.key : row.product.key
      if (targetId === undefined || sourceKey === "") {
        throw LinkError.of(
          new InvalidInput({
            record: `row ${row.key}`,
            field: side,
            message: `there is no suggestion to confirm (${resolution._tag})`
          })
        )
      }
      return mappings.set({ kind: side, sourceKey }, targetId, {
        by: confirmOptions.by,
        method: candidates.includes(targetId) ? "confirmed-suggestion" : "manual"
      })
    },
    set: async (ref, targetId, setOptions = {}) => {
      const mapping = new Mapping({
        kind: ref.kind,
        sourceKey: ref.sourceKey,
        ...(ref.productKey === undefined ? {} : { productKey: ref.productKey }),
        targetId,
        method: setOptions.method ?? "manual",
        decidedBy: setOptions.by ?? actor,
        decidedAt: DateTime.makeUnsafe(clock())
      })
      await runPort("MappingStore.upsert", storage.mappings.upsert(linkId, [mapping]))
      return mapping
    },
    remove: (ref) => runPort("MappingStore.remove", storage.mappings.remove(linkId, ref))
  }

  const createApi: LinkApi["create"] = {
    product: async (row, data) => {
      const product = await promise("create.product", () => create.product(row, data))
      if (row.product.key !== "") await mappings.set({ kind: "product", sourceKey: row.product.key }, product.id)
      return product
    },
    agreement: async (row, data) => {
      const agreement = await promise("create.agreement", () => create.agreement(row, data))
      if (row.customer.key !== "") await mappings.set({ kind: "agreement", sourceKey: row.customer.key }, agreement.id)
      return agreement
    }
  }

  const transfer: LinkApi["transfer"] = {
    preview: (range) => promise("transfer.preview", () => previewTransfer(transferDeps(), range)),
    run: (range, runOptions) =>
      asRun(Jobs.transfer, { range }, runOptions, async (ctx) => {
        const report = await runTransfer(transferDeps(ctx.log), range, {
          runId: ctx.runId,
          onProgress: (event) => ctx.progress(event),
          signal: ctx.signal
        })
        for (const outcome of report.invoices) {
          if (outcome.status === "failed") {
            ctx.log.error(`invoice ${outcome.number} failed at ${outcome.step}`, { reason: outcome.failure })
          } else if (outcome.status === "blocked") {
            ctx.log.warn(`invoice ${outcome.number} blocked`, { reasons: outcome.reasons })
          } else {
            ctx.log.info(`invoice ${outcome.number} ${outcome.status}`)
          }
        }
        const counts = report.counts
        ctx.count("done", counts.created + counts.processed)
        ctx.count("skipped", counts.skipped)
        ctx.count("blocked", counts.blocked)
        ctx.count("failed", counts.failed + counts.blocked)
        ctx.summarize(
          `Created ${counts.created} Exact invoices, processed ${counts.processed}; ${counts.skipped} already transferred, ${counts.blocked} blocked, ${counts.failed} failed.`
        )
        return report
      }),
    syncPayments: (runOptions) =>
      asRun(Jobs.syncPayments, {}, runOptions, async (ctx) => {
        const report = await syncPayments(transferDeps(ctx.log), {
          onProgress: (event) => ctx.progress(event),
          signal: ctx.signal
        })
        for (const outcome of report.invoices) {
          if (outcome.status === "failed") {
            ctx.log.error(`payment of ${outcome.number} failed`, { reason: outcome.failure })
          } else {
            ctx.log.info(`invoice ${outcome.number}: ${outcome.status}`)
          }
        }
        const counts = report.counts
        ctx.count("done", counts.paid)
        ctx.count("skipped", counts["already-recorded"] + counts.open + counts.skipped + counts["not-found"])
        ctx.count("failed", counts.failed)
        ctx.summarize(
          `Recorded ${counts.paid} payments in ConnectWise; ${counts.open} still open, ${counts["already-recorded"]} recorded before, ${counts.failed} failed.`
        )
        return report
      })
  }

  const runApi: LinkApi["runs"] = {
    list: (listOptions) => runs.list(linkId, listOptions),
    get: (runId) => runs.get(linkId, runId),
    log: (runId) => runs.log(linkId, runId)
  }

  const run: LinkApi["run"] = async (job, runOptions) => {
    switch (job) {
      case Jobs.apply: {
        const [latest] = await reconciliation.months()
        if (latest === undefined) {
          return asRun(Jobs.apply, {}, runOptions, async (ctx) => {
            ctx.summarize("The invoice source has no months.")
            return undefined
          })
        }
        const grid = await reconciliation.load(latest, { signal: runOptions.signal })
        // Unattended: nothing but what the settings approve (`autoApprove`, `autoAcceptAbove`).
        const planned = reconciliation.plan(grid, {})
        return reconciliation.apply(planned, runOptions)
      }
      case Jobs.transfer:
        return transfer.run({ from: monthStart(clock(), -1), to: monthStart(clock(), 0) }, runOptions)
      case Jobs.syncPayments:
        return transfer.syncPayments(runOptions)
      default:
        throw LinkError.of(
          new InvalidInput({
            record: "job",
            field: "job",
            message: `unknown job ${JSON.stringify(job)} (${Object.values(Jobs).join(", ")})`
          })
        )
    }
  }

  return { id: linkId, settings, reconciliation, mappings, create: createApi, transfer, runs: runApi, run }
}

/**
 * The link as an Effect service, for hosts that compose with Effect: `Link.layer(options)` builds
 * it with `createLink`; its methods are the promise API's.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Link } from "@psa-ledger/link"
 *
 * const months = Link.promise((link) => link.reconciliation.months()).pipe(Effect.provide(Link.layer(options)))
 * ```
 *
 * @since 0.1.0
 */
export class Link extends Context.Service<Link, LinkApi>()("@psa-ledger/link/Link") {
  /** A layer holding the link of `options`. */
  static readonly layer = (options: CreateLinkOptions): Layer.Layer<Link> => Layer.sync(Link, () => createLink(options))

  /** Runs a promise method of the link as an Effect failing with `LinkError`. */
  static readonly promise = <A>(f: (link: LinkApi) => Promise<A>): Effect.Effect<A, LinkError, Link> =>
    Link.use((link) => Effect.tryPromise({ try: () => f(link), catch: (error) => toLinkError(error) }))
}
