/**
 * Paging through list endpoints: 1,000 rows a page, forward-only (`pageId`) where the endpoint
 * supports it, otherwise the page numbers its `Link` header names, and with no `Link` at all the
 * next page number after a full page. The next page is always asked for at the configured base
 * URL with the query the `Link` carries, so a `Link` to another host never receives credentials.
 */
import type { ConnectWiseLogger, ListQuery } from "../Client.ts"
import { decodeRecord, expectArray, parseBody } from "./decode.ts"
import { definedOnly, type RawApi, signalOf } from "./rawApi.ts"

/** A list query with the path parameters of a nested list. */
export type PageQuery = ListQuery & { readonly path?: Readonly<Record<string, unknown>> | undefined }

/** The `rel="next"` target of a `Link` header. */
export const linkNext = (header: string | null): string | undefined => {
  if (!header) return undefined
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part)
    if (match) return match[1]
  }
  return undefined
}

const firstQuery = (query: PageQuery, pageSize: number): Record<string, string | number> =>
  definedOnly({
    conditions: query.conditions,
    childConditions: query.childConditions,
    customFieldConditions: query.customFieldConditions,
    orderBy: query.orderBy,
    fields: query.fields,
    pageSize
  })

/** What paging needs from the client. */
export interface PagingDeps {
  readonly api: RawApi
  readonly resolveBaseUrl: (signal?: AbortSignal) => Promise<string>
  readonly logger: ConnectWiseLogger
}

/** Builds `paginate(template, query)`. */
export const makePaginate = (deps: PagingDeps) => {
  const nextQuery = async (link: string, template: string, signal: AbortSignal | undefined) => {
    const base = new URL(await deps.resolveBaseUrl(signal))
    const next = new URL(link, base)
    if (next.origin !== base.origin || !next.pathname.startsWith(`${base.pathname}/`)) {
      deps.logger.warn?.("ConnectWise named a next page outside the configured API; asking the configured one", {
        path: template
      })
    }
    return Object.fromEntries(next.searchParams)
  }

  return async function* paginate(template: string, query: PageQuery = {}): AsyncGenerator<unknown> {
    const pageSize = Math.min(Math.max(query.pageSize ?? 1000, 1), 1000)
    const first = firstQuery(query, pageSize)
    // Forward-only paging does not combine with orderBy; page numbers do.
    const headers: Record<string, string> = query.orderBy === undefined ? { "pagination-type": "forward-only" } : {}
    let pageQuery: Record<string, string | number> | undefined = first
    let page = 1
    while (pageQuery) {
      const { data, response } = await deps.api.GET(template, {
        params: { path: query.path, query: pageQuery },
        parseAs: "text",
        headers,
        ...signalOf(query)
      })
      const origin = { method: "GET", path: template, status: response.status }
      const rows = expectArray(parseBody(data, origin), origin)
      for (const row of rows) yield decodeRecord(row, origin)
      const link = linkNext(response.headers.get("link"))
      if (link) {
        pageQuery = await nextQuery(link, template, query.signal)
      } else if (!response.headers.has("link") && rows.length === pageSize) {
        // No Link header at all: fall back to page numbers until a short page.
        page++
        pageQuery = { ...first, page }
      } else {
        pageQuery = undefined
      }
    }
  }
}
