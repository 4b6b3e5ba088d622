import { describe, it } from "vitest"
import { postgresStorage } from "../src/postgres.ts"
import { suite } from "../src/testing/index.ts"
import { dropSchema, newKey, newSchema, PG_URL, pgStatus, skipPostgres } from "./support.ts"

if (!pgStatus.ok && !skipPostgres) {
  // CI=true: a missing server is a failure, not a skip.
  describe("postgres storage conformance", () => {
    it("reaches the PostgreSQL server", () => {
      throw new Error(pgStatus.reason)
    })
  })
} else if (!skipPostgres) {
  suite("postgres (own schema)", async () => {
    const schema = newSchema()
    const storage = await postgresStorage({
      connectionString: PG_URL,
      schema,
      encryptionKey: newKey(),
      pool: { max: 4 }
    })
    return {
      storage,
      dispose: async () => {
        await storage.close()
        await dropSchema(schema)
      }
    }
  })
}
