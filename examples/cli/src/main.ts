#!/usr/bin/env node
// psa-ledger on the command line. `demo` reconciles a sandbox MSP end to end (see demo.ts).
import { runDemo } from "./demo.ts"

const [command = "help"] = process.argv.slice(2)

if (command === "demo") {
  await runDemo()
} else {
  console.log("usage: psa-ledger demo    reconcile a simulated MSP end to end, over real HTTP on 127.0.0.1")
}
