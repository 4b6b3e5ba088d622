// The public API of every published package, as a committed report: each entry of the package's
// `exports` map (".", "./sqlite", …), read from its source through the TypeScript checker, every
// exported name with its kind and type. `--check` (what `npm test` runs) fails when a report is not
// what the code exports now, so a change to the public API is always a deliberate diff:
// run `npm run api-report` and commit the reports with the change.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import ts from "typescript"

const root = new URL("..", import.meta.url).pathname
const check = process.argv.includes("--check")
const REPORT = "api-report.md"

const options = {
  ...ts.parseJsonConfigFileContent(JSON.parse(readFileSync(join(root, "tsconfig.base.json"), "utf8")), ts.sys, root)
    .options,
  noEmit: true
}

const flags =
  ts.TypeFormatFlags.NoTruncation |
  ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType |
  ts.TypeFormatFlags.WriteArrayAsGenericType

/**
 * Whitespace folded, so formatting alone never changes a report; and no machine's paths: a type the
 * checker can only name through `import("/abs/path/effect/dist/DateTime").Utc` reads `DateTime.Utc`,
 * one of ours just by its name.
 */
const fold = (text) =>
  text
    .replace(/import\("[^"]*\/node_modules\/(?:@types\/)?([^"]*)"\)\./g, (_, path) => `${path.split("/").at(-1)}.`)
    .replace(/import\("[^"]*"\)\./g, "")
    .replace(/\s+/g, " ")
    .trim()

/** Members a class or interface inherits from the platform or a library, not from our code. */
const inherited = (symbol) =>
  (symbol.declarations ?? []).length > 0 &&
  symbol.declarations.every((d) => d.getSourceFile().fileName.includes("/node_modules/"))

const kindOf = (symbol) => {
  const f = symbol.flags
  if (f & ts.SymbolFlags.Class) return "class"
  if (f & ts.SymbolFlags.Function) return "function"
  if (f & ts.SymbolFlags.Enum) return "enum"
  if (f & ts.SymbolFlags.Variable) return "const"
  if (f & ts.SymbolFlags.Interface) return "interface"
  if (f & ts.SymbolFlags.TypeAlias) return "type"
  if (f & (ts.SymbolFlags.Namespace | ts.SymbolFlags.ValueModule)) return "namespace"
  return "other"
}

const membersOf = (checker, type, node) =>
  checker
    .getPropertiesOfType(type)
    .filter((p) => !p.name.startsWith("#") && !p.name.startsWith("__") && !inherited(p))
    .map((p) => {
      const optional = p.flags & ts.SymbolFlags.Optional ? "?" : ""
      return `  ${p.name}${optional}: ${fold(checker.typeToString(checker.getTypeOfSymbolAtLocation(p, node), node, flags))}`
    })
    .sort()

/** One exported name: a heading line and its shape. */
const describe = (checker, name, exported) => {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
  const declaration = symbol.declarations?.[0]
  if (declaration === undefined) return [`- ${name}`]
  const lines = []
  // A name can be a value and a type at once (a Schema and its type, a class): report both.
  if (symbol.flags & ts.SymbolFlags.Value) {
    const type = checker.getTypeOfSymbolAtLocation(symbol, declaration)
    const kind = symbol.flags & ts.SymbolFlags.Class ? "class" : kindOf(symbol)
    if (kind === "class") {
      lines.push(`- class ${name}`)
      lines.push(...membersOf(checker, checker.getDeclaredTypeOfSymbol(symbol), declaration))
      const statics = membersOf(checker, type, declaration).filter((l) => !l.startsWith("  prototype:"))
      if (statics.length > 0) lines.push("  static:", ...statics.map((l) => `  ${l}`))
    } else {
      lines.push(`- ${kind} ${name}: ${fold(checker.typeToString(type, declaration, flags))}`)
    }
  }
  if (symbol.flags & ts.SymbolFlags.Interface) {
    lines.push(`- interface ${name}`)
    lines.push(...membersOf(checker, checker.getDeclaredTypeOfSymbol(symbol), declaration))
  } else if (symbol.flags & ts.SymbolFlags.TypeAlias) {
    const alias = symbol.declarations.find(ts.isTypeAliasDeclaration)
    lines.push(`- type ${name} = ${fold(alias?.type.getText() ?? "")}`)
  }
  return lines.length > 0 ? lines : [`- ${kindOf(symbol)} ${name}`]
}

const packages = readdirSync(join(root, "packages"))
  .map((dir) => join(root, "packages", dir))
  .filter((dir) => existsSync(join(dir, "package.json")))
  .map((dir) => ({ dir, json: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
  .filter(({ json }) => !json.private)

const entries = packages.flatMap(({ dir, json }) =>
  Object.entries(json.exports ?? {})
    .filter(([subpath, target]) => subpath !== "./package.json" && typeof target === "object")
    .map(([subpath, target]) => ({ dir, json, subpath, file: join(dir, target["@psa-ledger/source"]) }))
)

const program = ts.createProgram(
  entries.map((e) => e.file),
  options
)
const checker = program.getTypeChecker()

const failures = []
const namesByPackage = new Map()
for (const { dir, json } of packages) {
  const sections = [
    `# API report: ${json.name}`,
    "",
    "Generated by `npm run api-report` from the package's source; `npm test` fails when it is stale.",
    "Every change here is a change to the public API."
  ]
  for (const entry of entries.filter((e) => e.dir === dir)) {
    const source = program.getSourceFile(entry.file)
    const moduleSymbol = source && checker.getSymbolAtLocation(source)
    if (!moduleSymbol) {
      failures.push(`${json.name}${entry.subpath.slice(1)}: cannot read ${relative(root, entry.file)}`)
      continue
    }
    const exported = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name))
    for (const symbol of exported)
      namesByPackage.set(symbol.name, [...(namesByPackage.get(symbol.name) ?? []), json.name])
    sections.push(
      "",
      `## \`${json.name}${entry.subpath === "." ? "" : entry.subpath.slice(1)}\` (${exported.length} names)`,
      ""
    )
    for (const symbol of exported) sections.push(...describe(checker, symbol.name, symbol))
  }
  const text = `${sections.join("\n")}\n`
  const file = join(dir, REPORT)
  const current = existsSync(file) ? readFileSync(file, "utf8") : undefined
  if (check) {
    if (current !== text) {
      failures.push(`${json.name}: ${relative(root, file)} is not what the package exports (run npm run api-report)`)
      if (current !== undefined) {
        const before = new Set(current.split("\n"))
        const after = new Set(text.split("\n"))
        for (const line of text.split("\n")) if (!before.has(line)) failures.push(`  + ${line.slice(0, 200)}`)
        for (const line of current.split("\n")) if (!after.has(line)) failures.push(`  - ${line.slice(0, 200)}`)
      }
    } else {
      console.log(`api-report: ${json.name} matches`)
    }
  } else if (current !== text) {
    writeFileSync(file, text)
    console.log(`api-report: wrote ${relative(root, file)}`)
  }
}

// DESIGN §7: exported names never collide across packages — a host that imports from two of them
// must not have to alias. `packageName` is in every package by design (each names itself); the rest
// collided before the rule was checked (`SalesInvoiceLine`: exact-client's record and core's line), and
// the list may only shrink; a name that stops colliding must leave it.
const knownCollisions = new Set(["SalesInvoiceLine", "packageName"])
for (const [name, owners] of namesByPackage) {
  const distinct = [...new Set(owners)]
  if (distinct.length > 1 && !knownCollisions.has(name))
    failures.push(`exported name ${name} collides across packages: ${distinct.join(", ")} (rename one)`)
  if (distinct.length <= 1 && knownCollisions.has(name))
    failures.push(`exported name ${name} no longer collides: remove it from knownCollisions in scripts/api-report.mjs`)
}

if (failures.length > 0) {
  console.error(failures.slice(0, 200).join("\n"))
  process.exit(1)
}
