// The demo behind `npm start`: a seeded MSP world served by the sandbox over real HTTP on 127.0.0.1,
// reconciled through the real clients, the core and the link engines, with in-memory storage.
import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { createExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
import {
  applyPlan,
  exactSalesSource,
  loadMonth,
  previewTransfer,
  runTransfer,
  SalesSourceSettings
} from "@psa-ledger/link"
import {
  Decisions,
  diff,
  LinkSettings,
  pendingMappings,
  plan,
  type Resolution,
  RowDecision,
  resolve,
  summary,
  TransferSettings,
  UseTarget
} from "@psa-ledger/reconcile-core"
import { createWorld, startSandboxServer } from "@psa-ledger/sandbox"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { BigDecimal, DateTime, Effect } from "effect"

type Rows = Awaited<ReturnType<typeof loadMonth>>["rows"]

const countBy = <A>(items: Iterable<A>, key: (item: A) => string): Map<string, number> => {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1)
  return counts
}

const table = (counts: Map<string, number>): string =>
  [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, count]) => `    ${name.padEnd(22)} ${String(count).padStart(5)}`)
    .join("\n")

const STRONG = 0.8

/** The top candidate of a suggestion a careful person would confirm: strong and clearly ahead. */
const strongSuggestion = (resolution: Resolution): number | undefined => {
  if (resolution._tag !== "Suggested") return undefined
  const [best, next] = resolution.candidates
  return best !== undefined && best.score >= STRONG && (next === undefined || best.score - next.score >= 0.1)
    ? best.targetId
    : undefined
}

const deviations = (rows: Rows) => rows.flatMap((row) => row.deviations.map((deviation) => ({ row, deviation })))

/** Runs the demo and returns what it found, so a test can check it without reading the output. */
export const runDemo = async (options: { readonly seed?: number; readonly customers?: number } = {}) => {
  const seed = options.seed ?? 7
  const world = createWorld({ seed, customers: options.customers ?? 25, products: 6, months: 3 })
  // Exact's rate limits are lifted: the demo shows the flows, not the governor's patience.
  const server = await startSandboxServer({
    world,
    port: 0,
    exact: { minutelyLimit: 100_000, dailyLimit: 1_000_000 }
  })
  const storage = memoryStorage()
  try {
    console.log(`psa-ledger demo: a sandbox MSP (seed ${seed}, ${world.exact.accounts.length} Exact accounts)`)
    console.log(`  ConnectWise simulation: ${server.baseUrls.connectwise}`)
    console.log(`  Exact Online simulation: ${server.baseUrls.exact}\n`)

    const connectwise = createConnectWiseClient({
      baseUrl: server.baseUrls.connectwise,
      ...server.credentials.connectwise
    })
    const exact = createExactClient({
      baseUrl: server.baseUrls.exact,
      ...server.credentials.exact,
      tokens: memoryTokenStore()
    })
    await exact.auth.exchangeCode(server.authorizationCode())

    const settings = new LinkSettings({ compare: "unitCost", proposeCancellations: true })
    const source = exactSalesSource(exact, new SalesSourceSettings({ kind: "sales", unitCost: "line" }))
    const deps = {
      linkId: "demo",
      source,
      connectwise,
      mappings: storage.mappings,
      journal: storage.journal,
      settings
    }

    const [month] = await source.months()
    if (month === undefined) throw new Error("the sandbox world has no invoices")
    const loaded = await loadMonth(deps, month)
    const found = deviations(loaded.rows)
    console.log(`1. Loaded ${month}: ${loaded.lines.length} invoice lines → ${loaded.rows.length} grid rows`)
    console.log(`   Customer links:\n${table(countBy(loaded.rows, (row) => row.customerResolution._tag))}`)
    console.log(`   Deviations against the agreement additions:\n${table(countBy(found, (f) => f.deviation._tag))}\n`)

    // Like a person at the grid: confirm each strong suggestion, then approve every row. Confirmed
    // links change what else resolves (an agreement needs its company), so resolve and diff again.
    const choices: Record<string, RowDecision> = {}
    for (const row of loaded.rows) {
      const customer = strongSuggestion(row.customerResolution)
      const product = strongSuggestion(row.productResolution)
      if (customer === undefined && product === undefined) continue
      choices[row.key] = new RowDecision({
        ...(customer === undefined ? {} : { customer: new UseTarget({ targetId: customer }) }),
        ...(product === undefined ? {} : { product: new UseTarget({ targetId: product }) })
      })
    }
    const decidedAt = DateTime.makeUnsafe(Date.now())
    const confirmed = new Decisions({ linkId: "demo", decidedBy: "demo@psa-ledger.example", decidedAt, rows: choices })
    const pending = pendingMappings(loaded.rows, confirmed, settings)
    // Confirming is remembering: next month these lines link themselves.
    await Effect.runPromise(storage.mappings.upsert("demo", pending))
    const rows = diff(
      resolve(loaded.lines, loaded.snapshot, [...loaded.mappings, ...pending], settings),
      loaded.snapshot,
      settings
    )
    console.log(
      `2. Confirmed ${Object.keys(choices).length} rows' suggestions (score ≥ ${STRONG}), ${pending.length} new links`
    )
    const decisions = new Decisions({
      linkId: "demo",
      decidedBy: "demo@psa-ledger.example",
      decidedAt,
      rows: Object.fromEntries(rows.map((row) => [row.key, new RowDecision({ ...choices[row.key], approve: "all" })]))
    })
    const changes = plan(rows, decisions, settings)
    const shown = summary(changes)
    console.log(`3. Approved every row: a plan of ${changes.operations.length} operations`)
    console.log(table(new Map(Object.entries(shown.counts))))
    for (const impact of shown.impact) {
      console.log(`    monthly cost impact ${impact.currency} ${BigDecimal.format(BigDecimal.normalize(impact.cost))}`)
    }

    const report = await applyPlan(deps, changes, { runId: "demo-run-1" })
    console.log(`\n4. Applied: ${JSON.stringify(report.counts)}`)

    const reloaded = await loadMonth(deps, month)
    const left = deviations(reloaded.rows)
    console.log(`5. Reloaded ${month}: ${left.length} deviations left`)
    if (left.length > 0) console.log(table(countBy(left, (f) => f.deviation._tag)))
    console.log("   (what is left needs a person: unreadable lines, unlinked customers, currency mismatches)\n")

    // The link's transfer configuration, as an administrator sets it up once: the sales journal, which
    // Exact VAT code each ConnectWise tax code becomes, and which payment condition each billing term.
    const taxCodes = new Map(world.connectwise.taxCodes.map((code) => [code.id, code.identifier]))
    const transferSettings = new LinkSettings({
      ...settings,
      transfer: new TransferSettings({
        journal: "70",
        vatCodes: Object.fromEntries(
          world.truth.links.taxCodes.map((l) => [taxCodes.get(l.taxCodeId) ?? "", l.vatCode])
        ),
        paymentConditions: Object.fromEntries(
          world.truth.links.billingTerms.map((l) => [String(l.billingTermsId), l.paymentCondition])
        )
      })
    })
    const [from, to] = transferRange(world.meta.latestPeriod)
    const transferDeps = {
      linkId: "demo",
      exact,
      connectwise,
      ledger: storage.transfers,
      journal: storage.journal,
      mappings: storage.mappings,
      settings: transferSettings
    }
    const preview = await previewTransfer(transferDeps, { from, to })
    console.log(
      `6. Invoice transfer ${from} … ${to}: a plan of ${preview.operations.length} operations, ` +
        `${preview.skipped.length} skipped, ${preview.blocked.length} blocked`
    )
    for (const blocked of preview.blocked) console.log(`    blocked ${blocked.number}: ${blocked.reasons.join("; ")}`)
    const transferred = await runTransfer(transferDeps, { from, to }, { runId: "demo-transfer-1" })
    console.log(`   Transferred: ${JSON.stringify(transferred.counts)}`)
    for (const invoice of transferred.invoices.filter((i) => i.status === "created")) {
      const exactInvoices = server.exact.records(server.credentials.exact.division, "SalesInvoices")
      const created = exactInvoices.find((record) => record.YourRef === invoice.number)
      console.log(`    ConnectWise ${invoice.number} → Exact invoice ${String(created?.InvoiceNumber ?? "?")}`)
    }
    const again = await runTransfer(transferDeps, { from, to }, { runId: "demo-transfer-2" })
    console.log(`   Transferred again: ${JSON.stringify(again.counts)} (never twice)`)
    return {
      month,
      rows: loaded.rows.length,
      deviations: found.length,
      left: left.map((f) => f.deviation._tag),
      report,
      transferred: transferred.counts,
      again: again.counts
    }
  } finally {
    await storage.close()
    await server.close()
  }
}

const transferRange = (period: string): readonly [string, string] => {
  const [year, month] = period.split("-").map(Number) as [number, number]
  const next = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, "0")}`
  return [`${period}-01`, `${next}-01`]
}
