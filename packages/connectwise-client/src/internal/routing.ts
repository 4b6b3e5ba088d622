/**
 * The openapi-fetch middleware that makes a request a ConnectWise request: the resolved base URL,
 * Basic auth with the `clientId` header, and the pinned API version first in `Accept`. Credentials
 * are attached only to requests for the configured API base; anything else is refused.
 */
import type { Middleware } from "openapi-fetch"

/** The codebase lookup: served at the site's root, without credentials. */
export const LOGIN_PATH = "/login/companyinfo/{companyId}"
/** The base URL openapi-fetch builds on until the codebase is known. */
export const PLACEHOLDER = "https://connectwise.codebase.pending/apis/3.0"

/** What the middleware needs. */
export interface RoutingConfig {
  /** The `Authorization` value; kept in this closure only, never a property. */
  readonly authorization: string
  readonly clientId: string
  readonly apiVersion: string
  readonly resolveBaseUrl: (signal?: AbortSignal) => Promise<string>
}

// Metrics and errors name the path template, never the ids (or anything else) in the URL.
const templateFromUrl = (url: string): string => {
  const path = new URL(url).pathname.replace(/^.*?\/apis\/3\.0(?=\/)/, "")
  return path.replace(/\/\d+(?=\/(additions|payments)\b)/g, "/{parentId}").replace(/\/\d+(?=\/|$)/g, "/{id}")
}

/** The middleware, and the template each request it saw was made for. */
export const makeRouting = (config: RoutingConfig) => {
  const templates = new WeakMap<Request, string>()
  const middleware: Middleware = {
    onRequest: async ({ request, schemaPath }) => {
      if (schemaPath === LOGIN_PATH) {
        request.headers.set("accept", "application/json")
        templates.set(request, schemaPath)
        return request
      }
      const base = await config.resolveBaseUrl(request.signal)
      const routed = request.url.startsWith(PLACEHOLDER)
        ? new Request(`${base}${request.url.slice(PLACEHOLDER.length)}`, request)
        : request
      if (!routed.url.startsWith(`${base}/`)) {
        throw new TypeError("The ConnectWise client sends its credentials only to its configured API base URL")
      }
      routed.headers.set("authorization", config.authorization)
      routed.headers.set("clientid", config.clientId)
      // The versioned media type must come first, or ConnectWise serves its latest model.
      routed.headers.set(
        "accept",
        `application/vnd.connectwise.com+json; version=${config.apiVersion}, application/json`
      )
      templates.set(routed, schemaPath)
      return routed
    }
  }
  const templateOf = (request: Request): string => templates.get(request) ?? templateFromUrl(request.url)
  return { middleware, templateOf }
}
