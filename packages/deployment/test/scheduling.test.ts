import { memoryStorage } from "@psa-ledger/storage-adapters"
import { describe, expect, it } from "vitest"
import { DeploymentError, openDeployment } from "../src/index.ts"
import { newKey } from "./support.ts"

describe("the scheduling setting", () => {
  it("is in-process until set, is stored with the settings, and refuses anything else naming the field", async () => {
    const deployment = await openDeployment({ storage: memoryStorage(), secretKey: newKey() })
    expect(await deployment.scheduling()).toBe("in-process")
    let notified = 0
    deployment.onChange(() => notified++)
    const saved = await deployment.settings.update(
      { timeZone: "Europe/Amsterdam", scheduling: "workers" },
      {
        expectedVersion: 0
      }
    )
    expect(saved.config.scheduling).toBe("workers")
    expect(await deployment.scheduling()).toBe("workers")
    expect(notified).toBe(1)
    const refused = await deployment.settings
      .update({ scheduling: "cron" }, { expectedVersion: saved.version })
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(DeploymentError)
    expect(String((refused as Error).message)).toMatch(/scheduling/)
    expect(await deployment.scheduling()).toBe("workers")
  })
})
