import { memoryStorage } from "@psa-ledger/storage-adapters"
import { describe, expect, expectTypeOf, it } from "vitest"
import { type LinkConfigInput, openDeployment } from "../src/index.ts"
import { newKey, openSandbox, origin } from "./support.ts"

// The sandbox does not know the deployment: its link configuration is a plain object typed on its
// own. These tests hold the two together, by type (checked by `tsc`) and by decoding.
describe("the sandbox's link configuration", () => {
  it("is a LinkConfigInput, with or without overrides", () => {
    const { sandbox } = openSandbox()
    expectTypeOf(sandbox.linkConfig(origin)).toExtend<LinkConfigInput>()
    expectTypeOf(
      sandbox.linkConfig(origin, { name: "Acme", settings: { compare: "both" as const } })
    ).toExtend<LinkConfigInput>()
  })

  it("is accepted by links.create as it is, and its consent connects the link", async () => {
    const box = openSandbox()
    const deployment = await openDeployment({
      storage: memoryStorage(),
      secretKey: newKey(),
      clock: box.clock,
      fetch: box.fetch
    })
    try {
      const config: LinkConfigInput = box.sandbox.linkConfig(origin, { name: "Acme" })
      const view = await deployment.links.create("acme", config, { actor: "ann" })
      expect(view.config.settings).toMatchObject({ compare: "unitCost", transfer: { journal: "70" } })
      expect(view.config.source).toEqual({ kind: "sales", unitCost: "line" })
      const start = await deployment.exact.connect("acme", { returnTo: "/" })
      const { code, state } = await box.sandbox.grantConsent(start.url)
      await deployment.exact.complete({ code, state, nonce: start.nonce })
      expect((await deployment.links.test("acme")).exact.ok).toBe(true)
    } finally {
      await deployment.close()
    }
  })
})
