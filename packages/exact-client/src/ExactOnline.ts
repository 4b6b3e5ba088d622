/**
 * The Effect face of the client: an `ExactOnline` service whose calls fail with `ExactError`.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Stream } from "effect"
import {
  type CreatedSalesInvoice,
  createExactClient,
  type ExactClient,
  type ExactClientOptions,
  type ListOptions,
  type ProcessedSalesInvoice,
  type SalesInvoiceDraft
} from "./ExactClient.ts"
import { ExactError, Transport } from "./ExactError.ts"
import type { Division, Me } from "./Records.ts"

const toExactError = (cause: unknown): ExactError =>
  cause instanceof ExactError
    ? cause
    : new ExactError({
        reason: new Transport({ message: cause instanceof Error ? cause.message : "unexpected failure" })
      })

const attempt = <A>(run: () => Promise<A>): Effect.Effect<A, ExactError> =>
  Effect.tryPromise({ try: run, catch: toExactError })

/**
 * The operations of the `ExactOnline` service.
 *
 * @since 0.1.0
 */
export interface ExactOnlineService {
  /** The underlying promise client (for `api` and `auth`). */
  readonly client: ExactClient
  readonly me: Effect.Effect<Me, ExactError>
  readonly divisions: Effect.Effect<ReadonlyArray<Division>, ExactError>
  listAll<A = Record<string, unknown>>(endpoint: string, options?: ListOptions<A>): Effect.Effect<Array<A>, ExactError>
  paginate<A = Record<string, unknown>>(endpoint: string, options?: ListOptions<A>): Stream.Stream<A, ExactError>
  createSalesInvoice(
    invoice: SalesInvoiceDraft,
    options: { readonly yourRef: string; readonly division?: number }
  ): Effect.Effect<CreatedSalesInvoice, ExactError>
  processSalesInvoice(
    invoiceId: string,
    options?: { readonly invoiceDate?: Date }
  ): Effect.Effect<ProcessedSalesInvoice, ExactError>
}

/**
 * Builds the service's operations over a promise client.
 *
 * @since 0.1.0
 */
export const exactOnlineFromClient = (client: ExactClient): ExactOnlineService => ({
  client,
  me: attempt(() => client.me()).pipe(Effect.withSpan("ExactOnline.me")),
  divisions: attempt(() => client.divisions()).pipe(Effect.withSpan("ExactOnline.divisions")),
  listAll: (endpoint, options) =>
    attempt(() => client.listAll(endpoint, options)).pipe(Effect.withSpan("ExactOnline.listAll")),
  paginate: (endpoint, options) => Stream.fromAsyncIterable(client.paginate(endpoint, options), toExactError),
  createSalesInvoice: (invoice, options) =>
    attempt(() => client.createSalesInvoice(invoice, options)).pipe(Effect.withSpan("ExactOnline.createSalesInvoice")),
  processSalesInvoice: (invoiceId, options) =>
    attempt(() => client.processSalesInvoice(invoiceId, options)).pipe(
      Effect.withSpan("ExactOnline.processSalesInvoice")
    )
})

/**
 * The Exact Online client as an Effect service.
 *
 * @example
 * ```ts
 * import { ExactOnline, memoryTokenStore } from "@psa-ledger/exact-client"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const exact = yield* ExactOnline
 *   const user = yield* exact.me
 *   return user.CurrentDivision
 * })
 * Effect.runPromise(program.pipe(Effect.provide(ExactOnline.layer({ region: "nl", clientId, clientSecret, redirectUri, tokens: memoryTokenStore() }))))
 * ```
 *
 * @since 0.1.0
 */
export class ExactOnline extends Context.Service<ExactOnline, ExactOnlineService>()(
  "@psa-ledger/exact-client/ExactOnline"
) {
  /** A layer with a real client. */
  static readonly layer = (options: ExactClientOptions): Layer.Layer<ExactOnline> =>
    Layer.sync(ExactOnline, () => ExactOnline.of(exactOnlineFromClient(createExactClient(options))))

  /**
   * A layer for tests: a client you built (e.g. against the sandbox), or operations you supply; any
   * operation left out dies with a clear message when called.
   */
  static readonly layerTest = (implementation: ExactClient | Partial<ExactOnlineService>): Layer.Layer<ExactOnline> => {
    if ("api" in implementation && "auth" in implementation) {
      return Layer.succeed(ExactOnline, ExactOnline.of(exactOnlineFromClient(implementation as ExactClient)))
    }
    const missing = (name: string) => Effect.die(new Error(`ExactOnline.layerTest: ${name} was not provided`))
    const partial = implementation as Partial<ExactOnlineService>
    return Layer.succeed(
      ExactOnline,
      ExactOnline.of({
        get client(): ExactClient {
          if (!partial.client) throw new Error("ExactOnline.layerTest: client was not provided")
          return partial.client
        },
        me: partial.me ?? missing("me"),
        divisions: partial.divisions ?? missing("divisions"),
        listAll: partial.listAll ?? (() => missing("listAll")),
        paginate: partial.paginate ?? (() => Stream.die(new Error("ExactOnline.layerTest: paginate was not provided"))),
        createSalesInvoice: partial.createSalesInvoice ?? (() => missing("createSalesInvoice")),
        processSalesInvoice: partial.processSalesInvoice ?? (() => missing("processSalesInvoice"))
      })
    )
  }
}
