/**
 * `npm run bench`: every benchmark side by side, one table printed, JSON written to
 * bench/results/<profile>.json, and docs/benchmarks.md (with docs/benchmarks.json) regenerated with
 * the machine's description. `BENCH_SIZE=smoke|default|full`, `BENCH_REPEATS=n`, `BENCH_ONLY=P1,P3`
 * to run a subset; a smoke run writes no docs, a subset none unless `BENCH_DOCS=merge` (its figures
 * then replace those of the same ids in docs/benchmarks.json, and the page says when and where
 * they were measured again). Benchmarks are not tests and assert no time.
 */
import { execFileSync, spawn } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { cpus, loadavg, platform, release, totalmem } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import {
  coreFigure,
  loadMonthFigures,
  peerFigures,
  rateLimitFigure,
  runLogFigure,
  sandboxScaleFigure,
  serverEventsFigure,
  serverGridFigure,
  slopeFigure,
  transferFigures
} from "./figures.ts"
import { type Figure, renderTable } from "./report.ts"
import { type CaseRuns, repeat } from "./run.ts"
import { sizesFromEnv } from "./sizes.ts"
import { renderStorage, type StorageResults } from "./storage.ts"
import { makeCertificate } from "./tls.ts"

const ROOT = fileURLToPath(new URL("../../", import.meta.url))
const sizes = sizesFromEnv()
const only = process.env.BENCH_ONLY?.split(",").map((part) => part.trim().toUpperCase())
const wanted = (id: string) => only === undefined || only.includes(id.toUpperCase())
const LATENCY_MS = 100

const machine = () => {
  const commit = (() => {
    try {
      return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim()
    } catch {
      return "unknown"
    }
  })()
  return {
    date: new Date().toISOString(),
    commit,
    node: process.version,
    os: `${platform()} ${release()}`,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    loadAverageAtStart: loadavg().map((n) => Number(n.toFixed(2))),
    profile: sizes.profile,
    repeats: sizes.repeats
  }
}

const runStorage = (file: string): Promise<StorageResults | undefined> =>
  new Promise((resolve) => {
    const script = join(ROOT, "packages/storage-adapters/bench/storage.ts")
    const child = spawn(process.execPath, ["--conditions=@psa-ledger/source", "--no-warnings", script], {
      env: { ...process.env, BENCH_N: String(sizes.storageOperations), BENCH_RESULT_FILE: file },
      stdio: ["ignore", "ignore", "inherit"]
    })
    child.on("close", (code) => {
      if (code !== 0) return resolve(undefined)
      resolve(JSON.parse(readFileSync(file, "utf8")) as StorageResults)
    })
  })

const about = machine()
const started = performance.now()
const all: Array<CaseRuns> = []
const figures: Array<Figure> = []
const stage = (name: string) => process.stderr.write(`${name}\n`)

if (wanted("P1")) {
  stage("P1 loading a month")
  for (const lines of sizes.loadMonthLines) {
    const runs = await repeat(
      "loadMonth",
      { lines, latencyMs: LATENCY_MS, naiveSentUpTo: sizes.naiveSentUpTo },
      sizes.repeats
    )
    all.push(runs)
    figures.push(...loadMonthFigures(runs))
  }
}
if (wanted("P2")) {
  stage("P2 the core")
  for (const snapshot of ["scaled", "fixed"] as const) {
    const bySize: Array<CaseRuns> = []
    for (const lines of sizes.coreLines) {
      const runs = await repeat("core", { lines, snapshot }, sizes.repeats)
      all.push(runs)
      bySize.push(runs)
      figures.push(coreFigure(runs))
    }
    const first = bySize[0]
    const last = bySize.at(-1)
    if (first && last && first !== last) figures.push(slopeFigure(first, last))
  }
}
if (wanted("P3")) {
  stage("P3 rate limit")
  const runs = await repeat(
    "rateLimit",
    { updates: sizes.rateLimitUpdates, requestsPerSecond: 10, latencyMs: LATENCY_MS },
    sizes.repeats
  )
  all.push(runs)
  figures.push(rateLimitFigure(runs))
}
if (wanted("P4")) {
  stage("P4 invoice transfer")
  for (const attachPdf of [false, true]) {
    const runs = await repeat("transfer", { invoices: sizes.transferInvoices, attachPdf }, sizes.repeats)
    all.push(runs)
    figures.push(...transferFigures(runs))
  }
}
if (wanted("P5")) {
  stage("P5 connectwise-rest")
  const certificate = makeCertificate()
  const runs = await repeat(
    "peer",
    { agreements: sizes.peerAgreements, rateLimitShare: 0.05, ...certificate },
    sizes.repeats,
    { NODE_EXTRA_CA_CERTS: certificate.certFile }
  )
  all.push(runs)
  figures.push(...peerFigures(runs))
}
if (wanted("SANDBOX")) {
  stage("Sandbox scale")
  const runs = await repeat(
    "sandboxScale",
    { customers: sizes.sandboxCustomers, months: sizes.sandboxMonths },
    sizes.repeats
  )
  all.push(runs)
  figures.push(sandboxScaleFigure(runs))
}
if (wanted("RUNS")) {
  stage("Run logs")
  const runs = await repeat("runLog", { entries: sizes.runLogEntries }, sizes.repeats)
  all.push(runs)
  figures.push(runLogFigure(runs))
}
if (wanted("SERVER")) {
  stage("Server")
  const runs = await repeat(
    "server",
    { lines: sizes.serverLines, pageSize: 500, listeners: sizes.serverListeners },
    sizes.repeats
  )
  all.push(runs)
  figures.push(serverGridFigure(runs), serverEventsFigure(runs))
}
const outDir = process.env.BENCH_OUT ?? join(ROOT, "bench/results")
mkdirSync(outDir, { recursive: true })
let storage: StorageResults | undefined
if (wanted("STORAGE")) {
  stage("Storage")
  storage = await runStorage(join(outDir, `storage-${sizes.profile}.json`))
}

const elapsedS = (performance.now() - started) / 1000
const table = renderTable(figures)
process.stdout.write(`${table}\n\n${storage ? `${renderStorage(storage)}\n\n` : ""}`)
process.stdout.write(`${about.profile} sizes, ${about.repeats} repeats, ${elapsedS.toFixed(0)} s\n`)

const result = { machine: { ...about, elapsedS: Math.round(elapsedS) }, figures, cases: all, storage }
const jsonFile = join(outDir, `${sizes.profile}.json`)
writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`)
process.stderr.write(`wrote ${jsonFile}\n`)

const docs = join(ROOT, "docs/benchmarks.md")
const docsJson = join(ROOT, "docs/benchmarks.json")
if (sizes.profile !== "smoke" && only === undefined) {
  mkdirSync(dirname(docs), { recursive: true })
  const { renderDocs } = await import("./docs.ts")
  writeFileSync(docs, renderDocs({ machine: result.machine, table, storage }))
  writeFileSync(docsJson, `${JSON.stringify(result, null, 2)}\n`)
  process.stderr.write(`wrote ${docs}\n`)
} else if (sizes.profile !== "smoke" && process.env.BENCH_DOCS === "merge") {
  const { mergeResults, renderDocs } = await import("./docs.ts")
  const merged = mergeResults(JSON.parse(readFileSync(docsJson, "utf8")), {
    ...result,
    only: only ?? [],
    storage
  })
  writeFileSync(
    docs,
    renderDocs({ machine: merged.machine, table: renderTable(merged.figures), storage: merged.storage })
  )
  writeFileSync(docsJson, `${JSON.stringify(merged, null, 2)}\n`)
  process.stderr.write(`merged ${(only ?? []).join(", ")} into ${docs}\n`)
}
