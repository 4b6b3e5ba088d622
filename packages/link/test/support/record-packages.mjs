// Loaded with `node --import`: records the npm package of every module resolved, and prints the
// list as JSON when the process exits, so a test can see what an entry point loads.
import { registerHooks } from "node:module"

const packages = new Set()
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context)
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url)
    if (match !== null) packages.add(match[1])
    return resolved
  }
})
process.on("exit", () => {
  process.stdout.write(`${JSON.stringify([...packages].sort())}\n`)
})
