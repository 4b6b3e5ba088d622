import { ConnectWiseError } from "@psa-ledger/connectwise-client"
import { ExactError } from "@psa-ledger/exact-client"
import { connectWiseClientOf } from "./internal/clients.ts"
import { type DeploymentContext, requireKey } from "./internal/context.ts"
import { linkSecret, loadLink } from "./internal/links.ts"
import { openLink } from "./internal/open.ts"
import type { LinkConfig } from "./LinkConfig.ts"

/**
 * Why a system's connection test failed, in words a person can act on.
 *
 * @since 0.1.0
 */
export type ConnectionProblem =
  | "MissingSecret"
  | "WrongKeys"
  | "MissingClientId"
  | "ClientIdRefused"
  | "MissingPermission"
  | "UnknownCompany"
  | "UnknownCodebase"
  | "Unreachable"
  | "NotConnected"
  | "ConsentExpired"
  | "ChainBroken"
  | "NoDivisionAccess"
  | "Failed"

/**
 * One system's test outcome. `permission` names what the ConnectWise API member lacks (from
 * ConnectWise's answer) for `MissingPermission`. No message ever holds a secret.
 *
 * @since 0.1.0
 */
export type SystemCheck =
  | { readonly ok: true; readonly detail: string }
  | {
      readonly ok: false
      readonly reason: ConnectionProblem
      readonly message: string
      readonly permission?: string | undefined
    }

/**
 * `links.test`'s answer: one check per system.
 *
 * @since 0.1.0
 */
export interface LinkTestResult {
  readonly linkId: string
  readonly ok: boolean
  readonly connectwise: SystemCheck
  readonly exact: SystemCheck
}

const problem = (reason: ConnectionProblem, message: string, permission?: string): SystemCheck => ({
  ok: false,
  reason,
  message,
  ...(permission === undefined ? {} : { permission })
})

/** Removes every known secret from a message, however the upstream spelled it back. */
const scrub = (text: string, secrets: ReadonlyArray<string | undefined>) =>
  secrets.reduce<string>(
    (out, secret) => (secret && secret.length >= 3 ? out.split(secret).join("[redacted]") : out),
    text
  )

// What a link reads in ConnectWise, by the security-role area that grants it.
const probes = [
  ["/company/companies", "Companies > Company Maintenance"],
  ["/finance/agreements", "Finance > Agreements"],
  ["/procurement/catalog", "Procurement > Product Catalog"],
  ["/finance/invoices", "Finance > Invoicing"]
] as const

const testConnectWise = async (ctx: DeploymentContext, id: string, config: LinkConfig): Promise<SystemCheck> => {
  const operation = "links.test"
  const privateKey = await linkSecret(ctx, id, "connectwise.privateKey", operation)
  if (privateKey === undefined) return problem("MissingSecret", "The ConnectWise private key is not set.")
  if (config.connectwise.clientId === undefined) {
    return problem(
      "MissingClientId",
      "No clientId: register the integration at developer.connectwise.com and enter its clientId."
    )
  }
  const client = await connectWiseClientOf(ctx, id, config, operation, { maxRetries: 0 })
  const secrets = [privateKey]
  let area = "the API"
  try {
    await client.resolveBaseUrl()
    for (const [path, label] of probes) {
      area = label
      for await (const _ of client.paginate(path, { pageSize: 1 })) break
    }
    return { ok: true, detail: `ConnectWise answered for company ${config.connectwise.companyId}` }
  } catch (error) {
    if (!(error instanceof ConnectWiseError)) return problem("Unreachable", scrub(String(error), secrets))
    const message = scrub(error.reason.message, secrets)
    switch (error.reason._tag) {
      case "UnauthorizedError":
        return problem("WrongKeys", `ConnectWise refused the company id, public key or private key: ${message}`)
      case "ForbiddenError":
        if (/clientid/i.test(message)) return problem("ClientIdRefused", `ConnectWise refused the clientId: ${message}`)
        return problem(
          "MissingPermission",
          `The API member's security role lacks a permission for ${area}: ${message}`,
          /request: (.+?)\.?$/.exec(message)?.[1] ?? area
        )
      case "NotFoundError":
        return /company/i.test(message) && area === "the API"
          ? problem("UnknownCompany", `ConnectWise knows no company ${config.connectwise.companyId}: ${message}`)
          : problem("UnknownCodebase", `No ConnectWise API at this site and codebase: ${message}`)
      case "TransportError":
      case "TimeoutError":
        return problem("Unreachable", `ConnectWise could not be reached: ${message}`)
      default:
        return problem("Failed", message)
    }
  }
}

const testExact = async (ctx: DeploymentContext, id: string, config: LinkConfig): Promise<SystemCheck> => {
  const operation = "links.test"
  const clientSecret = await linkSecret(ctx, id, "exact.clientSecret", operation)
  if (clientSecret === undefined) return problem("MissingSecret", "The Exact Online client secret is not set.")
  let stored: unknown
  try {
    stored = await ctx.storage.tokens(id).load()
  } catch {
    return problem("ChainBroken", "The stored token chain does not open: connect Exact Online again.")
  }
  if (stored === undefined)
    return problem("NotConnected", "Exact Online is not connected yet: connect it (exact.connect).")
  const link = await openLink(ctx, id)
  const secrets = [clientSecret]
  try {
    const me = await link.exact.me()
    const divisions = await link.exact.divisions()
    const wanted = config.exact.division ?? me.CurrentDivision
    if (!divisions.some((d) => d.Code === wanted)) {
      return problem("NoDivisionAccess", `The consent does not reach division ${wanted}: connect again and choose it.`)
    }
    return { ok: true, detail: `Exact Online answered for division ${wanted}` }
  } catch (error) {
    if (!(error instanceof ExactError)) return problem("Unreachable", scrub(String(error), secrets))
    const message = scrub(error.reason.message, secrets)
    switch (error.reason._tag) {
      case "TokenChainBrokenError":
        return /expired/i.test(message)
          ? problem("ConsentExpired", `The consent expired (idle for 30 days): connect Exact Online again. ${message}`)
          : problem("ChainBroken", `The token chain is broken: connect Exact Online again. ${message}`)
      case "ForbiddenError":
        return error.reason.exactReason === "NoDivisionAccess"
          ? problem("NoDivisionAccess", `No access to the division: ${message}`)
          : problem("Failed", message)
      case "NotFoundError":
        // Exact answers 404 for a division number the license does not have.
        return /division/i.test(message)
          ? problem(
              "NoDivisionAccess",
              `Exact Online has no division ${config.exact.division ?? ""} for this consent: ${message}`
            )
          : problem("Failed", message)
      case "UnauthorizedError":
        return problem("WrongKeys", `Exact Online refused the app's client id or secret: ${message}`)
      case "TransportError":
      case "TimeoutError":
        return problem("Unreachable", `Exact Online could not be reached: ${message}`)
      default:
        return problem("Failed", message)
    }
  }
}

/** Tests both connections of a link, reading as little as possible; never throws for a failed check. */
export const testLink = async (ctx: DeploymentContext, id: string): Promise<LinkTestResult> => {
  requireKey(ctx, "links.test")
  const { config } = await loadLink(ctx, id, "links.test")
  const [connectwise, exact] = await Promise.all([testConnectWise(ctx, id, config), testExact(ctx, id, config)])
  return { linkId: id, ok: connectwise.ok && exact.ok, connectwise, exact }
}
