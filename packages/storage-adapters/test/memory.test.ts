import { memoryStorage } from "../src/index.ts"
import { suite } from "../src/testing/index.ts"

suite("memory", () => memoryStorage())
