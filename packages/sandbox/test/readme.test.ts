import { execFileSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

// Runs every README example as written (Node strips the types) in one module: each example in its
// own block scope, their imports merged at the top, and after each a line printing what its
// comments claim. Two changes only: the server example asks for a free port instead of 4010 (other
// tests run beside this one), and the fragments that name `world` get one from the prologue. The
// server example imports both clients: the sandbox cannot declare them (they are tested against it),
// so they resolve through the workspace.
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? "")

/** `import { a, b } from "x"` lines of every example, merged per module so no name is bound twice. */
const mergedImports = (
  sources: ReadonlyArray<string>,
  extra: Record<string, ReadonlyArray<string>>
): { imports: string; bodies: Array<string> } => {
  const names = new Map<string, Set<string>>(Object.entries(extra).map(([from, list]) => [from, new Set(list)]))
  const importLine = /^import \{([^}]*)\} from "([^"]+)"\n?/gm
  const bodies = sources.map((source) =>
    source.replace(importLine, (_, list: string, from: string) => {
      const set = names.get(from) ?? new Set<string>()
      for (const name of list.split(",")) if (name.trim() !== "") set.add(name.trim())
      names.set(from, set)
      return ""
    })
  )
  const imports = [...names].map(([from, set]) => `import { ${[...set].sort().join(", ")} } from "${from}"`)
  return { imports: imports.join("\n"), bodies }
}

const claims = [
  // 1. a sandbox over a world: the simulations hold the world's records
  `console.log("README-1 " + JSON.stringify({
    additions: sandbox.connectwise.store.all("additions").length,
    lines: sandbox.exact.records(sandbox.credentials.exact.division, "SalesInvoiceLines").length,
    worldAdditions: sandbox.world.connectwise.additions.length,
    worldLines: sandbox.world.exact.salesInvoices.reduce((n, invoice) => n + invoice.SalesInvoiceLines.length, 0)
  }))`,
  // 2. both clients against a real server: one companies call per 1,000 companies
  `console.log("README-2 " + JSON.stringify({
    companyCalls: server.connectwise.requests.count("GET", "/company/companies"),
    companies: server.world.connectwise.companies.length
  }))`,
  // 3. msw handlers: the sandbox answers on its origin
  `const readmeAnswer = await fetch(sandbox.urls(sandboxOrigin).control)
  console.log("README-3 " + JSON.stringify({ status: readmeAnswer.status }))`,
  // 4. a virtual clock: advancing it moves the server's time
  `console.log("README-4 " + JSON.stringify({ moved: server.clock.now() - Date.UTC(2026, 1, 2, 8) }))
  await server.close()`,
  // 5. fault rules on a seed, with latency per system
  `console.log("README-5 " + JSON.stringify({ seed: server.faults.seed, latencyMs: server.faults.latencyMs }))
  await server.close()`
]

describe("README examples", () => {
  it("run against the sandbox and show what their comments say", () => {
    expect(examples).toHaveLength(5)
    const sources = examples.map((example) => example.replace("port: 4010", "port: 0"))
    const { imports, bodies } = mergedImports(sources, { "@psa-ledger/sandbox": ["sandboxOrigin"] })
    // The msw example intercepts fetch for the rest of the module: it runs last.
    const order = [0, 1, 3, 4, 2]
    const module = [
      imports,
      "const world = createWorld({ seed: 7, customers: 20 })",
      ...order.map((i) => `{\n${bodies[i]}\n${claims[i]}\n}`),
      "process.exit(0)"
    ].join("\n")
    const file = new URL("./.readme-example.tmp.ts", import.meta.url)
    writeFileSync(file, module)
    try {
      const out = execFileSync(process.execPath, ["--conditions=@psa-ledger/source", file.pathname], {
        encoding: "utf8"
      })
      const result = (n: number) =>
        JSON.parse(
          out
            .split("\n")
            .find((line) => line.startsWith(`README-${n} `))
            ?.slice(`README-${n} `.length) ?? "null"
        )
      const one = result(1)
      expect(one.additions).toBe(one.worldAdditions)
      expect(one.lines).toBe(one.worldLines)
      expect(one.lines).toBeGreaterThan(0)
      const two = result(2)
      expect(two.companyCalls).toBe(Math.ceil(two.companies / 1000))
      expect(result(3)).toEqual({ status: 200 })
      expect(result(4)).toEqual({ moved: 600_000 })
      expect(result(5)).toEqual({ seed: 42, latencyMs: { connectwise: 30, exact: 80 } })
    } finally {
      rmSync(file, { force: true })
    }
  })
})
