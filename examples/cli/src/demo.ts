// The demo behind `npm run demo`: a seeded MSP world served by the sandbox over real HTTP on 127.0.0.1,
// reconciled through the real clients and one link (`createLink`), with in-memory storage.
import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { createLink, type LoadedMonth, SalesSourceSettings } from "@psa-ledger/link"
import {
  Decisions,
  LinkSettings,
  pendingMappings,
  type Resolution,
  RowDecision,
  TransferSettings,
  UseTarget
} from "@psa-ledger/reconcile-core"
import { createWorld, startSandboxServer } from "@psa-ledger/sandbox"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { BigDecimal, DateTime } from "effect"

type Rows = LoadedMonth["rows"]

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

    // The link's configuration, as an administrator sets it up once: how lines compare, and for the
    // transfer the sales journal, which Exact VAT code each ConnectWise tax code becomes, and which
    // payment condition each billing term.
    const taxCodes = new Map(world.connectwise.taxCodes.map((code) => [code.id, code.identifier]))
    const settings = new LinkSettings({
      compare: "unitCost",
      proposeCancellations: true,
      transfer: new TransferSettings({
        mode: "invoice",
        journal: "70",
        vatCodes: Object.fromEntries(
          world.truth.links.taxCodes.map((l) => [taxCodes.get(l.taxCodeId) ?? "", l.vatCode])
        ),
        paymentConditions: Object.fromEntries(
          world.truth.links.billingTerms.map((l) => [String(l.billingTermsId), l.paymentCondition])
        )
      })
    })
    const link = createLink({
      id: "demo",
      // The link builds its Exact client on its own token store, `storage.tokens("demo")`.
      exact: { baseUrl: server.baseUrls.exact, ...server.credentials.exact },
      connectwise,
      storage,
      settings,
      source: new SalesSourceSettings({ kind: "sales", unitCost: "line" }),
      actor: "demo@psa-ledger.example"
    })
    await link.exact.auth.exchangeCode(server.authorizationCode())

    const [month] = await link.reconciliation.months()
    if (month === undefined) throw new Error("the sandbox world has no invoices")
    const loaded = await link.reconciliation.load(month)
    const found = deviations(loaded.rows)
    console.log(`1. Loaded ${month}: ${loaded.lines.length} invoice lines → ${loaded.rows.length} grid rows`)
    console.log(`   Customer links:\n${table(countBy(loaded.rows, (row) => row.customerResolution._tag))}`)
    console.log(`   Deviations against the agreement additions:\n${table(countBy(found, (f) => f.deviation._tag))}\n`)

    // Like a person at the grid: confirm each strong suggestion, then approve every row. Confirmed
    // links change what else resolves (an agreement needs its company), so every row is approved on
    // the rows planned with the confirmations (`confirmed.rows`), new ones included.
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
    const confirmed = link.reconciliation.plan(loaded, choices)
    // Confirming is remembering: next month these lines link themselves.
    const pending = pendingMappings(loaded.rows, new Decisions(confirmedDecisions(choices)), settings)
    for (const mapping of pending) {
      await link.mappings.set(mapping, mapping.targetId, { method: mapping.method })
    }
    console.log(
      `2. Confirmed ${Object.keys(choices).length} rows' suggestions (score ≥ ${STRONG}), ${pending.length} new links`
    )
    const planned = link.reconciliation.plan(
      { ...loaded, rows: [...confirmed.rows] },
      Object.fromEntries(
        confirmed.rows.map((row) => [row.key, new RowDecision({ ...choices[row.key], approve: "all" })])
      )
    )
    console.log(`3. Approved every row: a plan of ${planned.plan.operations.length} operations`)
    console.log(table(new Map(Object.entries(planned.summary.counts))))
    for (const impact of planned.summary.impact) {
      console.log(`    monthly cost impact ${impact.currency} ${BigDecimal.format(BigDecimal.normalize(impact.cost))}`)
    }

    const applied = await link.reconciliation.apply(planned)
    const report = reportOf(applied)
    console.log(`\n4. Applied: ${JSON.stringify(report.counts)}`)

    const reloaded = await link.reconciliation.load(month)
    const left = deviations(reloaded.rows)
    console.log(`5. Reloaded ${month}: ${left.length} deviations left`)
    if (left.length > 0) console.log(table(countBy(left, (f) => f.deviation._tag)))
    console.log("   (what is left needs a person: unreadable lines, unlinked customers, currency mismatches)\n")

    const [from, to] = transferRange(world.meta.latestPeriod)
    const preview = await link.transfer.preview({ from, to })
    console.log(
      `6. Invoice transfer ${from} … ${to}: a plan of ${preview.operations.length} operations, ` +
        `${preview.skipped.length} skipped, ${preview.blocked.length} blocked`
    )
    for (const blocked of preview.blocked) console.log(`    blocked ${blocked.number}: ${blocked.reasons.join("; ")}`)
    const transferred = reportOf(await link.transfer.run({ from, to }))
    console.log(`   Transferred: ${JSON.stringify(transferred.counts)}`)
    for (const invoice of transferred.invoices.filter((i) => i.status === "created")) {
      const exactInvoices = server.exact.records(server.credentials.exact.division, "SalesInvoices")
      const created = exactInvoices.find((record) => record.YourRef === invoice.number)
      console.log(`    ConnectWise ${invoice.number} → Exact invoice ${String(created?.InvoiceNumber ?? "?")}`)
    }
    const again = reportOf(await link.transfer.run({ from, to }))
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

/** The demo's decisions, as the link attributes them. */
const confirmedDecisions = (rows: Record<string, RowDecision>) => ({
  linkId: "demo",
  decidedBy: "demo@psa-ledger.example",
  decidedAt: DateTime.makeUnsafe(Date.now()),
  rows
})

/** A run's report; a run that did not complete its body has none, and the demo stops there. */
const reportOf = <A>(result: {
  readonly report: A | undefined
  readonly status: string
  readonly error?: unknown
}): A => {
  if (result.report === undefined) throw new Error(`the run ${result.status}`, { cause: result.error })
  return result.report
}

const transferRange = (period: string): readonly [string, string] => {
  const [year, month] = period.split("-").map(Number) as [number, number]
  const next = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, "0")}`
  return [`${period}-01`, `${next}-01`]
}
