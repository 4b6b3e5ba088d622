// Checks that every published package resolves for a plain ESM consumer: the runtime entry loads
// under Node's default conditions (no `@psa-ledger/source`), exposes named exports, and its `types`
// entry type-checks from a NodeNext TypeScript project; so does every other subpath of its `exports`
// map. Run after `turbo run build`.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const failures = []
const packages = readdirSync(join(root, "packages"))
  .map((dir) => ({
    dir: join(root, "packages", dir),
    json: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8"))
  }))
  .filter(({ json }) => !json.private)

const consumer = join(root, "node_modules", ".cache", "psa-ledger-export-check")
rmSync(consumer, { recursive: true, force: true })
mkdirSync(consumer, { recursive: true })

const imports = []
for (const { dir, json } of packages) {
  if (!json.exports?.["."]) failures.push(`${json.name}: package.json needs exports["."]`)
  // Every subpath of the exports map, not just ".": each must build, load and type-check on its own.
  for (const [subpath, entry] of Object.entries(json.exports ?? {})) {
    if (subpath === "./package.json") continue
    const specifier = subpath === "." ? json.name : `${json.name}${subpath.slice(1)}`
    if (!entry?.import || !entry?.types) {
      failures.push(`${specifier}: exports[${JSON.stringify(subpath)}] needs "types" and "import"`)
      continue
    }
    for (const target of [entry.import, entry.types]) {
      if (!existsSync(join(dir, target))) failures.push(`${specifier}: ${target} does not exist (was it built?)`)
    }
    const script = `const m = await import(${JSON.stringify(specifier)}); const names = Object.keys(m); if (names.length === 0) throw new Error("no exports"); console.log(names.length)`
    try {
      const count = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: consumer,
        encoding: "utf8"
      }).trim()
      console.log(`${specifier.padEnd(42)} ${count} runtime exports`)
    } catch (error) {
      failures.push(`${specifier}: importing the built entry failed: ${error.stderr || error.message}`)
    }
    const local = specifier.replace(/^@psa-ledger\//, "").replace(/[-/](.)/g, (_, c) => c.toUpperCase())
    imports.push(
      `import * as ${local} from ${JSON.stringify(specifier)}\nexport const ${local}Keys: ReadonlyArray<string> = Object.keys(${local})`
    )
  }
}

writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "export-check", private: true, type: "module" }))
writeFileSync(join(consumer, "consumer.ts"), `${imports.join("\n")}\n`)
writeFileSync(
  join(consumer, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      module: "NodeNext",
      moduleResolution: "NodeNext",
      target: "ES2023",
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ["node"],
      lib: ["ES2023", "DOM"]
    },
    files: ["consumer.ts"]
  })
)
try {
  execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", consumer], {
    cwd: consumer,
    encoding: "utf8"
  })
  console.log(`types resolve for a NodeNext consumer: ${packages.map((p) => p.json.name).join(", ")}`)
} catch (error) {
  failures.push(`type-checking a NodeNext consumer failed:\n${error.stdout || error.message}`)
}

if (failures.length > 0) {
  console.error(`\nexport check failed:\n- ${failures.join("\n- ")}`)
  process.exit(1)
}
