import type { Mailer, MailMessage } from "@psa-ledger/link"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { describe, expect, it } from "vitest"
import { openDeployment } from "../src/index.ts"
import { newKey, openSandbox } from "./support.ts"

const connected = async (mailer?: Mailer) => {
  const box = openSandbox()
  const deployment = await openDeployment({
    storage: memoryStorage(),
    secretKey: newKey(),
    clock: box.clock,
    fetch: box.fetch,
    ...(mailer === undefined ? {} : { mailer })
  })
  await deployment.links.create("acme-eu", box.config())
  const start = await deployment.exact.connect("acme-eu", { returnTo: "/" })
  await deployment.exact.complete(await box.consent(start.url))
  return { box, deployment }
}

describe("look-ups for the settings form", () => {
  it("reads each list once and serves it from the cache for a minute", async () => {
    const { box, deployment } = await connected()
    const cwBefore = box.sandbox.connectwise.requests.log.length
    const exactBefore = box.sandbox.exact.requestCount()
    const first = await deployment.lookups("acme-eu")
    expect(first.connectwise.agreementTypes.map((t) => t.name)).toContain("Managed Services")
    expect(first.connectwise.billingTerms.length).toBeGreaterThan(0)
    expect(first.connectwise.taxCodes.length).toBeGreaterThan(0)
    // The pulldowns for records made from the grid, inactive entries left out.
    expect(first.connectwise.billingCycles).toContainEqual({ id: 1, code: "M", name: "Monthly" })
    const world = box.world.connectwise
    expect(first.connectwise.productTypes.map((t) => t.id)).toEqual(
      world.productTypes.filter((t) => !t.inactiveFlag).map((t) => t.id)
    )
    expect(first.connectwise.productTypes.map((t) => t.name)).not.toContain("Oud type")
    expect(first.connectwise.subcategories).toContainEqual({ id: 12, name: "Managed Services / Beheerde diensten" })
    expect(first.connectwise.subcategories.map((c) => c.id)).toEqual(
      world.subcategories.filter((c) => !c.inactiveFlag).map((c) => c.id)
    )
    expect(first.exact.divisions.map((d) => d.id)).toEqual([box.credentials.exact.division])
    expect(first.exact.vatCodes.length).toBeGreaterThan(0)
    const cwCalls = box.sandbox.connectwise.requests.log.length - cwBefore
    const exactCalls = box.sandbox.exact.requestCount() - exactBefore
    expect(cwCalls).toBeLessThanOrEqual(7) // six lists (and the codebase, once)
    expect(exactCalls).toBeLessThanOrEqual(7) // five lists, current/Me and at most one refresh
    expect(await deployment.lookups("acme-eu")).toBe(first)
    expect(box.sandbox.connectwise.requests.log.length - cwBefore).toBe(cwCalls)
    box.clock.advance(61_000)
    const again = await deployment.lookups("acme-eu")
    expect(again).not.toBe(first)
    expect(again).toEqual(first)
  })
})

describe("run mails by the link's mail setting", () => {
  it("mails every run when `always`, only failed and partial runs when `problems`", async () => {
    const sent: Array<MailMessage> = []
    const mailer: Mailer = { enabled: true, send: async (message) => void sent.push(message) }
    const { box, deployment } = await connected(mailer)
    const view = (await deployment.links.get("acme-eu"))!
    await deployment.links.update(
      "acme-eu",
      { ...box.config(), mail: { to: ["finance@acme.example"], when: "always" } },
      { expectedVersion: view.version }
    )
    const ok = (await deployment.runJob("acme-eu", "transfer.syncPayments")) as { status: string }
    expect(ok.status).toBe("succeeded")
    expect(sent.map((m) => m.to)).toEqual([["finance@acme.example"]])
    await deployment.links.update(
      "acme-eu",
      { ...box.config(), mail: { to: ["finance@acme.example"], when: "problems" } },
      { expectedVersion: view.version + 1 }
    )
    await deployment.runJob("acme-eu", "transfer.syncPayments")
    expect(sent.length).toBe(1) // a succeeded run is not mailed
    // ConnectWise refuses every call from here on: a transfer fails.
    box.sandbox.connectwise.faults.failNext({ status: 400, count: 1_000 })
    const failed = (await deployment.runJob("acme-eu", "transfer.run")) as { status: string }
    expect(failed.status).not.toBe("succeeded")
    expect(sent.length).toBe(2)
    expect(sent[1]?.subject).toMatch(/failed|partial/)
  })
})
