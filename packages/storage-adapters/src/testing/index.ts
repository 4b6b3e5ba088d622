/**
 * The storage contract as a vitest suite, so that any adapter (ours or a third party's) proves it
 * gives the same answers and refusals as memory, SQLite and PostgreSQL. Needs `vitest`.
 *
 * @example
 * ```ts
 * import { suite } from "@psa-ledger/storage-adapters/testing"
 *
 * suite("my adapter", () => openMyStorage({ encryptionKey: testKey }))
 * ```
 *
 * @packageDocumentation
 */

export { type OpenedStorage, type OpenStorage, suite } from "./StorageSuite.ts"
