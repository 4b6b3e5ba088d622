import { describe, expect, it } from "vitest"
import { createSandbox, createWorld, virtualClock } from "../../src/index.ts"

const sandbox = createSandbox({ world: createWorld({ seed: 11, customers: 12, months: 2 }), clock: virtualClock() })

/** The consent URL a deployment's `exact.connect` would send the user to, on `exactBase`. */
const consentUrl = (exactBase: string, params: Record<string, string> = {}) => {
  const url = new URL(`${exactBase}/api/oauth2/auth`)
  const { clientId, redirectUri } = sandbox.credentials.exact
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    state: "st-1",
    ...params
  }).toString()
  return url
}

describe("sandbox.linkConfig", () => {
  it("reaches the sandbox with its credentials and the settings of its world", () => {
    const config = sandbox.linkConfig("http://sandbox.test/mounted")
    expect(config.connectwise.baseUrl).toBe(sandbox.urls("http://sandbox.test/mounted").connectwise)
    expect(config.exact).toMatchObject({
      baseUrl: "http://sandbox.test/mounted/exact",
      division: sandbox.credentials.exact.division
    })
    expect(config.connectwise.privateKey).toBe(sandbox.credentials.connectwise.privateKey)
    // Every tax code and billing term of the answer key has its Exact counterpart.
    const { taxCodes, billingTerms } = sandbox.world.truth.links
    expect(Object.keys(config.settings.transfer.vatCodes)).toHaveLength(taxCodes.length)
    expect(Object.values(config.settings.transfer.vatCodes).sort()).toEqual(taxCodes.map((l) => l.vatCode).sort())
    expect(config.settings.transfer.paymentConditions[String(billingTerms[0]?.billingTermsId)]).toBe(
      billingTerms[0]?.paymentCondition
    )
  })

  it("puts overrides in place of its own fields", () => {
    const config = sandbox.linkConfig("http://sandbox.test", {
      name: "Acme",
      settings: { proposeCancellations: false }
    })
    expect(config.name).toBe("Acme")
    expect(config.settings).toEqual({ proposeCancellations: false })
    expect(config.source).toEqual({ kind: "sales", unitCost: "line" })
  })
})

describe("sandbox.grantConsent", () => {
  it("answers the consent page with grant: a code bound to the division, and the state", async () => {
    const { redirect, code, state } = await sandbox.grantConsent(consentUrl("http://sandbox.test/exact"))
    expect(state).toBe("st-1")
    expect(redirect.toString().startsWith(sandbox.credentials.exact.redirectUri)).toBe(true)
    expect(code).not.toBe("")
  })

  it("finds the consent page under the path the sandbox is mounted at", async () => {
    const { state } = await sandbox.grantConsent(consentUrl("http://portal.test/sandbox-world/exact").toString())
    expect(state).toBe("st-1")
  })

  it("rejects naming the status when the page refuses", async () => {
    await expect(
      sandbox.grantConsent(consentUrl("http://sandbox.test/exact", { redirect_uri: "http://elsewhere.test/cb" }))
    ).rejects.toThrow(/consent page answered 400/)
    await expect(sandbox.grantConsent(consentUrl("http://sandbox.test/exact"), { division: 999_999 })).rejects.toThrow(
      /refused the Exact consent \(400\): You have no access/
    )
    await expect(sandbox.grantConsent("http://sandbox.test/exact/api/oauth2/token")).rejects.toThrow(
      /not the sandbox's Exact consent page/
    )
  })
})
