#!/usr/bin/env node
// psa-ledger command line. Until the sandbox and link packages land, `demo` only says so.
import { packageName as link } from "@psa-ledger/link"

const [command = "help"] = process.argv.slice(2)

if (command === "demo") {
  console.log(`psa-ledger demo (${link}): the end-to-end demo arrives with the sandbox and link packages.`)
} else {
  console.log("usage: psa-ledger demo")
}
