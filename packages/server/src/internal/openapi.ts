import { Schema } from "effect"
import { ErrorBody } from "../ApiError.ts"
import type { Route } from "./route.ts"

type Json = Record<string, unknown>

const DEFS = "#/$defs/"
const COMPONENTS = "#/components/schemas/"

/** Rewrites JSON Schema references to the document's components. */
const relink = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(relink)
  if (value !== null && typeof value === "object") {
    const out: Json = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        k === "$ref" && typeof v === "string" && v.startsWith(DEFS) ? COMPONENTS + v.slice(DEFS.length) : relink(v)
    }
    return out
  }
  return value
}

/**
 * The OpenAPI 3.1 document of the routes, generated from the Schemas that decode their input and
 * encode their output (each through its JSON codec, as the server does).
 */
export const openApiDocument = (routes: ReadonlyArray<Route>): Json => {
  const components: Json = {}
  const schemaOf = (schema: Schema.Top): Json => {
    const doc = Schema.toJsonSchemaDocument(schema as unknown as Schema.Codec<unknown, unknown>)
    for (const [name, definition] of Object.entries(doc.definitions)) components[name] = relink(definition)
    return relink(doc.schema) as Json
  }
  const error = schemaOf(ErrorBody)
  const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: error } } })
  const paths: Record<string, Json> = {}
  for (const route of routes) {
    const parameters: Array<Json> = []
    for (const [where, schema] of [
      ["path", route.params],
      ["query", route.query]
    ] as const) {
      if (schema === undefined) continue
      const object = schemaOf(schema) as { properties?: Record<string, Json>; required?: Array<string> }
      for (const [name, property] of Object.entries(object.properties ?? {})) {
        parameters.push({
          name,
          in: where,
          required: where === "path" || (object.required ?? []).includes(name),
          schema: property
        })
      }
    }
    if (route.path === "/links/{linkId}/runs/{runId}/events") {
      parameters.push({ name: "Last-Event-ID", in: "header", required: false, schema: { type: "string" } })
    }
    const status = String(route.status ?? (route.response === "none" ? 204 : route.response === "redirect" ? 303 : 200))
    const ok =
      route.response === "none"
        ? { description: "Done" }
        : route.response === "redirect"
          ? { description: "Redirects to the page the consent was started from" }
          : route.response === "text"
            ? { description: "Text", content: { "text/plain": { schema: { type: "string" } } } }
            : route.response === "sse"
              ? { description: "Server-sent events", content: { "text/event-stream": { schema: { type: "string" } } } }
              : { description: "OK", content: { "application/json": { schema: schemaOf(route.response) } } }
    const responses: Json = {
      [status]: ok,
      "400": errorResponse("Bad input: `field` names what is wrong"),
      ...(route.access === "public"
        ? {}
        : {
            "401": errorResponse("Not signed in"),
            "403": errorResponse("The role does not allow this, or the request failed the CSRF check")
          }),
      ...(route.path.includes("{") ? { "404": errorResponse("Not found, or no grant on the link") } : {}),
      ...(route.method === "get" ? {} : { "409": errorResponse("A version conflict, or the link is busy") }),
      ...(route.operationId === "signIn" ? { "429": errorResponse("Too many failed sign-ins: see Retry-After") } : {})
    }
    const operation: Json = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      "x-access": route.access,
      ...(route.access === "public" ? { security: [] } : {}),
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(route.body === undefined
        ? {}
        : { requestBody: { required: true, content: { "application/json": { schema: schemaOf(route.body) } } } }),
      responses
    }
    const at = paths[route.path] ?? {}
    at[route.method] = operation
    paths[route.path] = at
  }
  paths["/openapi.json"] = {
    get: {
      operationId: "getOpenApi",
      summary: "This document",
      tags: ["meta"],
      "x-access": "public",
      security: [],
      responses: { "200": { description: "OK", content: { "application/json": { schema: { type: "object" } } } } }
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "psa-ledger server",
      version: "1",
      description:
        "ConnectWise PSA and Exact Online reconciliation and invoice transfer. Money and quantities are decimal strings. Every error is `{ error: { code, message, field?, details? } }`. State-changing requests carry the session's `X-CSRF-Token`."
    },
    servers: [{ url: "/api/v1" }],
    security: [{ session: [] }],
    tags: ["session", "users", "settings", "links", "reconciliation", "transfer", "runs", "meta"].map((name) => ({
      name
    })),
    paths,
    components: {
      securitySchemes: { session: { type: "apiKey", in: "cookie", name: "psa_session" } },
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    }
  }
}
