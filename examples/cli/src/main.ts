#!/usr/bin/env node
// psa-ledger on the command line: the commands are in cli/commands.ts, the dispatch in cli/run.ts.
import { run } from "./cli/run.ts"

const controller = new AbortController()
// Ctrl-C: the running command is cancelled through its signal and finishes cleanly (exit 130);
// a second Ctrl-C stops at once.
process.on("SIGINT", () => {
  if (controller.signal.aborted) process.exit(130)
  process.stderr.write("\npsa-ledger: cancelling… (Ctrl-C again to stop at once)\n")
  controller.abort(new Error("interrupted"))
})

const code = await run(
  process.argv.slice(2),
  { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
  controller.signal
)
process.exitCode = code
