// `npm start`: the portal on the sandbox world, on SQLite, with demo sign-ins.
import { fileURLToPath } from "node:url"
import { DEMO_USERS, startPortalWorld } from "./world.ts"

const world = await startPortalWorld({
  port: Number(process.env.PORT ?? 4400),
  host: process.env.HOST ?? "127.0.0.1",
  database: process.env.PSA_LEDGER_PORTAL_DB,
  assetsDir: fileURLToPath(new URL("../../dist/", import.meta.url))
})
console.log(`psa-ledger portal on a sandbox MSP: ${world.url}/`)
console.log(`  sign in as ${DEMO_USERS.finance.username} / ${DEMO_USERS.finance.password} (finance)`)
console.log(`  or ${DEMO_USERS.admin.username} / ${DEMO_USERS.admin.password} (admin),`)
console.log(`  or ${DEMO_USERS.viewer.username} / ${DEMO_USERS.viewer.password} (viewer)`)
console.log(`  ledger: ${world.database}; Ctrl-C stops`)
const stop = async () => {
  await world.close()
  process.exit(0)
}
process.once("SIGINT", () => void stop())
process.once("SIGTERM", () => void stop())
