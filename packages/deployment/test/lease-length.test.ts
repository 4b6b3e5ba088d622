/** `leaseMs`: every link's run lease and journal claims have the deployment's length. */
import { Jobs } from "@psa-ledger/link"
import { memoryStorage, type Storage } from "@psa-ledger/storage-adapters"
import { DateTime } from "effect"
import { describe, expect, it } from "vitest"
import { DeploymentError, openDeployment } from "../src/index.ts"
import { newKey, openSandbox } from "./support.ts"

const ms = (from: DateTime.DateTime, to: DateTime.DateTime) => DateTime.toEpochMillis(to) - DateTime.toEpochMillis(from)

describe("DeploymentOptions.leaseMs", () => {
  it("refuses a lease outside 1 s to a day with InvalidConfig naming the field", async () => {
    for (const leaseMs of [999, 86_400_001, 2_000.5]) {
      const refused = await openDeployment({ storage: memoryStorage(), secretKey: newKey(), leaseMs }).catch(
        (error: unknown) => error
      )
      expect(refused).toBeInstanceOf(DeploymentError)
      expect((refused as DeploymentError).reason).toMatchObject({
        _tag: "InvalidConfig",
        record: "DeploymentOptions",
        field: "leaseMs"
      })
    }
  })

  it("is the length of the run leases and journal claims of the links it opens", async () => {
    const box = openSandbox()
    const base = memoryStorage()
    const runLeases: Array<number> = []
    const claims: Array<number> = []
    const storage: Storage = {
      ...base,
      leases: {
        ...base.leases,
        acquire: (linkId, claim) => {
          runLeases.push(ms(claim.at, claim.until))
          return base.leases.acquire(linkId, claim)
        }
      },
      journal: {
        ...base.journal,
        begin: (linkId, opKey, claim) => {
          if (claim.leaseUntil !== undefined) claims.push(ms(claim.at, claim.leaseUntil))
          return base.journal.begin(linkId, opKey, claim)
        }
      }
    }
    const deployment = await openDeployment({
      storage,
      secretKey: newKey(),
      clock: box.clock,
      fetch: box.fetch,
      leaseMs: 1_500
    })
    await deployment.links.create("acme-eu", box.config())
    const start = await deployment.exact.connect("acme-eu", { returnTo: "/" })
    await deployment.exact.complete(await box.consent(start.url))
    const result = (await deployment.runJob("acme-eu", Jobs.apply, { trigger: "schedule" })) as { status: string }
    expect(["succeeded", "partial"]).toContain(result.status)
    expect(runLeases).toEqual([1_500])
    expect(claims.length).toBeGreaterThan(0)
    expect(new Set(claims)).toEqual(new Set([1_500]))
  })
})
