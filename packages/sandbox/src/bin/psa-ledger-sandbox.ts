#!/usr/bin/env node
/**
 * `psa-ledger-sandbox`: serves a seeded MSP world as ConnectWise PSA and Exact Online on 127.0.0.1,
 * in real time, until interrupted. Prints the base URLs and the demo credentials.
 */
import { parseArgs } from "node:util"
import { startSandboxServer } from "../sandbox/server.ts"
import { WorldOptionsError } from "../world/Options.ts"
import { createWorld } from "../world/World.ts"

const usage = `Usage: psa-ledger-sandbox [--seed 7] [--port 4010] [--customers 50] [--products 10] [--months 12] [--latency 0]

Serves one simulated MSP as ConnectWise PSA (under /connectwise) and Exact Online (under /exact)
on 127.0.0.1, with its reconciliation answer key, until Ctrl-C.`

const integer = (name: string, text: string | undefined, fallback: number | undefined): number | undefined => {
  if (text === undefined) return fallback
  if (!/^\d+$/.test(text)) {
    console.error(`--${name} must be a whole number, got ${JSON.stringify(text)}\n\n${usage}`)
    process.exit(2)
  }
  return Number(text)
}

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      seed: { type: "string" },
      port: { type: "string" },
      customers: { type: "string" },
      products: { type: "string" },
      months: { type: "string" },
      latency: { type: "string" },
      help: { type: "boolean", short: "h" }
    },
    strict: true
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const seed = integer("seed", values.seed, 7) as number
  const port = integer("port", values.port, 4010) as number
  const customers = integer("customers", values.customers, undefined)
  const products = integer("products", values.products, undefined)
  const months = integer("months", values.months, undefined)
  const latencyMs = integer("latency", values.latency, 0) as number
  const started = performance.now()
  const world = createWorld({
    seed,
    ...(customers === undefined ? {} : { customers }),
    ...(products === undefined ? {} : { products }),
    ...(months === undefined ? {} : { months })
  })
  const server = await startSandboxServer({ world, port, latencyMs })
  const { connectwise, exact } = server.credentials
  const o = world.meta.options
  console.log(
    [
      `psa-ledger sandbox — seed ${seed}: ${o.customers} customers × ${o.products} products × ${o.months} months (${world.meta.periods[0]} … ${world.meta.latestPeriod}), ready in ${Math.round(performance.now() - started)} ms`,
      "",
      "ConnectWise PSA",
      `  baseUrl     ${server.baseUrls.connectwise}`,
      `  site root   ${server.baseUrls.connectwiseSite}  (GET /login/companyinfo/${connectwise.companyId})`,
      `  companyId   ${connectwise.companyId}`,
      `  publicKey   ${connectwise.publicKey}`,
      `  privateKey  ${connectwise.privateKey}`,
      `  clientId    ${connectwise.clientId}`,
      "",
      "Exact Online",
      `  baseUrl       ${server.baseUrls.exact}  (API ${server.baseUrls.exact}/api/v1, OAuth ${server.baseUrls.exact}/api/oauth2)`,
      `  clientId      ${exact.clientId}`,
      `  clientSecret  ${exact.clientSecret}`,
      `  redirectUri   ${exact.redirectUri}`,
      `  division      ${exact.division}`,
      `  code          curl -s -X POST ${server.baseUrls.control}/exact/authorization-code`,
      "                (or open the authorize URL: consent is automatic and the redirect page shows the code)",
      "",
      `Sandbox: ${server.baseUrls.control} (GET: this information; GET /requests: calls and faults)`,
      latencyMs > 0 ? `Latency: ${latencyMs} ms per request` : "Latency: none (--latency MS to add some)",
      "Ctrl-C stops it."
    ].join("\n")
  )
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
}

main().catch((error: unknown) => {
  if (error instanceof WorldOptionsError) console.error(`${error.message}\n\n${usage}`)
  else if ((error as { code?: unknown }).code === "EADDRINUSE")
    console.error(`The port is already in use: ${String(error)}`)
  else console.error(error)
  process.exit(error instanceof WorldOptionsError ? 2 : 1)
})
