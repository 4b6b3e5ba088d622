/**
 * What a host does once to put a link on the sandbox: the configuration an administrator would
 * enter (the sandbox's credentials and the settings its world needs), and the user's "grant" on the
 * simulated Exact Online consent page. Plain objects: the sandbox knows nothing of the deployment.
 */
import type { World } from "../world/World.ts"
import type { SandboxCredentials, SandboxUrls } from "./Sandbox.ts"

/**
 * The settings an administrator sets once for the sandbox's MSP: compare on unit cost, propose
 * cancellations, and for the transfer the sales journal, the Exact VAT code of each ConnectWise tax
 * code and the payment condition of each billing term (both from the world's answer key).
 *
 * @since 0.1.0
 */
export interface SandboxLinkSettings {
  readonly compare: "unitCost"
  readonly proposeCancellations: boolean
  readonly transfer: {
    readonly journal: string
    /** ConnectWise tax-code identifier → Exact VAT code. */
    readonly vatCodes: Readonly<Record<string, string>>
    /** ConnectWise billing-terms id → Exact payment condition. */
    readonly paymentConditions: Readonly<Record<string, string>>
  }
}

/**
 * A link configuration that reaches a sandbox, with its (demo) secrets: the shape a deployment's
 * `links.create` accepts, typed structurally. Made by `sandbox.linkConfig`; the Exact consent that
 * follows is answered by `sandbox.grantConsent`.
 *
 * @example
 * ```ts
 * import { createSandbox, createWorld, virtualClock } from "@psa-ledger/sandbox"
 *
 * const sandbox = createSandbox({ world: createWorld({ seed: 7, customers: 12, months: 2 }), clock: virtualClock() })
 * // What an administrator enters: hand it to a deployment's `links.create`.
 * const config = sandbox.linkConfig("http://sandbox.test", { name: "Acme" })
 * // The consent URL a deployment's `exact.connect` returns, answered "grant" by the user:
 * const authorize = new URL(`${config.exact.baseUrl}/api/oauth2/auth`)
 * authorize.search = new URLSearchParams({
 *   client_id: config.exact.clientId,
 *   redirect_uri: config.exact.redirectUri,
 *   response_type: "code",
 *   state: "s1"
 * }).toString()
 * const { code, state } = await sandbox.grantConsent(authorize)
 * // `code` and `state` go to the deployment's `exact.complete`.
 * ```
 *
 * @since 0.1.0
 */
export interface SandboxLinkConfig {
  readonly name: string
  readonly connectwise: {
    readonly baseUrl: string
    readonly companyId: string
    readonly publicKey: string
    readonly privateKey: string
    readonly clientId: string
  }
  readonly exact: {
    readonly baseUrl: string
    readonly clientId: string
    readonly clientSecret: string
    readonly redirectUri: string
    readonly division: number
  }
  readonly settings: SandboxLinkSettings
  /** The month's invoice is its sales invoices, with the unit cost read from each line. */
  readonly source: { readonly kind: "sales"; readonly unitCost: "line" }
}

/**
 * {@link SandboxLinkConfig} with the fields of `O` put in place of its own (a shallow merge).
 *
 * @since 0.1.0
 */
export type SandboxLinkConfigWith<O extends object> = Omit<SandboxLinkConfig, keyof O> & O

/**
 * The answer of the sandbox's consent page after "grant": the redirect to the app's registered
 * redirect URI, and the code and state on it.
 *
 * @since 0.1.0
 */
export interface SandboxConsent {
  readonly redirect: URL
  readonly code: string
  readonly state: string
}

/** The name a sandbox link has unless told otherwise. */
const defaultName = "Sandbox MSP"

/** The sales journal of the sandbox's Exact division. */
const salesJournal = "70"

export const linkConfig = <O extends object>(
  world: World,
  credentials: SandboxCredentials,
  urls: SandboxUrls,
  overrides: O | undefined
): SandboxLinkConfigWith<O> => {
  const { connectwise, exact } = credentials
  const identifiers = new Map(world.connectwise.taxCodes.map((code) => [code.id, code.identifier]))
  const vatCodes: Record<string, string> = {}
  for (const link of world.truth.links.taxCodes) {
    const identifier = identifiers.get(link.taxCodeId)
    if (identifier !== undefined) vatCodes[identifier] = link.vatCode
  }
  const paymentConditions = Object.fromEntries(
    world.truth.links.billingTerms.map((link) => [String(link.billingTermsId), link.paymentCondition])
  )
  const config: SandboxLinkConfig = {
    name: defaultName,
    connectwise: {
      baseUrl: urls.connectwise,
      companyId: connectwise.companyId,
      publicKey: connectwise.publicKey,
      privateKey: connectwise.privateKey,
      clientId: connectwise.clientId
    },
    exact: {
      baseUrl: urls.exact,
      clientId: exact.clientId,
      clientSecret: exact.clientSecret,
      redirectUri: exact.redirectUri,
      division: exact.division
    },
    settings: {
      compare: "unitCost",
      proposeCancellations: true,
      transfer: { journal: salesJournal, vatCodes, paymentConditions }
    },
    source: { kind: "sales", unitCost: "line" }
  }
  // A shallow merge is what `SandboxLinkConfigWith` says; TypeScript cannot follow `Omit` over a type parameter.
  return { ...config, ...overrides } as unknown as SandboxLinkConfigWith<O>
}

/** Where the Exact consent page is under a sandbox mount. */
const consentPath = "/exact/api/oauth2/auth"

export const grantConsent = async (
  handle: (request: Request, basePath?: string) => Promise<Response>,
  authorizeUrl: string | URL,
  division: number
): Promise<SandboxConsent> => {
  const authorize = new URL(authorizeUrl)
  const at = authorize.pathname.lastIndexOf(consentPath)
  if (at < 0 || at + consentPath.length !== authorize.pathname.length) {
    throw new Error(`not the sandbox's Exact consent page: ${authorize.origin}${authorize.pathname}`)
  }
  const basePath = authorize.pathname.slice(0, at)
  // As the user does: the page is shown, then its form is sent with the chosen division.
  const page = await handle(new Request(authorize), basePath)
  if (page.status !== 200) throw new Error(`the sandbox's consent page answered ${page.status}: ${await page.text()}`)
  const granted = await handle(
    new Request(`${authorize.origin}${authorize.pathname}`, {
      method: "POST",
      body: new URLSearchParams({
        ...Object.fromEntries(authorize.searchParams),
        division: String(division),
        consent: "grant"
      })
    }),
    basePath
  )
  const location = granted.headers.get("location")
  if (granted.status !== 302 || location === null) {
    throw new Error(`the sandbox refused the Exact consent (${granted.status}): ${await granted.text()}`)
  }
  const redirect = new URL(location)
  return { redirect, code: redirect.searchParams.get("code") ?? "", state: redirect.searchParams.get("state") ?? "" }
}
