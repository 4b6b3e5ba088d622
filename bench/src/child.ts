/**
 * Runs one case in this process and prints its result as one JSON line: each run gets a fresh
 * process, so its peak RSS is its own. Usage: `node child.ts <case> '<params as JSON>'`.
 */
import type { CaseResult } from "./measure.ts"

const cases: Record<string, () => Promise<{ run: (params: never) => Promise<CaseResult> }>> = {
  loadMonth: () => import("./cases/loadMonth.ts"),
  core: () => import("./cases/core.ts"),
  rateLimit: () => import("./cases/rateLimit.ts"),
  transfer: () => import("./cases/transfer.ts"),
  peer: () => import("./cases/peer.ts"),
  sandboxScale: () => import("./cases/sandboxScale.ts"),
  runLog: () => import("./cases/runLog.ts"),
  server: () => import("./cases/server.ts")
}

const [name, params = "{}"] = process.argv.slice(2)
const load = name === undefined ? undefined : cases[name]
if (load === undefined) throw new Error(`unknown case ${JSON.stringify(name)}; known: ${Object.keys(cases).join(", ")}`)
const result = await (await load()).run(JSON.parse(params) as never)
process.stdout.write(`${JSON.stringify(result)}\n`)
