import { type ConnectWiseClient, createConnectWiseClient } from "@psa-ledger/connectwise-client"
import type { ExactClientOptions } from "@psa-ledger/exact-client"
import { DeploymentInvalidConfigError, fail } from "../DeploymentError.ts"
import type { LinkConfig } from "../LinkConfig.ts"
import type { DeploymentContext } from "./context.ts"
import { linkSecret } from "./links.ts"

const notSet = (operation: string, field: string) =>
  fail(
    operation,
    new DeploymentInvalidConfigError({ record: "LinkConfig", field, message: "is not set: write it with links.update" })
  )

/** The ConnectWise client of a link's configuration and sealed private key. */
export const connectWiseClientOf = async (
  ctx: DeploymentContext,
  id: string,
  config: LinkConfig,
  operation: string,
  overrides: { readonly maxRetries?: number } = {}
): Promise<ConnectWiseClient> => {
  const privateKey = await linkSecret(ctx, id, "connectwise.privateKey", operation)
  if (privateKey === undefined) throw notSet(operation, "connectwise.privateKey")
  const cw = config.connectwise
  return createConnectWiseClient({
    ...(cw.site === undefined ? {} : { site: cw.site }),
    ...(cw.baseUrl === undefined ? {} : { baseUrl: cw.baseUrl }),
    ...(cw.codebase === undefined ? {} : { codebase: cw.codebase }),
    ...(cw.apiVersion === undefined ? {} : { apiVersion: cw.apiVersion }),
    companyId: cw.companyId,
    publicKey: cw.publicKey,
    privateKey,
    // ConnectWise refuses every call without one; an empty header makes the test say so.
    clientId: cw.clientId ?? "",
    ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }),
    ...(ctx.clock === undefined
      ? {}
      : { sleep: (ms: number, signal?: AbortSignal) => ctx.clock!.sleep(ms, signal), now: () => ctx.clock!.now() }),
    ...overrides
  })
}

/** Exact Online's connection options of a link (every `createExactClient` option but the token store). */
export const exactConnectionOf = async (
  ctx: DeploymentContext,
  id: string,
  config: LinkConfig,
  operation: string
): Promise<Omit<ExactClientOptions, "tokens">> => {
  const clientSecret = await linkSecret(ctx, id, "exact.clientSecret", operation)
  if (clientSecret === undefined) throw notSet(operation, "exact.clientSecret")
  const ex = config.exact
  return {
    ...(ex.region === undefined ? {} : { region: ex.region }),
    ...(ex.baseUrl === undefined ? {} : { baseUrl: ex.baseUrl }),
    ...(ex.division === undefined ? {} : { division: ex.division }),
    clientId: ex.clientId,
    clientSecret,
    redirectUri: ex.redirectUri,
    ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }),
    ...(ctx.clock === undefined ? {} : { clock: ctx.clock })
  }
}
