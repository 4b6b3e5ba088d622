/** The record helpers besides paging: count, get, create and patch, each one typed-`api` call. */
import type { ConnectWiseRequestOptions } from "../Client.ts"
import { ConnectWiseError } from "../ConnectWiseError.ts"
import type { PatchOperation } from "../patch.ts"
import { decodeRecord, expectCount, type Origin, parseBody } from "./decode.ts"
import { definedOnly, type RawApi, signalOf } from "./rawApi.ts"
import { ambiguousBody, type Transport } from "./transport.ts"

type PathParams = Readonly<Record<string, unknown>> | undefined
/** Options of `create`. */
export type CreateOptions = ConnectWiseRequestOptions & {
  readonly path?: PathParams
  readonly idempotencyCheck?: () => Promise<unknown>
}
/** Query of `count`. */
export type CountQuery = ConnectWiseRequestOptions & {
  readonly path?: PathParams
  readonly conditions?: string
  readonly childConditions?: string
  readonly customFieldConditions?: string
}

/**
 * The record a write answered 2xx with; a body that does not decode (not JSON, not the record)
 * is an ambiguous write: written, but what was stored is unknown.
 */
const writtenRecord = (text: string | undefined, origin: Origin): unknown => {
  try {
    return decodeRecord(parseBody(text, origin), origin)
  } catch (error) {
    if (!(error instanceof ConnectWiseError) || error.reason._tag !== "DecodeError") throw error
    const { field, message } = error.reason
    throw new ConnectWiseError({
      method: origin.method,
      path: origin.path,
      status: origin.status,
      reason: ambiguousBody(origin.method, `does not decode (${message})`, field)
    })
  }
}

/** Builds the helpers over the untyped view of `api` and the transport underneath it. */
export const makeOperations = (api: RawApi, transport: Transport) => {
  const count = async (path: string, query: CountQuery = {}): Promise<number> => {
    const template = `${path}/count`
    const filters = definedOnly({
      conditions: query.conditions,
      childConditions: query.childConditions,
      customFieldConditions: query.customFieldConditions
    })
    const { data, response } = await api.GET(template, {
      params: { path: query.path, query: filters },
      parseAs: "text",
      ...signalOf(query)
    })
    const origin = { method: "GET", path: template, status: response.status }
    return expectCount(parseBody(data, origin), origin)
  }

  const get = async (path: string, params: PathParams, options: ConnectWiseRequestOptions = {}): Promise<unknown> => {
    const { data, response } = await api.GET(path, { params: { path: params }, parseAs: "text", ...signalOf(options) })
    const origin = { method: "GET", path, status: response.status }
    return decodeRecord(parseBody(data, origin), origin)
  }

  const create = async (path: string, body: unknown, options: CreateOptions = {}): Promise<unknown> => {
    let found: unknown
    const check = options.idempotencyCheck
    // A POST may be repeated only when the check proves the failed attempt created nothing.
    const retryCheck = check
      ? async () => {
          found = await check()
          return found === undefined || found === null
        }
      : undefined
    let answer: Awaited<ReturnType<RawApi["POST"]>>
    try {
      answer = await api.POST(path, {
        params: { path: options.path },
        body,
        parseAs: "text",
        ...signalOf(options),
        ...(retryCheck ? { fetch: (request: Request) => transport(request, retryCheck) } : {})
      })
    } catch (error) {
      // The check found the record the failed attempt created: that is the answer.
      if (found !== undefined && found !== null) return decodeRecord(found, { method: "POST", path, status: 201 })
      throw error
    }
    return writtenRecord(answer.data, { method: "POST", path, status: answer.response.status })
  }

  const patch = async (
    path: string,
    params: PathParams,
    operations: ReadonlyArray<PatchOperation>,
    options: ConnectWiseRequestOptions = {}
  ): Promise<unknown> => {
    const { data, response } = await api.PATCH(path, {
      params: { path: params },
      body: operations,
      parseAs: "text",
      ...signalOf(options)
    })
    return writtenRecord(data, { method: "PATCH", path, status: response.status })
  }

  return { count, get, create, patch }
}
