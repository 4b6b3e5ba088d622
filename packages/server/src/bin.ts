#!/usr/bin/env node
// psa-ledger-server: the HTTP API over a deployment, from a config file or the environment.
import { openDeployment } from "@psa-ledger/deployment"
import { openConfiguredStorage, readServerConfig, secretKeyOf } from "./Config.ts"
import { createServer, serve } from "./Server.ts"

const log = (level: string, message: string, fields?: Record<string, unknown>) =>
  process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), level, message, ...fields })}\n`)

const main = async () => {
  const config = await readServerConfig(process.argv.slice(2))
  const deployment = await openDeployment({
    storage: (encryptionKey) => openConfiguredStorage(config, encryptionKey),
    secretKey: await secretKeyOf(config)
  })
  const server = createServer({
    deployment,
    log,
    // On PostgreSQL the workers' queue is in the same database (their default schema): manual runs
    // are queued there while the deployment's scheduling is `workers`.
    ...(config.storage.startsWith("sqlite:") ? {} : { queue: { connectionString: config.storage } })
  })
  const listening = await serve(server, { port: config.port, host: config.host })
  log("info", "listening", {
    url: listening.url,
    storage: config.storage.startsWith("sqlite:") ? "sqlite" : "postgres",
    readOnly: deployment.readOnly
  })
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    log("info", "shutting down: finishing running work", { signal, graceMs: config.graceMs })
    await listening.close({ graceMs: config.graceMs })
    await deployment.close()
    log("info", "stopped", {})
    process.exit(0)
  }
  process.on("SIGTERM", () => void stop("SIGTERM"))
  process.on("SIGINT", () => void stop("SIGINT"))
}

main().catch((error: unknown) => {
  // Only the message: a config problem or a DeploymentError, both written never to hold a secret.
  log("error", error instanceof Error ? error.message : "failed to start", {})
  process.exit(1)
})
