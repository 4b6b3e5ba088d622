import { execFileSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { ChangePlan } from "@psa-ledger/reconcile-core"
import { createWorld } from "@psa-ledger/sandbox"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { planChanges, truthChanges } from "./e2e/changes.ts"

// Runs the README's flow A example as written (Node strips its types) against the sandbox, with a
// link of default settings in place of the real one, and checks what its comments claim: rows that
// need a person say so, only the approved kinds are planned, and everything planned is in the
// sandbox's answer key.
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const example = /<!-- flow-a-example -->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? ""
const world = { seed: 5, customers: 20, products: 5, months: 3 } as const
const prologue = `
import { createWorld } from "@psa-ledger/sandbox"
import { LinkSettings } from "@psa-ledger/reconcile-core"
import { ChangePlan as ReadmePlan } from "@psa-ledger/reconcile-core"
import { Schema as ReadmeSchema } from "effect"
import { createLink } from "../src/index.ts"
import { memoryStores, openSandbox, source } from "./e2e/sandbox.ts"
const sandbox = await openSandbox(createWorld(${JSON.stringify(world)}))
const link = createLink({ id: "msp-1", exact: sandbox.exact, connectwise: sandbox.connectwise, storage: memoryStores(),
  settings: new LinkSettings({}), source, now: () => sandbox.clock.now() })
const code = sandbox.server.authorizationCode()
const bar = (_phase: string, _done: number, _total?: number) => {}
`
const epilogue = `
process.stdout.write("README-RESULT " + JSON.stringify({
  summary: summarizeRows(grid.rows),
  waiting: waiting.length,
  pending: waiting.flatMap((row) => row.deviations.flatMap((d) => ("pending" in d ? [d.pending] : []))).length,
  status,
  failed: report?.counts.failed,
  plan: ReadmeSchema.encodeSync(ReadmePlan)(plan.plan)
}) + "\\n")
await sandbox.server.close()
`

describe("README flow A example", () => {
  it("runs the safe path: waiting rows say why, only approved kinds are planned, all of it in the answer key", () => {
    expect(example).toContain("link.reconciliation.plan(")
    const file = new URL("./.readme-example.tmp.ts", import.meta.url)
    writeFileSync(file, prologue + example + epilogue)
    try {
      const out = execFileSync(process.execPath, ["--conditions=@psa-ledger/source", file.pathname], {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024
      })
      const line = out.split("\n").find((l) => l.startsWith("README-RESULT "))
      const result = JSON.parse(line!.slice("README-RESULT ".length))
      expect(result.status).toBe("succeeded")
      expect(result.failed).toBe(0)
      expect(result.waiting).toBeGreaterThan(0)
      expect(result.summary.needsPerson).toBe(result.waiting)
      expect(result.pending).toBeGreaterThan(0)
      const plan = Schema.decodeUnknownSync(ChangePlan)(result.plan)
      const kinds = new Set(plan.operations.map((op) => op._tag))
      for (const kind of kinds) expect(["UpdateAdditionQuantity", "AddAddition", "RememberMapping"]).toContain(kind)
      const planned = planChanges(plan)
      expect(planned.length).toBeGreaterThan(0)
      const truth = truthChanges(createWorld(world))
      for (const op of planned) expect(truth.has(op), op).toBe(true)
    } finally {
      rmSync(file, { force: true })
    }
  })
})
