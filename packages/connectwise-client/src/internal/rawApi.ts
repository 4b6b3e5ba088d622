/**
 * The helpers are generic over path templates, which TypeScript cannot narrow to one operation of
 * `paths`; their public signatures carry the types, and this view of the same openapi-fetch client
 * only forwards. Every body is read as text so that money can be parsed exactly.
 */
export interface RawInit {
  readonly params?: {
    readonly path?: Readonly<Record<string, unknown>> | undefined
    readonly query?: Readonly<Record<string, unknown>>
  }
  readonly body?: unknown
  readonly parseAs: "text"
  readonly headers?: Readonly<Record<string, string>>
  readonly signal?: AbortSignal
  readonly baseUrl?: string
  readonly fetch?: (request: Request) => Promise<Response>
}

/** One method of the untyped view. */
export type RawCall = (path: string, init: RawInit) => Promise<{ readonly data?: string; readonly response: Response }>

/** The untyped view of the client's `api`. */
export interface RawApi {
  readonly GET: RawCall
  readonly POST: RawCall
  readonly PATCH: RawCall
}

/** `{signal}` when there is one: openapi-fetch passes it to the `Request`. */
export const signalOf = (options: { readonly signal?: AbortSignal | undefined }): { signal?: AbortSignal } =>
  options.signal ? { signal: options.signal } : {}

/** The entries whose value is defined: openapi-fetch would skip the others too, this says so in the type. */
export const definedOnly = <V>(entries: Readonly<Record<string, V | undefined>>): Record<string, V> =>
  Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Record<string, V>
