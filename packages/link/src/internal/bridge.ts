/**
 * The one bridge between the link's Effects and its promise API, and the two ways into Effect: a
 * storage port's Effect and a client's promise. Every flow is written once, as an Effect failing
 * with `LinkError`; the promise `LinkApi` is derived from those Effects here, so the two cannot drift
 * and a rejection keeps the typed cause (the client's or storage's error object, with its fields).
 */
import type { StorageError } from "@psa-ledger/reconcile-core"
import { Cause, Effect, Exit } from "effect"
import { LinkError, LinkStorageError, toLinkError } from "../LinkError.ts"

/**
 * A storage port's Effect failing with the `Storage` reason naming `operation`, the port's
 * `StorageError` (with its reason) kept as `cause`.
 */
export const fromPort = <A>(operation: string, effect: Effect.Effect<A, StorageError>): Effect.Effect<A, LinkError> =>
  Effect.mapError(effect, (error) =>
    LinkError.of(new LinkStorageError({ operation, message: error.message, cause: error }))
  )

/**
 * A client call (or any promise step) as an Effect: `call` gets an `AbortSignal` that fires when
 * the Effect is interrupted, so the request in flight is aborted; what it rejects with becomes a
 * `LinkError` naming `operation` (a client's error kept as `cause`).
 */
export const fromPromise = <A>(
  operation: string,
  call: (signal: AbortSignal) => Promise<A>
): Effect.Effect<A, LinkError> =>
  // Declared with its parameter: Effect only hands a signal to a thunk whose `length` is 1.
  Effect.tryPromise({ try: (signal: AbortSignal) => call(signal), catch: (error) => toLinkError(error, operation) })

/**
 * Runs one of the link's Effects as a promise: resolves with its value or rejects with a
 * `LinkError` (a failure keeps its reason and typed cause; a storage failure is the `Storage`
 * reason naming `operation`; a defect is `Unexpected`). Aborting `signal` interrupts the Effect.
 */
export const runLink = async <A>(
  operation: string,
  effect: Effect.Effect<A, unknown>,
  signal?: AbortSignal | undefined
): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect, signal === undefined ? undefined : { signal })
  if (Exit.isSuccess(exit)) return exit.value
  const failure = exit.cause.reasons.find(Cause.isFailReason)
  throw toLinkError(failure === undefined ? Cause.squash(exit.cause) : failure.error, operation)
}

/** A storage port's Effect run as a promise (`fromPort` then `runLink`). */
export const runPort = <A>(operation: string, effect: Effect.Effect<A, StorageError>): Promise<A> =>
  runLink(operation, fromPort(operation, effect))

// biome-ignore lint/suspicious/noExplicitAny: a method of any parameters, matched structurally.
type EffectMethod = (...args: any) => Effect.Effect<any, any, never>

/** The promise face of an area's Effects: every method, with the same parameters, as a promise. */
export type PromiseFace<T extends Record<string, EffectMethod>> = {
  readonly [K in keyof T]: (...args: Parameters<T[K]>) => Promise<Effect.Success<ReturnType<T[K]>>>
}

/**
 * Derives an area's promise API from its Effects, mechanically: each method runs its Effect through
 * `runLink`, named `area.method`, so a method added to the Effects is on the promise face at once.
 */
export const promiseFace = <T extends Record<string, EffectMethod>>(area: string, effects: T): PromiseFace<T> => {
  const face: Record<string, unknown> = {}
  for (const [name, method] of Object.entries(effects)) {
    face[name] = (...args: ReadonlyArray<unknown>) => runLink(`${area}.${name}`, method(...args))
  }
  return face as PromiseFace<T>
}
