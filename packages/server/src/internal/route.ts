import type { DeploymentApi } from "@psa-ledger/deployment"
import type { Schema } from "effect"
import type { Principal, Role } from "../Auth.ts"
import type { ServerContext } from "./context.ts"

/** Who may call a route: anyone, any signed-in user, or a role at least this (viewer < finance < admin). */
export type Access = "public" | Role

/** What a handler receives: the decoded path, query and body, the caller and the server. */
export interface RouteInput<P, Q, B> {
  readonly params: P
  readonly query: Q
  readonly body: B
  readonly principal: Principal
  readonly request: Request
  readonly server: ServerContext
  readonly deployment: DeploymentApi
}

/** A route: its OpenAPI description, access rule, Schemas for input and output, and its handler. */
export interface Route {
  readonly method: "get" | "post" | "put" | "delete"
  /** OpenAPI style, under /api/v1: `/links/{linkId}`. */
  readonly path: string
  readonly operationId: string
  readonly summary: string
  readonly tag: string
  readonly access: Access
  readonly params?: Schema.Top | undefined
  readonly query?: Schema.Top | undefined
  readonly body?: Schema.Top | undefined
  /** The largest body this route reads, bytes (default `DEFAULT_BODY_LIMIT_BYTES`, 16 MB): larger is a 413. */
  readonly maxBodyBytes?: number | undefined
  /** The 2xx body: a Schema (JSON), or `text`, `sse`, `redirect`. */
  readonly response: Schema.Top | "text" | "sse" | "redirect" | "none"
  readonly status?: number | undefined
  // biome-ignore lint/suspicious/noExplicitAny: the route table is heterogeneous; each handler is typed where defined
  readonly handle: (input: RouteInput<any, any, any>) => Promise<unknown>
}

/** Defines a route with its handler typed by its Schemas. */
export const route = <
  P extends Schema.Top = Schema.Top,
  Q extends Schema.Top = Schema.Top,
  B extends Schema.Top = Schema.Top
>(definition: {
  readonly method: Route["method"]
  readonly path: string
  readonly operationId: string
  readonly summary: string
  readonly tag: string
  readonly access: Access
  readonly params?: P
  readonly query?: Q
  readonly body?: B
  readonly maxBodyBytes?: number
  readonly response: Route["response"]
  readonly status?: number
  readonly handle: (input: RouteInput<P["Type"], Q["Type"], B["Type"]>) => Promise<unknown>
}): Route => definition as Route

/** A handler's answer with headers or a status of its own; any other value is the body. */
export class Reply {
  readonly body: unknown
  readonly options: { readonly status?: number; readonly headers?: Readonly<Record<string, string>> }
  constructor(body: unknown, options: Reply["options"] = {}) {
    this.body = body
    this.options = options
  }
}
