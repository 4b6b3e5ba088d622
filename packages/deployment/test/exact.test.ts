import { createExactSimulation } from "@psa-ledger/sandbox"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { describe, expect, it } from "vitest"
import { DeploymentError, openDeployment } from "../src/index.ts"
import { newKey, openSandbox, origin } from "./support.ts"

const rejection = async (promise: Promise<unknown>): Promise<DeploymentError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(DeploymentError)
  return error as DeploymentError
}

const setup = async () => {
  const box = openSandbox()
  const storage = memoryStorage()
  const deployment = await openDeployment({ storage, secretKey: newKey(), clock: box.clock, fetch: box.fetch })
  await deployment.links.create("acme-eu", box.config(), { actor: "ann" })
  return { box, storage, deployment }
}

describe("Exact Online connect (OAuth) against the sandbox", () => {
  it("authorize → consent page → callback → tokens stored → links.test ok", async () => {
    const { box, storage, deployment } = await setup()
    const before = await deployment.links.test("acme-eu")
    expect(before.exact).toMatchObject({ ok: false, reason: "NotConnected" })
    expect(before.connectwise.ok).toBe(true)
    const start = await deployment.exact.connect("acme-eu", { returnTo: "/links/acme-eu" })
    const url = new URL(start.url)
    expect(url.searchParams.get("state")).toBe(start.state)
    expect(url.searchParams.get("redirect_uri")).toBe(box.credentials.exact.redirectUri)
    expect(start.expiresAt).toBe("2026-04-02T08:10:00.000Z")
    const callback = await box.consent(start.url)
    expect(callback.state).toBe(start.state)
    const connected = await deployment.exact.complete({ ...callback, nonce: start.nonce, actor: "ann" })
    expect(connected).toEqual({
      linkId: "acme-eu",
      returnTo: "/links/acme-eu",
      division: box.credentials.exact.division
    })
    expect(await storage.tokens("acme-eu").load()).toBeDefined()
    const after = await deployment.links.test("acme-eu")
    expect(after).toMatchObject({ ok: true, connectwise: { ok: true }, exact: { ok: true } })
    expect((await deployment.exact.divisions("acme-eu")).map((d) => d.code)).toEqual([box.credentials.exact.division])
    expect((await deployment.links.audit("acme-eu"))[0]).toMatchObject({
      action: "exact.connect",
      fields: ["exact.tokens"]
    })
    // A month later the idle chain is refreshed by the keep-alive job and lives on.
    box.clock.advance(25 * 86_400_000)
    expect((await deployment.runJob("acme-eu", "exact.keepAlive")) as { refreshed: boolean }).toMatchObject({
      refreshed: true
    })
    box.clock.advance(25 * 86_400_000)
    expect((await deployment.links.test("acme-eu")).exact.ok).toBe(true)
  })

  it("refuses a wrong, expired or replayed state and a replayed code, storing nothing", async () => {
    const { box, storage, deployment } = await setup()
    const start = await deployment.exact.connect("acme-eu", { returnTo: "/" })
    const callback = await box.consent(start.url)
    const wrong = await rejection(deployment.exact.complete({ code: callback.code, state: `${callback.state}x` }))
    expect(wrong.reason).toMatchObject({ _tag: "OAuthRefused", why: "UnknownState" })
    const otherSession = await deployment.exact.connect("acme-eu", { returnTo: "/" })
    const otherCallback = await box.consent(otherSession.url)
    const mismatch = await rejection(deployment.exact.complete({ ...otherCallback, nonce: start.nonce }))
    expect(mismatch.reason).toMatchObject({ _tag: "OAuthRefused", why: "UnknownState" })
    expect(await storage.tokens("acme-eu").load()).toBeUndefined()

    const late = await deployment.exact.connect("acme-eu", { returnTo: "/" })
    const lateCallback = await box.consent(late.url)
    box.clock.advance(10 * 60_000 + 1)
    const expired = await rejection(deployment.exact.complete(lateCallback))
    expect(expired.reason).toMatchObject({ _tag: "OAuthRefused", why: "ExpiredState", linkId: "acme-eu" })
    expect(await storage.tokens("acme-eu").load()).toBeUndefined()

    await deployment.exact.complete(callback).catch(() => undefined) // the first state is stale too now
    const fresh = await deployment.exact.connect("acme-eu", { returnTo: "/" })
    const freshCallback = await box.consent(fresh.url)
    await deployment.exact.complete(freshCallback)
    const replayed = await rejection(deployment.exact.complete(freshCallback))
    expect(replayed.reason).toMatchObject({ _tag: "OAuthRefused", why: "ReplayedState" })
    // The same code under a new state: Exact refuses a code used once.
    const again = await deployment.exact.connect("acme-eu", { returnTo: "/" })
    const replayedCode = await rejection(deployment.exact.complete({ code: freshCallback.code, state: again.state }))
    expect(replayedCode.reason).toMatchObject({ _tag: "OAuthRefused", why: "CodeRefused" })
    expect(replayedCode.message).not.toContain(freshCallback.code)
  })

  it("refuses a consent given for another division than the link's, storing nothing", async () => {
    const box = openSandbox()
    const exact = createExactSimulation({
      clock: box.clock,
      apps: [
        { clientId: "app-1", clientSecret: "app-1-Secret-value", redirectUri: "https://ledger.msp.example/oauth/exact" }
      ],
      divisions: [
        { code: 1001, description: "Main BV" },
        { code: 2002, description: "Second BV" }
      ]
    })
    const fetch = (request: Request) =>
      new URL(request.url).origin === "https://exact.test" ? exact.handle(request) : box.fetch(request)
    const storage = memoryStorage()
    const deployment = await openDeployment({ storage, secretKey: newKey(), clock: box.clock, fetch })
    const base = box.config()
    await deployment.links.create("acme-eu", {
      ...base,
      exact: {
        baseUrl: "https://exact.test",
        clientId: "app-1",
        clientSecret: "app-1-Secret-value",
        redirectUri: "https://ledger.msp.example/oauth/exact",
        division: 2002
      }
    })
    const start = await deployment.exact.connect("acme-eu", { returnTo: "/" })
    const page = new URL(start.url)
    const granted = await exact.handle(
      new Request(`${page.origin}${page.pathname}`, {
        method: "POST",
        body: new URLSearchParams({ ...Object.fromEntries(page.searchParams), division: "1001" })
      })
    )
    const location = new URL(granted.headers.get("location") ?? "")
    const other = await rejection(
      deployment.exact.complete({
        code: location.searchParams.get("code") ?? "",
        state: location.searchParams.get("state") ?? ""
      })
    )
    expect(other.reason).toMatchObject({ _tag: "OAuthRefused", why: "OtherDivision", linkId: "acme-eu" })
    expect(other.message).toContain("2002")
    expect(await storage.tokens("acme-eu").load()).toBeUndefined()
    void origin
  })
})
