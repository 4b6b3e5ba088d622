import { describe, expect, it } from "@effect/vitest"
import { parseRetry, retryPolicy } from "../src/pg-boss/index.ts"

describe("retries per job", () => {
  it("overrides the defaults per job and for every job", () => {
    const policy = retryPolicy(Object.fromEntries([parseRetry("*=1:5"), parseRetry("transfer.run=4")]))
    expect(policy("transfer.run")).toMatchObject({ limit: 4, delaySeconds: 5 })
    expect(policy("exact.keepAlive")).toMatchObject({ limit: 1, delaySeconds: 5 })
    expect(retryPolicy()("exact.keepAlive")).toMatchObject({ limit: 5, delaySeconds: 60 })
    expect(() => parseRetry("transfer.run")).toThrow(/JOB=LIMIT/)
  })
})
