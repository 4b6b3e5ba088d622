// Before `npm start` runs TypeScript directly: a Node that strips types by default (22.18, or 23.6 and later).
const [major, minor] = process.versions.node.split(".").map(Number)
if (major < 22 || (major === 22 && minor < 18) || (major === 23 && minor < 6)) {
  console.error(
    `psa-ledger portal: Node ${process.versions.node} cannot run it; install Node 22.18 or later (24 recommended).`
  )
  process.exit(1)
}
