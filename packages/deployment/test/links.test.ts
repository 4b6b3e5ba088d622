import { memoryStorage } from "@psa-ledger/storage-adapters"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { DeploymentError, openDeployment } from "../src/index.ts"
import { newKey, openSandbox } from "./support.ts"

const rejection = async (promise: Promise<unknown>): Promise<DeploymentError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(DeploymentError)
  return error as DeploymentError
}

describe("links: configuration kept by the deployment", () => {
  it("creates, reads, lists, updates with a version and removes; secrets are write-only", async () => {
    const box = openSandbox()
    const deployment = await openDeployment({
      storage: memoryStorage(),
      secretKey: newKey(),
      clock: box.clock,
      fetch: box.fetch
    })
    const created = await deployment.links.create("acme-eu", box.config(), { actor: "ann" })
    expect(created.version).toBe(1)
    expect(created.config.name).toBe("Acme EU")
    expect(created.config.connectwise.privateKey).toEqual({ set: true, updatedAt: "2026-04-02T08:00:00.000Z" })
    expect(created.config.exact.clientSecret).toMatchObject({ set: true })
    expect(JSON.stringify(created)).not.toContain(box.credentials.connectwise.privateKey)
    expect(JSON.stringify(created)).not.toContain(box.credentials.exact.clientSecret)

    const { privateKey: _p, ...connectwise } = box.config().connectwise
    const { clientSecret: _c, ...exact } = box.config().exact
    const updated = await deployment.links.update(
      "acme-eu",
      { ...box.config("Acme Europe"), connectwise, exact, mail: { to: ["finance@acme.example"], when: "problems" } },
      { expectedVersion: 1, actor: "bob" }
    )
    expect(updated.version).toBe(2)
    expect(updated.config.connectwise.privateKey).toMatchObject({ set: true }) // kept
    const stale = await rejection(deployment.links.update("acme-eu", box.config(), { expectedVersion: 1 }))
    expect(stale.reason._tag).toBe("VersionConflict")

    expect((await deployment.links.list()).map((l) => [l.id, l.config.name])).toEqual([["acme-eu", "Acme Europe"]])
    const trail = await deployment.links.audit("acme-eu")
    expect(trail.map((e) => [e.action, e.actor])).toEqual([
      ["link.update", "bob"],
      ["link.create", "ann"]
    ])
    expect(trail[0]?.fields).toEqual(["mail", "name"])
    expect(trail[1]?.fields).toContain("connectwise.privateKey")
    expect(JSON.stringify(trail)).not.toContain(box.credentials.connectwise.privateKey)

    const exists = await rejection(deployment.links.create("acme-eu", box.config()))
    expect(exists.reason._tag).toBe("LinkExists")
    expect(await deployment.links.remove("acme-eu")).toBe(true)
    expect(await deployment.links.get("acme-eu")).toBeUndefined()
    expect(await deployment.links.remove("acme-eu")).toBe(false)
  })

  it("refuses a configuration that does not decode, naming the field, and saves nothing", async () => {
    const box = openSandbox()
    const deployment = await openDeployment({ storage: memoryStorage(), secretKey: newKey() })
    const bad = box.config()
    const cases: Array<[unknown, string]> = [
      [{ ...bad, exact: { ...bad.exact, redirectUri: "not a url" } }, "exact.redirectUri"],
      [{ ...bad, connectwise: { ...bad.connectwise, companyId: 42 } }, "connectwise.companyId"],
      [{ ...bad, settings: { autoAcceptAbove: 3 } }, "settings.autoAcceptAbove"],
      [{ ...bad, schedules: [{ job: "transfer.run", cron: "every day", enabled: true }] }, "schedules.0.cron"],
      [{ ...bad, mail: { to: ["nobody"], when: "always" } }, "mail.to.0"],
      [{ ...bad, format: 2 }, "format"]
    ]
    for (const [config, field] of cases) {
      const error = await rejection(deployment.links.create("acme-eu", config))
      expect(error.reason).toMatchObject({ _tag: "InvalidConfig", record: "LinkConfig", field })
      expect(error.message).toContain(field)
    }
    const badId = await rejection(deployment.links.create("Acme EU", box.config()))
    expect(badId.reason).toMatchObject({ _tag: "InvalidConfig", field: "id" })
    expect(await deployment.links.list()).toEqual([])
    expect(await deployment.links.audit("acme-eu")).toEqual([])
  })

  it("opens the link from its stored configuration, caches it, and rebuilds it after an update", async () => {
    const box = openSandbox()
    const deployment = await openDeployment({
      storage: memoryStorage(),
      secretKey: newKey(),
      clock: box.clock,
      fetch: box.fetch
    })
    await deployment.links.create("acme-eu", box.config(), {})
    const first = await deployment.links.open("acme-eu")
    expect(first.id).toBe("acme-eu")
    expect(await deployment.links.open("acme-eu")).toBe(first)
    const view = await deployment.links.get("acme-eu")
    await deployment.links.update(
      "acme-eu",
      { ...box.config(), settings: { proposeCancellations: false } },
      { expectedVersion: view!.version }
    )
    const second = await deployment.links.open("acme-eu")
    expect(second).not.toBe(first)
    expect(second.settings.proposeCancellations).toBe(false)
    expect(first.settings.proposeCancellations).toBe(true) // a run on the old API keeps its configuration
    const tightened = await deployment.links.open("acme-eu", { approval: { autoAcceptAbove: 0.99, autoApprove: [] } })
    expect(tightened.settings.autoAcceptAbove).toBe(0.99)
    expect(tightened.settings.autoApprove).toEqual([])
  })

  it("applies the approval policy's createAccounts to flow B, and a host can only make it stricter", async () => {
    const box = openSandbox()
    const deployment = await openDeployment({ storage: memoryStorage(), secretKey: newKey(), fetch: box.fetch })
    const transfer = { journal: "70", vatCodes: { "1": "2" }, createAccounts: "auto" as const }
    await deployment.links.create("acme-eu", {
      ...box.config(),
      settings: { transfer },
      approval: { createAccounts: "ask" }
    })
    expect((await deployment.links.open("acme-eu")).settings.transfer?.createAccounts).toBe("ask")
    const stricter = await deployment.links.open("acme-eu", { approval: { createAccounts: "never" } })
    expect(stricter.settings.transfer?.createAccounts).toBe("never")
    const looser = await deployment.links.open("acme-eu", { approval: { createAccounts: "auto" } })
    expect(looser.settings.transfer?.createAccounts).toBe("ask")
  })

  it("opens read-only without a secret key and says so; a wrong key is refused", async () => {
    const box = openSandbox()
    const storage = memoryStorage()
    const key = newKey()
    const writer = await openDeployment({ storage, secretKey: key })
    await writer.links.create("acme-eu", box.config())
    const reader = await openDeployment({ storage })
    expect(reader.readOnly).toBe(true)
    expect((await reader.links.list()).length).toBe(1)
    for (const attempt of [
      reader.links.create("other", box.config()),
      reader.links.open("acme-eu"),
      reader.exact.connect("acme-eu", { returnTo: "/" })
    ]) {
      const error = await rejection(attempt)
      expect(error.reason._tag).toBe("ReadOnlyDeployment")
    }
    const malformed = await rejection(openDeployment({ storage, secretKey: "too short" }))
    expect(malformed.reason._tag).toBe("WrongSecretKey")
    expect(malformed.message).not.toContain("too short")
  })

  it("exports configurations without secrets and imports them, refusing an existing id unless replacing", async () => {
    const box = openSandbox()
    const source = await openDeployment({ storage: memoryStorage(), secretKey: newKey() })
    await source.links.create("acme-eu", box.config())
    await source.links.create("beta-nl", box.config("Beta NL"))
    const file = JSON.stringify(await source.links.export())
    expect(file).not.toContain(box.credentials.connectwise.privateKey)
    expect(file).not.toContain(box.credentials.exact.clientSecret)
    const target = await openDeployment({ storage: memoryStorage(), secretKey: newKey() })
    expect(await target.links.import(file)).toEqual(["acme-eu", "beta-nl"])
    const imported = await target.links.get("beta-nl")
    expect(imported?.config.name).toBe("Beta NL")
    expect(imported?.config.connectwise.privateKey).toEqual({ set: false })
    const again = await rejection(target.links.import(file))
    expect(again.reason).toMatchObject({ _tag: "LinkExists", linkId: "acme-eu" })
    expect(await target.links.import(file, { replace: true })).toEqual(["acme-eu", "beta-nl"])
    expect((await target.links.get("acme-eu"))?.version).toBe(2)
    const broken = await rejection(target.links.import({ format: 1, links: [{ id: "x", config: { name: "" } }] }))
    expect(broken.reason).toMatchObject({ _tag: "InvalidConfig", field: "links.0.config.name" })
  })

  it("carries each link's exclusions: an entry's list replaces the link's, a missing one keeps them, a bad one writes nothing", async () => {
    const box = openSandbox()
    const source = await openDeployment({ storage: memoryStorage(), secretKey: newKey() })
    await source.links.create("acme-eu", box.config())
    const acme = await source.links.open("acme-eu")
    await acme.exclusions.remember(
      { kind: "product", key: "item-ship" },
      { reason: "shipping", label: "SHIP Shipping" }
    )
    await acme.exclusions.remember({ kind: "customer", key: "acc-internal" }, { reason: "our own account" })
    const exported = await source.links.export()
    expect(exported.links[0]?.exclusions?.map((x) => [x.kind, x.key, x.reason, x.label])).toEqual([
      ["customer", "acc-internal", "our own account", undefined],
      ["product", "item-ship", "shipping", "SHIP Shipping"]
    ])

    const storage = memoryStorage()
    const target = await openDeployment({ storage, secretKey: newKey() })
    await target.links.import(JSON.stringify(exported))
    // Read from the storage: the imported link cannot open before its secrets are written again.
    const listed = async () =>
      (await Effect.runPromise(storage.exclusions.list("acme-eu"))).map((x) => `${x.kind}:${x.key}:${x.reason}`)
    expect(await listed()).toEqual(["customer:acc-internal:our own account", "product:item-ship:shipping"])

    // The entry's list is the link's list: one left out is forgotten, one changed is replaced.
    const entry = exported.links[0] as (typeof exported.links)[number]
    const fewer = [{ ...entry.exclusions?.[1], reason: "billed by the carrier" }]
    await target.links.import({ format: 1, links: [{ ...entry, exclusions: fewer }] }, { replace: true })
    expect(await listed()).toEqual(["product:item-ship:billed by the carrier"])
    // Without `exclusions` the link keeps its own.
    const { exclusions: _, ...bare } = entry
    await target.links.import({ format: 1, links: [bare] }, { replace: true })
    expect(await listed()).toEqual(["product:item-ship:billed by the carrier"])

    // A bad exclusion anywhere in the file names its place, and nothing of the file is written.
    const versionBefore = (await target.links.get("acme-eu"))?.version
    for (const [exclusions, field] of [
      [[{ ...fewer[0], kind: "agreement" }], "links.1.exclusions.0.kind"],
      [[fewer[0], fewer[0]], "links.1.exclusions.1.key"],
      [[{ ...fewer[0], reason: "" }], "links.1.exclusions.0.reason"],
      ["all", "links.1.exclusions"]
    ] as const) {
      const bad = await rejection(
        target.links.import(
          {
            format: 1,
            links: [
              { ...entry, exclusions: [] },
              { ...entry, id: "beta", exclusions }
            ]
          },
          { replace: true }
        )
      )
      expect(bad.reason).toMatchObject({ _tag: "InvalidConfig", field })
    }
    expect((await target.links.get("acme-eu"))?.version).toBe(versionBefore)
    expect(await listed()).toEqual(["product:item-ship:billed by the carrier"])
    expect(await target.links.get("beta")).toBeUndefined()
  })

  it("lists every enabled schedule with its time zone and tells listeners to re-read", async () => {
    const box = openSandbox()
    const deployment = await openDeployment({ storage: memoryStorage(), secretKey: newKey() })
    let changes = 0
    const stop = deployment.onChange(() => changes++)
    await deployment.settings.update(
      { timeZone: "Europe/Amsterdam", publicBaseUrl: "https://ledger.msp.example" },
      { expectedVersion: 0 }
    )
    await deployment.links.create(
      "acme-eu",
      box.config("Acme", {
        schedules: [
          { job: "transfer.run", cron: "0 6 * * 1-5", enabled: true },
          { job: "reconciliation.apply", cron: "0 7 1 * *", enabled: false, timeZone: "UTC" },
          { job: "exact.keepAlive", cron: "0 3 * * *", timeZone: "UTC", enabled: true }
        ]
      })
    )
    expect(await deployment.schedules()).toEqual([
      { linkId: "acme-eu", job: "transfer.run", cron: "0 6 * * 1-5", timeZone: "Europe/Amsterdam" },
      { linkId: "acme-eu", job: "exact.keepAlive", cron: "0 3 * * *", timeZone: "UTC" }
    ])
    await deployment.links.create("beta-nl", box.config("Beta"))
    expect((await deployment.schedules()).filter((s) => s.linkId === "beta-nl").map((s) => s.job)).toEqual([
      "exact.keepAlive"
    ])
    expect(changes).toBe(3)
    stop()
    await deployment.links.remove("beta-nl")
    expect(changes).toBe(3)
  })

  it("keeps the SMTP password sealed in the deployment settings and audits which fields changed", async () => {
    const deployment = await openDeployment({ storage: memoryStorage(), secretKey: newKey() })
    const saved = await deployment.settings.update(
      {
        smtp: {
          host: "smtp.msp.example",
          port: 587,
          user: "ledger",
          password: "smtp-Pa55word",
          from: "ledger@msp.example"
        }
      },
      { expectedVersion: 0, actor: "ann" }
    )
    expect(saved.smtpPassword).toMatchObject({ set: true })
    expect(JSON.stringify(saved)).not.toContain("smtp-Pa55word")
    const invalid = await rejection(
      deployment.settings.update({ smtp: { host: "x", port: 0, from: "a" } }, { expectedVersion: 1 })
    )
    expect(invalid.reason).toMatchObject({ _tag: "InvalidConfig", field: "smtp.port" })
    const trail = await deployment.settings.audit()
    expect(trail[0]?.fields).toContain("smtp.password")
    expect(JSON.stringify(trail)).not.toContain("smtp-Pa55word")
  })
})
