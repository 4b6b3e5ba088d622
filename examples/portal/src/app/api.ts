// The typed API client: openapi-fetch over the types openapi-typescript generates from the server's
// committed openapi.json (src/generated/api.ts, checked for drift by test/generated.test.ts). The
// CSRF token of the session rides on every write as middleware, as openapi-fetch intends.
import createClient, { type Middleware } from "openapi-fetch"
import type { components, paths } from "../generated/api.ts"

export type Schemas = components["schemas"]
export type Session = Schemas["Session"]
export type ReconciliationRow = Schemas["ReconciliationRowEncoded"]
export type GridEntry = Schemas["GridPage"]["rows"][number]
export type TargetNames = Schemas["GridPage"]["names"]
export type RowState = GridEntry["state"]
export type RowDecision = Schemas["RowDecisionEncoded"]
export type Resolution = ReconciliationRow["customerResolution"]
export type Deviation = ReconciliationRow["deviations"][number]
export type PlanPreview = Schemas["PlanPreview"]
export type ApplyResult = Schemas["ApplyResult"]
export type Operation = PlanPreview["plan"]["operations"][number]
export type Run = Schemas["RunEncoded"]
export type LogEntry = Schemas["LogEntryEncoded"]
export type LinkSummary = Schemas["LinkSummary"]
export type MonthStatus = Schemas["MonthStatus"]
export type Exclusion = Schemas["ExclusionEncoded"]

let csrfToken: string | undefined

/** Remembers the session's CSRF token (from sign-in or `GET /session`). */
export const setCsrfToken = (token: string | undefined) => {
  csrfToken = token
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== "GET" && request.method !== "HEAD" && csrfToken !== undefined) {
      request.headers.set("x-csrf-token", csrfToken)
    }
    return request
  }
}

export const api = createClient<paths>({ baseUrl: "/api/v1" })
api.use(csrf)

/** What the server said went wrong, as a sentence a person can act on. */
export const problem = (error: unknown, status?: number): string => {
  const body = error as { error?: { message?: string; field?: string; code?: string } } | undefined
  const e = body?.error
  if (e === undefined)
    return status === undefined ? "The server could not be reached." : `The server answered ${status}.`
  const what = e.field === undefined ? e.message : `${e.message} (${e.field})`
  if (e.code === "Forbidden") return `Your role does not allow this: ${what}`
  return what ?? "Something went wrong."
}
