/**
 * The shapes of Exact's answers: OData JSON, OData errors and OAuth errors.
 */
import { toJson } from "./values.ts"

/** A JSON answer (204 without a body). */
export const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(status === 204 ? null : toJson(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers }
  })

/** An OData error as Exact writes it. */
export const odataError = (status: number, message: string, headers: Record<string, string> = {}) =>
  jsonResponse(status, { error: { code: "", message: { lang: "en-US", value: message } } }, headers)

/** An OAuth token-endpoint error. */
export const oauthError = (status: number, error: string, description: string) =>
  jsonResponse(status, { error, error_description: description })
