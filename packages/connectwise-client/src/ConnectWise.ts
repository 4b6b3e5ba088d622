import { Context, Effect, Layer } from "effect"
import {
  type ConnectWiseClient,
  type ConnectWiseClientOptions,
  createConnectWiseClient,
  type ListPath,
  type ListQuery,
  type RecordOf
} from "./Client.ts"
import { ConnectWiseError, Transport } from "./ConnectWiseError.ts"
import type { paths } from "./generated/connectwise.ts"
import type { PatchOperation } from "./patch.ts"

type Params<P extends keyof paths> = paths[P] extends { get: { parameters: { path: infer X } } } ? X : never

const lift =
  (method: string, path: string) =>
  <A>(run: () => Promise<A>): Effect.Effect<A, ConnectWiseError> =>
    Effect.tryPromise({
      try: run,
      catch: (error) =>
        error instanceof ConnectWiseError
          ? error
          : new ConnectWiseError({
              method,
              path,
              reason: new Transport({ message: error instanceof Error ? error.message : "Unexpected failure" })
            })
    })

/**
 * The ConnectWise client as an Effect service: the same helpers, returning `Effect` with
 * {@link ConnectWiseError} in the error channel.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function* () {
 *   const cw = yield* ConnectWise
 *   return yield* cw.listAll("/finance/agreements", { conditions: conditions.eq("agreementStatus", "Active") })
 * })
 * program.pipe(Effect.provide(ConnectWise.layer(options)))
 * ```
 */
export class ConnectWise extends Context.Service<
  ConnectWise,
  {
    /** The promise client underneath, for `api` and `paginate`. */
    readonly client: ConnectWiseClient
    readonly listAll: <P extends ListPath>(
      path: P,
      query?: Parameters<ConnectWiseClient["listAll"]>[1] & ListQuery
    ) => Effect.Effect<Array<RecordOf<P>>, ConnectWiseError>
    readonly count: <P extends ListPath>(
      path: P,
      query?: Parameters<ConnectWiseClient["count"]>[1]
    ) => Effect.Effect<number, ConnectWiseError>
    readonly get: <P extends keyof paths & `${string}{id}`>(
      path: P,
      params: Params<P>
    ) => Effect.Effect<RecordOf<P>, ConnectWiseError>
    readonly create: <P extends ListPath>(
      path: P,
      body: unknown,
      options?: Parameters<ConnectWiseClient["create"]>[2]
    ) => Effect.Effect<RecordOf<P>, ConnectWiseError>
    readonly patch: <P extends keyof paths & `${string}{id}`>(
      path: P,
      params: Params<P>,
      operations: ReadonlyArray<PatchOperation>
    ) => Effect.Effect<RecordOf<P>, ConnectWiseError>
  }
>()("@psa-ledger/connectwise-client/ConnectWise") {
  /** Wraps an existing promise client. */
  static readonly fromClient = (client: ConnectWiseClient): ConnectWise["Service"] => {
    // The promise client's generics are checked at its own call sites; here we only forward.
    const c = client as unknown as Record<
      "listAll" | "count" | "get" | "create" | "patch",
      (...args: Array<unknown>) => Promise<never>
    >
    return ConnectWise.of({
      client,
      listAll: (path, query) => lift("GET", path)(() => c.listAll(path, query)),
      count: (path, query) => lift("GET", `${path}/count`)(() => c.count(path, query)),
      get: (path, params) => lift("GET", path)(() => c.get(path, params)),
      create: (path, body, options) => lift("POST", path)(() => c.create(path, body, options)),
      patch: (path, params, operations) => lift("PATCH", path)(() => c.patch(path, params, operations))
    })
  }

  /** A layer that builds the client from options. */
  static readonly layer = (options: ConnectWiseClientOptions): Layer.Layer<ConnectWise> =>
    Layer.sync(ConnectWise, () => ConnectWise.fromClient(createConnectWiseClient(options)))

  /**
   * A layer for tests: the client talks to an in-process handler (such as the sandbox's
   * `ConnectWiseSimulation.handle`) with fixed test credentials and no real waiting between retries.
   */
  static readonly layerTest = (
    handler: (request: Request) => Promise<Response>,
    options: Partial<ConnectWiseClientOptions> = {}
  ): Layer.Layer<ConnectWise> =>
    ConnectWise.layer({
      companyId: "psaledger",
      publicKey: "sim-public-key",
      privateKey: "sim-private-key",
      clientId: "00000000-0000-4000-8000-000000000000",
      site: "api-eu.myconnectwise.net",
      sleep: () => Promise.resolve(),
      ...options,
      fetch: handler
    })
}
