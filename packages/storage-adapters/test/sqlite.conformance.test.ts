import { join } from "node:path"
import { sqliteStorage } from "../src/sqlite.ts"
import { suite } from "../src/testing/index.ts"
import { newKey, tempDir } from "./support.ts"

suite("sqlite (temp file)", async () => {
  const temp = tempDir()
  const storage = await sqliteStorage({ filename: join(temp.dir, "ledger.db"), encryptionKey: newKey() })
  return {
    storage,
    dispose: async () => {
      await storage.close()
      temp.remove()
    }
  }
})
