import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { afterEach, describe, expect, it } from "vitest"
import * as sandbox from "../src/index.ts"

// Runs every `@example` of the sources, each as its own module. A prelude gives them the names they
// assume (the package's exports, `setupServer`, the `headers` of a ConnectWise call); their own
// imports of the package and of msw are dropped in favour of it. Every msw server an example starts
// is closed after it, and the server example asks for a free port instead of 4010.
const srcDir = new URL("../src/", import.meta.url)
const examples = readdirSync(srcDir, { recursive: true, encoding: "utf8" })
  .filter((name) => name.endsWith(".ts"))
  .sort()
  .flatMap((name) =>
    [...readFileSync(new URL(name, srcDir), "utf8").matchAll(/@example\n \* ```ts\n([\s\S]*?) \* ```/g)].map(
      (m, i) => [`${name}#${i + 1}`, m[1]!.replace(/^ \* ?/gm, "")] as const
    )
  )

// The lockstep examples need a second process (a parent with IPC, a worker.js); test/lockstep.test.ts
// runs the same calls between real processes.
const needsTwoProcesses = new Set(["lockstep.ts#1", "lockstep.ts#2"])

const runtimeNames = Object.keys(sandbox).join(", ")
const prelude = `
import { ${runtimeNames} } from "../src/index.ts"
import type { FaultRule } from "../src/index.ts"
import { setupServer as mswSetupServer } from "msw/node"
const setupServer = (...handlers: Parameters<typeof mswSetupServer>) => {
  const server = mswSetupServer(...handlers)
  ;(globalThis as { jsdocServers?: Array<{ close(): void }> }).jsdocServers?.push(server)
  return server
}
const headers = {
  authorization: "Basic " + Buffer.from("acme+pub:priv").toString("base64"),
  clientid: "cid",
  accept: "application/json"
}
void [${runtimeNames}, setupServer, headers]
`
const strip = (example: string) =>
  example.replace(/^import [^\n]* from "(@psa-ledger\/sandbox|msw\/node)"\n/gm, "").replace("port: 4010", "port: 0")

// What the examples' comments claim, checked after them.
const claims: Record<string, string> = {
  "clock.ts#2": `if (clock.now() !== Date.UTC(2026, 0, 5, 8) + 600_000) throw new Error("clock.now() is " + clock.now())`,
  "connectwise/Simulation.ts#1": `const body = (await response.json()) as Array<{ identifier?: string }>
if (response.status !== 200 || body[0]?.identifier !== "ACME") throw new Error("answered " + response.status)`,
  "connectwise/seed.ts#1": `if (companyIds.length !== 50) throw new Error(companyIds.length + " companies")`,
  "sandbox/link.ts#1": `if (state !== "s1" || code === "" || config.name !== "Acme" || config.settings.transfer.journal !== "70")
  throw new Error(JSON.stringify({ code, state, name: config.name }))`,
  "sandbox/server.ts#1": `if (!/^http:\\/\\/127\\.0\\.0\\.1:\\d+\\/connectwise\\/v2026_1\\/apis\\/3\\.0$/.test(server.baseUrls.connectwise) || !server.baseUrls.exact.endsWith("/exact"))
  throw new Error(JSON.stringify(server.baseUrls))`,
  "world/Options.ts#1": `if (JSON.stringify(duplicates.map((d) => d.additionIds)) !== "[[5030,5134],[5116,5135]]") throw new Error(JSON.stringify(duplicates))`,
  "world/World.ts#1": `if (latest === undefined || latest.period !== world.meta.latestPeriod) throw new Error("no latest month")`
}

const servers: Array<{ close(): void }> = []
;(globalThis as { jsdocServers?: typeof servers }).jsdocServers = servers
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

describe("JSDoc examples", () => {
  it("are found", () => {
    expect(examples.map(([name]) => name)).toEqual([
      "clock.ts#1",
      "clock.ts#2",
      "connectwise/RawNumber.ts#1",
      "connectwise/Simulation.ts#1",
      "connectwise/msw.ts#1",
      "connectwise/seed.ts#1",
      "connectwise/server.ts#1",
      "exact/ExactSimulation.ts#1",
      "exact/handlers.ts#1",
      "exact/seed.ts#1",
      "exact/server.ts#1",
      "lockstep.ts#1",
      "lockstep.ts#2",
      "sandbox/Faults.ts#1",
      "sandbox/Sandbox.ts#1",
      "sandbox/handlers.ts#1",
      "sandbox/link.ts#1",
      "sandbox/load.ts#1",
      "sandbox/load.ts#2",
      "sandbox/server.ts#1",
      "world/Options.ts#1",
      "world/World.ts#1"
    ])
  })

  it.each(examples.filter(([name]) => !needsTwoProcesses.has(name)))("%s runs", async (name, example) => {
    const file = new URL(`./.jsdoc-${name.replace(/\W/g, "-")}.tmp.ts`, import.meta.url)
    writeFileSync(file, `${prelude}\n${strip(example)}\n${claims[name] ?? ""}\nexport {}\n`)
    try {
      await import(file.href)
    } finally {
      rmSync(file, { force: true })
    }
  })
})
