import { randomBytes } from "node:crypto"
import { LinkStore, MappingStore } from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"
import { deploymentSuite } from "./DeploymentSuite.ts"
import { errorBudgetSuite } from "./ErrorBudgetSuite.ts"
import { exclusionSuite } from "./ExclusionSuite.ts"
import { at, mapping, run } from "./fixtures.ts"
import { linkScopeSuite } from "./LinkScopeSuite.ts"
import { linkStoreSuite } from "./LinkStoreSuite.ts"
import { mappingSuite } from "./MappingSuite.ts"
import { planJournalSuite } from "./PlanJournalSuite.ts"
import { runLeasesSuite } from "./RunLeasesSuite.ts"
import { runPlansSuite } from "./RunPlansSuite.ts"
import { runSuite } from "./RunSuite.ts"
import { serverSuite } from "./ServerSuite.ts"
import { sharedSuite } from "./SharedSuite.ts"
import { tokenStoreSuite } from "./TokenStoreSuite.ts"
import { transferLedgerSuite } from "./TransferLedgerSuite.ts"

/**
 * A storage opened for one test, with what to do after it (remove a temp file, drop a schema).
 *
 * @since 0.1.0
 */
export interface OpenedStorage {
  readonly storage: Storage
  /** Runs after each test instead of `storage.close()`; close the storage in it. */
  readonly dispose: () => Promise<void>
}

/**
 * Opens a fresh, empty storage for one test: a `Storage` (closed after the test) or an `OpenedStorage`.
 * Durable adapters need an `encryptionKey`, since the suite stores tokens.
 *
 * @since 0.1.0
 */
export type OpenStorage = () => Storage | OpenedStorage | Promise<Storage | OpenedStorage>

const opened = async (open: OpenStorage): Promise<OpenedStorage> => {
  const result = await open()
  if ("dispose" in result) return result
  return { storage: result, dispose: () => result.close() }
}

/**
 * The storage contract, written once and run against every adapter: the same calls must give the
 * same answers and the same refusals, whichever database is behind them. Call it from a test file.
 *
 * @example
 * ```ts
 * import { memoryStorage } from "@psa-ledger/storage-adapters"
 * import { suite } from "@psa-ledger/storage-adapters/testing"
 *
 * suite("memory", () => memoryStorage())
 * ```
 *
 * @since 0.1.0
 */
export const suite = (name: string, open: OpenStorage): void => {
  describe(`${name} storage conformance`, () => {
    let storage: Storage
    let dispose: () => Promise<void>
    beforeEach(async () => {
      ;({ storage, dispose } = await opened(open))
    })
    afterEach(async () => {
      await dispose()
    })

    mappingSuite(() => storage)
    runSuite(() => storage)
    planJournalSuite(() => storage)
    transferLedgerSuite(() => storage)
    linkStoreSuite(() => storage)
    runLeasesSuite(() => storage)
    runPlansSuite(() => storage)
    errorBudgetSuite(() => storage)
    linkScopeSuite(() => storage)
    tokenStoreSuite(() => storage)

    deploymentSuite(
      () => storage,
      () => randomBytes(32).toString("base64")
    )

    serverSuite(() => storage)

    sharedSuite(() => storage)

    exclusionSuite(() => storage)

    it("provides every port through its layer", async () => {
      const program = Effect.gen(function* () {
        const mappings = yield* MappingStore
        const links = yield* LinkStore
        yield* mappings.upsert("a", [mapping("c1", 1)])
        yield* links.put({ id: "a", name: "Acme", settings: {}, updatedAt: at })
        return [(yield* mappings.list("a")).length, (yield* links.list()).length]
      })
      expect(await run(program.pipe(Effect.provide(storage.layer)))).toEqual([1, 1])
      expect((await run(storage.mappings.list("a"))).length).toBe(1)
    })
  })
}
