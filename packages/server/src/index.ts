/**
 * psa-ledger's HTTP API: sign-in and roles, links, the reconciliation grid, plans, runs with live
 * progress and an OpenAPI 3.1 document, as one Web-standard `fetch` handler over a deployment.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/server" as const

export { ApiError, ErrorBody } from "./ApiError.ts"
export {
  type AuthOptions,
  hashPassword,
  type Principal,
  type Role,
  SCRYPT_PARAMETERS,
  verifyPassword
} from "./Auth.ts"
export { ConfigProblem, openConfiguredStorage, readServerConfig, type ServerConfig } from "./Config.ts"
export type { ServerQueueOptions } from "./internal/queue.ts"
export { openApi } from "./OpenApi.ts"
export {
  createServer,
  DEFAULT_BODY_LIMIT_BYTES,
  type RequestInfo,
  type Server,
  type ServerOptions,
  serve
} from "./Server.ts"
export { addUser, type NewUserInput } from "./Users.ts"
