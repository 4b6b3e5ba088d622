import { memoryStorage } from "../src/index.ts"
import { conformance } from "./conformance.ts"

conformance({
  durable: false,
  name: "memory",
  open: async () => ({ storage: memoryStorage(), dispose: async () => undefined })
})
