// Writes openapi.json from the route Schemas; `npm test` fails when the committed file differs.
import { writeFileSync } from "node:fs"
import { openApi } from "../src/index.ts"

writeFileSync(new URL("../openapi.json", import.meta.url), `${JSON.stringify(openApi(), null, 2)}\n`)
