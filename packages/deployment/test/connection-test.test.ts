import { memoryStorage } from "@psa-ledger/storage-adapters"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { openDeployment } from "../src/index.ts"
import { newKey, openSandbox } from "./support.ts"

const connected = async () => {
  const box = openSandbox()
  const storage = memoryStorage()
  const deployment = await openDeployment({ storage, secretKey: newKey(), clock: box.clock, fetch: box.fetch })
  await deployment.links.create("acme-eu", box.config())
  const start = await deployment.exact.connect("acme-eu", { returnTo: "/" })
  await deployment.exact.complete(await box.consent(start.url))
  return { box, storage, deployment }
}

const secretsOf = (box: ReturnType<typeof openSandbox>) => [
  box.credentials.connectwise.privateKey,
  box.credentials.exact.clientSecret
]

describe("links.test against the sandbox: a reason a person can act on", () => {
  it("says which ConnectWise setting is wrong: keys, clientId, permission, codebase", async () => {
    const { box, deployment } = await connected()
    const base = box.config()
    const view = async () => (await deployment.links.get("acme-eu"))!.version
    const cases: Array<[Parameters<typeof box.config>[1], string, string | undefined]> = [
      [{ connectwise: { ...base.connectwise, privateKey: "wrong-private-key" } }, "WrongKeys", undefined],
      [{ connectwise: { ...base.connectwise, clientId: undefined as never } }, "MissingClientId", undefined],
      [{ connectwise: { ...base.connectwise, clientId: "not-a-registered-client" } }, "ClientIdRefused", undefined],
      [
        { connectwise: { ...base.connectwise, baseUrl: base.connectwise.baseUrl!.replace("v2026_1", "v2019_3") } },
        "UnknownCodebase",
        undefined
      ]
    ]
    for (const [extra, reason] of cases) {
      const connectwise = JSON.parse(JSON.stringify({ ...base, ...extra })).connectwise
      await deployment.links.update("acme-eu", { ...base, connectwise }, { expectedVersion: await view() })
      const result = await deployment.links.test("acme-eu")
      expect(result.connectwise).toMatchObject({ ok: false, reason })
      expect(result.ok).toBe(false)
      for (const secret of [...secretsOf(box), "wrong-private-key"])
        expect(JSON.stringify(result)).not.toContain(secret)
    }
    await deployment.links.update("acme-eu", base, { expectedVersion: await view() })
    box.sandbox.connectwise.deniedPermissions.push({
      template: "/finance/agreements",
      permission: "Finance > Agreements: Inquire Level"
    })
    const denied = await deployment.links.test("acme-eu")
    expect(denied.connectwise).toMatchObject({
      ok: false,
      reason: "MissingPermission",
      permission: "Finance > Agreements: Inquire Level"
    })
    box.sandbox.connectwise.deniedPermissions.length = 0
    expect((await deployment.links.test("acme-eu")).ok).toBe(true)
  })

  it("says what is wrong with Exact: not connected, broken chain, expired consent, no division access", async () => {
    const box = openSandbox()
    const storage = memoryStorage()
    const deployment = await openDeployment({ storage, secretKey: newKey(), clock: box.clock, fetch: box.fetch })
    await deployment.links.create("acme-eu", box.config())
    expect((await deployment.links.test("acme-eu")).exact).toMatchObject({ ok: false, reason: "NotConnected" })

    const start = await deployment.exact.connect("acme-eu", { returnTo: "/" })
    await deployment.exact.complete(await box.consent(start.url))
    const chain = storage.tokens("acme-eu")
    const first = (await chain.load())!
    box.clock.advance(11 * 60_000)
    expect((await deployment.links.test("acme-eu")).exact.ok).toBe(true) // refreshed: the chain rotated
    const second = (await chain.load())!
    expect(second.refreshToken).not.toBe(first.refreshToken)
    // Another copy of the chain refreshes with the old token: Exact breaks the chain for good.
    await chain.compareAndSet(second, { ...first, expiresAt: 0 })
    box.clock.advance(11 * 60_000)
    const broken = await deployment.links.test("acme-eu")
    expect(broken.exact).toMatchObject({ ok: false, reason: "ChainBroken" })
    for (const secret of secretsOf(box)) expect(JSON.stringify(broken)).not.toContain(secret)

    const again = await deployment.exact.connect("acme-eu", { returnTo: "/" })
    await deployment.exact.complete(await box.consent(again.url))
    box.clock.advance(31 * 86_400_000)
    expect((await deployment.links.test("acme-eu")).exact).toMatchObject({ ok: false, reason: "ConsentExpired" })

    const fresh = await deployment.exact.connect("acme-eu", { returnTo: "/" })
    await deployment.exact.complete(await box.consent(fresh.url))
    const view = (await deployment.links.get("acme-eu"))!
    const base = box.config()
    await deployment.links.update(
      "acme-eu",
      { ...base, exact: { ...base.exact, division: 999_999 } },
      { expectedVersion: view.version }
    )
    expect((await deployment.links.test("acme-eu")).exact).toMatchObject({ ok: false, reason: "NoDivisionAccess" })
  })
})

describe("links.remove", () => {
  it("forgets the link's Exact Online tokens with its secrets", async () => {
    const { storage, deployment } = await connected()
    expect(await storage.tokens("acme-eu").load()).toBeDefined()
    expect(await deployment.links.remove("acme-eu")).toBe(true)
    expect(await storage.tokens("acme-eu").load()).toBeUndefined()
  })
})

describe("links.remove and exclusions", () => {
  it("removes the link's remembered exclusions and leaves another link's", async () => {
    const { box, storage, deployment } = await connected()
    await deployment.links.create("beta-nl", box.config())
    const acme = await deployment.links.open("acme-eu")
    await acme.exclusions.remember({ kind: "product", key: "item-1" }, { reason: "shipping" })
    await acme.exclusions.remember({ kind: "customer", key: "acc-1" }, { reason: "in-house" })
    const beta = await deployment.links.open("beta-nl")
    await beta.exclusions.remember({ kind: "product", key: "item-1" }, { reason: "shipping" })
    expect((await Effect.runPromise(storage.exclusions.list("acme-eu"))).length).toBe(2)
    expect(await deployment.links.remove("acme-eu")).toBe(true)
    expect(await Effect.runPromise(storage.exclusions.list("acme-eu"))).toEqual([])
    expect((await Effect.runPromise(storage.exclusions.list("beta-nl"))).map((e) => e.key)).toEqual(["item-1"])
  })
})
