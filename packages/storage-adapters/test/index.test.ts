import { describe, expect, it } from "vitest"
import * as entry from "../src/index.ts"
import * as postgres from "../src/postgres.ts"
import * as sqlite from "../src/sqlite.ts"
import * as testing from "../src/testing/index.ts"

describe("@psa-ledger/storage-adapters entry", () => {
  it("names the package it belongs to", async () => {
    const manifest = await import("../package.json", { with: { type: "json" } })
    expect(entry.packageName).toBe(manifest.default.name)
  })

  // A change to the public API should be a deliberate diff of this list.
  it("exports exactly the public runtime names of each subpath", () => {
    expect(Object.keys(entry).sort()).toEqual([
      "INVOICE_FILE_MAX_BYTES",
      "InvoiceFile",
      "InvoiceFileHead",
      "InvoiceFileStore",
      "LoadedMonthHead",
      "LoadedMonthRecord",
      "LoadedMonthStore",
      "ScheduleClaims",
      "ScheduleOccurrence",
      "TokenStoreError",
      "TokenStores",
      "layerMemory",
      "memoryStorage",
      "packageName"
    ])
    expect(Object.keys(sqlite).sort()).toEqual(["layerSqlite", "sqliteStorage"])
    expect(Object.keys(postgres).sort()).toEqual(["layerPostgres", "postgresStorage"])
    expect(Object.keys(testing).sort()).toEqual(["suite"])
  })
})
