import { join } from "node:path"
import { sqliteStorage } from "../src/index.ts"
import { conformance } from "./conformance.ts"
import { newKey, tempDir } from "./support.ts"

conformance({
  durable: true,
  name: "sqlite (temp file)",
  open: async () => {
    const temp = tempDir()
    const storage = await sqliteStorage({ filename: join(temp.dir, "ledger.db"), encryptionKey: newKey() })
    return {
      storage,
      dispose: async () => {
        await storage.close()
        temp.remove()
      }
    }
  }
})
