import { makeMemoryPlanJournal, makeMemoryRunLeases, makeMemoryRunStore } from "@psa-ledger/reconcile-core"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { DateTime, Effect } from "effect"
import { afterEach, describe, expect, it, vi } from "vitest"
import { type CreateLinkOptions, createLink, LinkError, makeRunner } from "../src/index.ts"
import { claimOperation, startHeartbeat } from "../src/internal/claims.ts"

const options = (leaseMs: number | undefined) =>
  ({
    id: "msp-1",
    storage: memoryStorage(),
    exact: { clientId: "c", clientSecret: "s", redirectUri: "https://app.example/cb", division: 1 },
    connectwise: {},
    settings: {},
    leaseMs
  }) as unknown as CreateLinkOptions

const thrownBy = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  return undefined
}

const ms = (from: DateTime.DateTime, to: DateTime.DateTime) => DateTime.toEpochMillis(to) - DateTime.toEpochMillis(from)

afterEach(() => {
  vi.useRealTimers()
})

describe("the lease length (leaseMs)", () => {
  it("is accepted from 1 s to a day, and InvalidInput naming the field outside", () => {
    for (const leaseMs of [999, 0, -1_000, 86_400_001, 1_500.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const thrown = thrownBy(() => createLink(options(leaseMs)))
      expect(thrown, String(leaseMs)).toBeInstanceOf(LinkError)
      expect((thrown as LinkError).reason).toMatchObject({
        _tag: "InvalidInput",
        record: "CreateLinkOptions",
        field: "leaseMs"
      })
    }
    for (const leaseMs of [undefined, 1_000, 60_000, 86_400_000]) {
      expect(createLink(options(leaseMs)).id).toBe("msp-1")
    }
  })

  it("is the length of a run's lease of its link", async () => {
    const leases = makeMemoryRunLeases()
    const taken: Array<number> = []
    const recording: typeof leases = {
      ...leases,
      acquire: (linkId, claim) => {
        taken.push(ms(claim.at, claim.until))
        return leases.acquire(linkId, claim)
      }
    }
    for (const leaseMs of [1_000, undefined]) {
      const runner = makeRunner({ store: makeMemoryRunStore(), leases: recording, leaseMs })
      expect((await runner.run({ linkId: "link-1", job: "transfer.run" }, async () => "ok")).status).toBe("succeeded")
    }
    expect(taken).toEqual([1_000, 60_000])
  })

  it("is the length of a journal claim, and the heartbeat renews it every quarter lease", async () => {
    const journal = makeMemoryPlanJournal()
    const begun: Array<number> = []
    const renewed: Array<number> = []
    const recording: typeof journal = {
      ...journal,
      begin: (linkId, opKey, claim) => {
        if (claim.leaseUntil !== undefined) begun.push(ms(claim.at, claim.leaseUntil))
        return journal.begin(linkId, opKey, claim)
      },
      renew: (linkId, runId, lease) => {
        renewed.push(ms(lease.at, lease.leaseUntil))
        return journal.renew(linkId, runId, lease)
      }
    }
    const deps = { journal: recording, linkId: "link-1", runId: "run-1", now: Date.now, leaseMs: 2_000 }
    expect((await claimOperation(deps, "op-1"))._tag).toBe("Mine")
    expect((await claimOperation({ ...deps, runId: "run-2", leaseMs: undefined }, "op-2"))._tag).toBe("Mine")
    expect(begun).toEqual([2_000, 60_000])

    vi.useFakeTimers()
    const stop = startHeartbeat(deps)
    vi.advanceTimersByTime(499)
    expect(renewed).toEqual([])
    vi.advanceTimersByTime(1)
    expect(renewed).toEqual([2_000])
    stop()
    vi.advanceTimersByTime(5_000)
    expect(renewed).toEqual([2_000])
    await Effect.runPromise(Effect.void)
  })
})
