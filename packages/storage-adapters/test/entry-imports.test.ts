// Importing the root entry must not load `pg` or `node:sqlite`: a host that keeps its data in
// memory (tests, the demo) should not pay for, or even have installed, the drivers it never uses.
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const packageDir = fileURLToPath(new URL("..", import.meta.url))

// Records every module a child Node process resolves while it imports `specifier`, through a
// synchronous resolve hook registered before the import.
const loadedBy = (specifier: string): ReadonlyArray<string> => {
  const script = `
    import { registerHooks } from "node:module"
    const loaded = []
    registerHooks({ resolve: (spec, context, next) => { const found = next(spec, context); loaded.push(found.url); return found } })
    await import(${JSON.stringify(specifier)})
    process.stdout.write(JSON.stringify(loaded))
  `
  const out = execFileSync(
    process.execPath,
    ["--conditions=@psa-ledger/source", "--no-warnings", "--input-type=module", "-e", script],
    { cwd: packageDir, encoding: "utf8" }
  )
  return JSON.parse(out) as ReadonlyArray<string>
}

const loadsPg = (urls: ReadonlyArray<string>) => urls.some((url) => /\/node_modules\/pg\//.test(url))
const loadsSqlite = (urls: ReadonlyArray<string>) => urls.includes("node:sqlite")

describe("entry points load only what they need", () => {
  it("the root entry loads neither pg nor node:sqlite", () => {
    const urls = loadedBy("@psa-ledger/storage-adapters")
    expect(urls.some((url) => url.endsWith("/storage-adapters/src/index.ts"))).toBe(true)
    expect(loadsPg(urls)).toBe(false)
    expect(loadsSqlite(urls)).toBe(false)
  })

  it("/sqlite loads node:sqlite and not pg", () => {
    const urls = loadedBy("@psa-ledger/storage-adapters/sqlite")
    expect(loadsSqlite(urls)).toBe(true)
    expect(loadsPg(urls)).toBe(false)
  })

  it("/postgres loads pg and not node:sqlite", () => {
    const urls = loadedBy("@psa-ledger/storage-adapters/postgres")
    expect(loadsPg(urls)).toBe(true)
    expect(loadsSqlite(urls)).toBe(false)
  })
})
