#!/usr/bin/env node
// Lists the functions in packages/*/src, examples/*/src and bench/src that span more than a
// limit of lines (default 150), longest first. A function's span includes the functions nested in
// it, as a reader sees it; generated code is left out.
//
//   node scripts/long-functions.mjs            # the list
//   node scripts/long-functions.mjs --max 80   # another limit
//   node scripts/long-functions.mjs --check    # also exit 1 when any function is over the limit
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import ts from "typescript"

const root = new URL("..", import.meta.url).pathname
const args = process.argv.slice(2)
const max = args.includes("--max") ? Number(args[args.indexOf("--max") + 1]) : 150
const check = args.includes("--check")

const sourceDirs = () => {
  const dirs = []
  for (const group of ["packages", "examples"]) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      if (entry.isDirectory()) dirs.push(join(root, group, entry.name, "src"))
    }
  }
  dirs.push(join(root, "bench", "src"))
  return dirs.filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true)
}

const files = function* (dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== "generated" && entry.name !== "node_modules") yield* files(path)
    } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      yield path
    }
  }
}

// The name a reader would look for: the function's own name, else the variable, property or
// method it is assigned to (through wrappers such as `Effect.fn("…")(function* () {})`).
const nameOf = (node) => {
  if (node.name !== undefined && ts.isIdentifier(node.name)) return node.name.text
  for (let at = node.parent; at !== undefined; at = at.parent) {
    if (ts.isVariableDeclaration(at) || ts.isPropertyAssignment(at) || ts.isPropertyDeclaration(at)) {
      return at.name.getText()
    }
    if (!ts.isCallExpression(at) && !ts.isParenthesizedExpression(at) && !ts.isAsExpression(at)) break
  }
  return "(anonymous)"
}

const isFunction = (node) =>
  ts.isFunctionDeclaration(node) ||
  ts.isFunctionExpression(node) ||
  ts.isArrowFunction(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isConstructorDeclaration(node)

const long = []
for (const dir of sourceDirs()) {
  for (const path of files(dir)) {
    const text = readFileSync(path, "utf8")
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)
    const visit = (node) => {
      if (isFunction(node) && node.body !== undefined) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line
        const lines = end - start + 1
        if (lines > max) long.push({ lines, name: nameOf(node), at: `${relative(root, path)}:${start + 1}` })
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
}

long.sort((a, b) => b.lines - a.lines)
for (const { lines, name, at } of long) console.log(`${String(lines).padStart(5)}  ${name}  ${at}`)
console.log(long.length === 0 ? `no function over ${max} lines` : `${long.length} functions over ${max} lines`)
if (check && long.length > 0) process.exitCode = 1
