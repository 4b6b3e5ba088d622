// What the worker counts, in Prometheus's text format on /metrics, with /health beside it.
import { createServer, type Server } from "node:http"

type Labels = Readonly<Record<string, string>>

const labelText = (labels: Labels): string => {
  const entries = Object.entries(labels)
  if (entries.length === 0) return ""
  return `{${entries.map(([k, v]) => `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`).join(",")}}`
}

interface Family {
  readonly help: string
  readonly type: "counter" | "gauge"
  readonly values: Map<string, { labels: Labels; value: number }>
}

/** Counters and gauges by name and labels. */
export class Metrics {
  private readonly families = new Map<string, Family>()

  private family(name: string, type: "counter" | "gauge", help: string): Family {
    let family = this.families.get(name)
    if (family === undefined) {
      family = { help, type, values: new Map() }
      this.families.set(name, family)
    }
    return family
  }

  add(name: string, help: string, labels: Labels = {}, by = 1): void {
    const family = this.family(name, "counter", help)
    const key = labelText(labels)
    const entry = family.values.get(key) ?? { labels, value: 0 }
    entry.value += by
    family.values.set(key, entry)
  }

  set(name: string, help: string, value: number, labels: Labels = {}): void {
    this.family(name, "gauge", help).values.set(labelText(labels), { labels, value })
  }

  /** Declares a counter so it shows as 0 before its first event. */
  declare(name: string, help: string, labels: Labels = {}): void {
    const family = this.family(name, "counter", help)
    const key = labelText(labels)
    if (!family.values.has(key)) family.values.set(key, { labels, value: 0 })
  }

  /** The Prometheus text exposition (version 0.0.4). */
  text(): string {
    const lines: Array<string> = []
    for (const [name, family] of this.families) {
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`)
      for (const { labels, value } of family.values.values()) lines.push(`${name}${labelText(labels)} ${value}`)
    }
    return `${lines.join("\n")}\n`
  }
}

/** Which system a request went to, from its URL. */
export const systemOf = (url: string): string =>
  /connectwise/i.test(url) ? "connectwise" : /exact/i.test(url) ? "exact" : "other"

/** A `fetch` that counts calls and 429s per system into `metrics`. */
export const countingFetch =
  (metrics: Metrics, inner: (request: Request) => Promise<Response> = (request) => fetch(request)) =>
  async (request: Request): Promise<Response> => {
    const system = systemOf(request.url)
    metrics.add("psa_ledger_api_calls_total", "API calls made by runs, per system", { system })
    const response = await inner(request)
    if (response.status === 429) {
      metrics.add("psa_ledger_api_throttled_total", "API calls answered 429 Too Many Requests, per system", { system })
    }
    return response
  }

/** Serves `/health` (JSON) and `/metrics` on `port` (0: any free port) of `host`. */
export const serveMetrics = async (options: {
  readonly port: number
  readonly host?: string | undefined
  readonly metrics: () => Promise<string>
  readonly health: () => { readonly ok: boolean; readonly [key: string]: unknown }
}): Promise<{ readonly port: number; close(): Promise<void> }> => {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0]
    if (request.method !== "GET") {
      response.writeHead(405, { allow: "GET" }).end()
      return
    }
    if (path === "/health") {
      const health = options.health()
      response
        .writeHead(health.ok ? 200 : 503, { "content-type": "application/json" })
        .end(`${JSON.stringify(health)}\n`)
      return
    }
    if (path === "/metrics") {
      options.metrics().then(
        (text) => response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(text),
        () => response.writeHead(500).end()
      )
      return
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port, options.host ?? "127.0.0.1", () => resolve())
  })
  const address = server.address()
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
