import { openApiDocument } from "./internal/openapi.ts"
import { routes } from "./routes/index.ts"

/**
 * The server's OpenAPI 3.1 document, generated from the Schemas that validate every request and
 * response; the same document the server serves at `/api/v1/openapi.json`.
 *
 * @example
 * ```ts
 * import { openApi } from "@psa-ledger/server"
 *
 * Object.keys(openApi().paths).length // every route
 * ```
 *
 * @since 0.1.0
 */
export const openApi = (): Record<string, unknown> & { readonly paths: Record<string, unknown> } =>
  openApiDocument(routes) as Record<string, unknown> & { readonly paths: Record<string, unknown> }
