/**
 * Routing: the OAuth endpoints, then per API call the error block, authentication, the division, the
 * rate limits and injected faults, and finally the read or write the path names.
 */

import { createDocument, createDocumentAttachment, createSalesEntry } from "./entries.ts"
import { rateHeaders, spend } from "./limits.ts"
import { handleAuthorize, handleConsent, handleToken } from "./oauth.ts"
import { list, single } from "./reads.ts"
import { jsonResponse, odataError } from "./responses.ts"
import {
  count,
  type Division,
  guidPattern,
  isBlocked,
  type Json,
  recordError,
  type SimState,
  takeFault
} from "./state.ts"
import { parseJson, When } from "./values.ts"
import { createAccount, createSalesInvoice, processSalesInvoice } from "./writes.ts"

export const me = (sim: SimState, division: Division) => ({
  __metadata: { type: "Exact.Web.Api.System.Me" },
  ...sim.user,
  CurrentDivision: division.seed.code,
  AccountingDivision: division.seed.code,
  DivisionCustomerName: division.seed.description
})
export const divisionRecord = (sim: SimState, d: Division) => ({
  __metadata: { type: "Exact.Web.Api.Models.HRM.Division" },
  Code: d.seed.code,
  Description: d.seed.description,
  Currency: d.seed.currency ?? "EUR",
  Country: "NL",
  Current: d.seed.code === sim.currentDivision,
  Status: 1,
  StartDate: new When(Date.UTC(2020, 0, 1)),
  DivisionMoveDate: null
})

export const handleApi = async (sim: SimState, request: Request, url: URL, rest: Array<string>): Promise<Response> => {
  const isMe = rest[0]?.toLowerCase() === "current" && rest[1]?.toLowerCase() === "me"
  const bearerToken = /^Bearer (.+)$/.exec(request.headers.get("Authorization") ?? "")?.[1]
  // A consent names one division: it is the user's current one, and the only one its tokens reach.
  const consented = bearerToken ? sim.accessTokens.get(bearerToken)?.chain.division : undefined
  const divisionCode = isMe ? (consented ?? sim.currentDivision) : Number(rest[0])
  const pathParts = isMe ? ["current", "Me"] : rest.slice(1)
  const keyMatch = /^(.*)\((?:guid)?'([^']*)'\)$/.exec(pathParts.join("/"))
  const endpointPath = keyMatch ? (keyMatch[1] as string) : pathParts.join("/")
  const countKey = `${request.method} ${endpointPath}`
  count(sim, countKey)
  const bearer = /^Bearer (.+)$/.exec(request.headers.get("Authorization") ?? "")?.[1]
  const access = bearer ? sim.accessTokens.get(bearer) : undefined
  const clientId = access?.chain.clientId ?? "?"
  const errorKey = `${clientId}|${Number.isFinite(divisionCode) ? divisionCode : 0}|${endpointPath.toLowerCase()}`
  const answer = (response: Response) => {
    if ([400, 401, 403, 404].includes(response.status)) recordError(sim, errorKey)
    return response
  }
  if (isBlocked(sim, errorKey)) {
    sim.stats.blocked++
    return odataError(403, "Too many errors on this endpoint: the API key is blocked for an hour.", {
      Reason: "ErrorLimitExceeded"
    })
  }
  if (!access || access.expiresAt <= sim.clock.now()) {
    return answer(odataError(401, "Unauthorized: the access token is missing, invalid or expired."))
  }
  const division = Number.isInteger(divisionCode) ? sim.divisions.get(divisionCode) : undefined
  if (!division) return answer(odataError(404, `Division ${rest[0]} not found.`))
  if (division.seed.access === false || (consented !== undefined && division.seed.code !== consented)) {
    return answer(odataError(403, "You have no access to this division.", { Reason: "NoDivisionAccess" }))
  }
  const refused = spend(sim, division)
  if (refused) return refused
  const headers = rateHeaders(sim, division)
  const withHeaders = (response: Response) => {
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value)
    return answer(response)
  }
  const fault = takeFault(sim, request.method, endpointPath)
  if (fault?.kind === "network-error") return Response.error()
  if (fault?.kind === "error-before-commit")
    return withHeaders(odataError(fault.status ?? 500, "Internal server error."))

  const routed = await route(sim, request, url, division, endpointPath, keyMatch?.[2], isMe, consented)
  if (fault?.kind === "error-after-commit")
    return withHeaders(odataError(fault.status ?? 500, "Internal server error."))
  if (fault?.kind === "hang-after-commit") {
    await new Promise((resolve) => setTimeout(resolve, fault.hangMs ?? 2_000))
  }
  return withHeaders(routed)
}

export const route = async (
  sim: SimState,
  request: Request,
  url: URL,
  division: Division,
  endpointPath: string,
  key: string | undefined,
  isMe: boolean,
  consented?: number
): Promise<Response> => {
  if (isMe) return jsonResponse(200, { d: { results: [me(sim, division)] } })
  const lower = endpointPath.toLowerCase()
  if (lower === "system/divisions" && request.method === "GET") {
    return jsonResponse(200, {
      d: {
        results: [...sim.divisions.values()]
          .filter((d) => d.seed.access !== false && (consented === undefined || d.seed.code === consented))
          .map((d) => divisionRecord(sim, d))
      }
    })
  }
  if (request.method === "GET") {
    if (key !== undefined) {
      if (!guidPattern.test(key)) return odataError(400, `Invalid key '${key}'.`)
      return single(division, endpointPath, key, url)
    }
    return list(sim, division, endpointPath, url)
  }
  if (request.method === "POST") {
    let body: Json
    try {
      const parsed = parseJson(await request.text())
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object")
      body = parsed as Json
    } catch {
      return odataError(400, "Error processing request stream. The request should be a valid JSON object.")
    }
    if (lower === "salesinvoice/salesinvoices") return createSalesInvoice(sim, division, body, url)
    if (lower === "salesinvoice/printedsalesinvoices") return processSalesInvoice(sim, division, body)
    if (lower === "crm/accounts") return createAccount(sim, division, body, url)
    if (lower === "salesentry/salesentries") return createSalesEntry(sim, division, body, url)
    if (lower === "documents/documents") return createDocument(sim, division, body, url)
    if (lower === "documents/documentattachments") return createDocumentAttachment(sim, division, body, url)
    return odataError(405, `POST is not supported on ${endpointPath} in the simulation.`)
  }
  return odataError(405, `${request.method} is not supported on ${endpointPath} in the simulation.`)
}

export const handle = async (sim: SimState, request: Request, basePath = ""): Promise<Response> => {
  const url = new URL(request.url)
  const mount = basePath.replace(/\/+$/, "")
  if (!url.pathname.startsWith(`${mount}/`)) return odataError(404, "Not found.")
  const parts = url.pathname.slice(mount.length).split("/").filter(Boolean)
  if (parts[0] !== "api") return odataError(404, "Not found.")
  if (parts[1] === "oauth2" && parts[2] === "auth" && request.method === "GET") {
    count(sim, "GET oauth2/auth")
    return handleAuthorize(sim, url)
  }
  if (parts[1] === "oauth2" && parts[2] === "auth" && request.method === "POST") {
    count(sim, "POST oauth2/auth")
    return handleConsent(sim, request)
  }
  if (parts[1] === "oauth2" && parts[2] === "token" && request.method === "POST") {
    count(sim, "POST oauth2/token")
    return handleToken(sim, request)
  }
  if (parts[1] === "v1" && parts.length >= 3)
    return handleApi(sim, request, url, parts.slice(2).map(decodeURIComponent))
  return odataError(404, "Not found.")
}
