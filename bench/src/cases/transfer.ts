/**
 * P4 — transferring a month of ConnectWise invoices to Exact Online in entry mode: Exact calls per
 * invoice (one POST of the entry with its lines; with the PDF also the document and its attachment;
 * plus the bulk reads of what is already booked), the 429s Exact answered, and the simulated time
 * against the floor that Exact's 60 calls a minute set. In process, on the sandbox's virtual clock,
 * with Exact's real limits on. `mode: "invoice"` measures invoice mode the same way (per invoice the
 * client's `YourRef` look-up, the POST, the print; with the PDF its document and attachment).
 */
import { LinkSettings, TransferSettings } from "@psa-ledger/reconcile-core"
import { createWorld, type World } from "@psa-ledger/sandbox"
import { type CaseResult, peakRssMb, timed } from "../measure.ts"
import { openBenchSandbox, requestCounts, resetCounts, total } from "../sandbox.ts"

/** Parameters of one P4 run. */
export interface TransferParams {
  /** ConnectWise invoices of the month (agreement, standard and credit memos). */
  readonly invoices: number
  /** Attach each invoice's ConnectWise PDF (document + attachment). */
  readonly attachPdf: boolean
  /** The booking mode (default `entry`, the published P4). */
  readonly mode?: "entry" | "invoice" | undefined
}

/** Exact allows this many calls a minute per division. */
const EXACT_PER_MINUTE = 60
const MINUTE_MS = 60_000

const transferSettings = (world: World, attachPdf: boolean, mode: "entry" | "invoice"): LinkSettings => {
  const { taxCodes, billingTerms } = world.truth.links
  const identifierOf = new Map(world.connectwise.taxCodes.map((t) => [t.id, t.identifier]))
  return new LinkSettings({
    transfer: new TransferSettings({
      mode,
      journal: "70",
      vatCodes: Object.fromEntries(taxCodes.map((t) => [identifierOf.get(t.taxCodeId) ?? "", t.vatCode])),
      paymentConditions: Object.fromEntries(billingTerms.map((b) => [String(b.billingTermsId), b.paymentCondition])),
      defaultGlAccount: "8000",
      attachPdf
    })
  })
}

/** The month's range, `to` exclusive. */
const monthRange = (period: string) => {
  const [year, month] = period.split("-").map(Number) as [number, number]
  return { from: `${period}-01`, to: new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10) }
}

/** One P4 run. */
export const run = async (params: TransferParams): Promise<CaseResult> => {
  // One ConnectWise invoice per customer at most: enough customers that every invoice has its own.
  const world = createWorld({
    seed: 11,
    customers: Math.max(40, params.invoices),
    products: 4,
    months: 1,
    connectwiseInvoices: params.invoices
  })
  const env = await openBenchSandbox(world, { transport: "in-process", exactLimits: "real" })
  const mode = params.mode ?? "entry"
  const link = await env.link(transferSettings(world, params.attachPdf, mode))
  // The customers a person linked in flow A are the link's mappings; flow B uses the same ones.
  for (const company of world.truth.links.companies) {
    if (company.evidence !== "identifier" && company.companyId !== null) {
      await link.mappings.set({ kind: "customer", sourceKey: company.accountId }, company.companyId)
    }
  }
  // Invoice mode books Exact items: the products a person linked in flow A.
  if (mode === "invoice") {
    for (const item of world.truth.links.items) {
      if (item.evidence === "manual" && item.catalogItemId !== "create") {
        await link.mappings.set({ kind: "product", sourceKey: item.itemId }, item.catalogItemId)
      }
    }
  }
  const invoices = world.connectwise.invoices.filter((i) => i.date.slice(0, 7) === world.meta.latestPeriod).length

  resetCounts(env.sandbox)
  const t0 = env.clock.now()
  const transferred = await timed(() => link.transfer.run(monthRange(world.meta.latestPeriod)))
  const elapsedMs = env.clock.now() - t0
  const calls = requestCounts(env.sandbox).exact
  const exactCalls = total(calls)
  const posts = Object.entries(calls)
    .filter(([endpoint]) => endpoint.startsWith("POST "))
    .reduce((sum, [, n]) => sum + n, 0)
  const reads = exactCalls - posts
  // Exact's minute starts at the first call: n calls need ⌊(n − 1) / 60⌋ minutes of waiting at least.
  // Measured as minutes touched (waited + the last one) against minutes needed, so a run that fits in
  // one minute is 1, not 0 / 0.
  const floorMs = Math.floor(Math.max(exactCalls - 1, 0) / EXACT_PER_MINUTE) * MINUTE_MS
  const counts = transferred.value.report?.counts
  await env.close()
  return {
    metrics: {
      invoices,
      created: counts?.created ?? 0,
      blocked: counts?.blocked ?? 0,
      failed: counts?.failed ?? 0,
      exactCalls,
      posts,
      reads,
      callsPerInvoice: exactCalls / invoices,
      answered429: env.sandbox.exact.stats.rateLimited,
      elapsedSimMs: elapsedMs,
      floorMs,
      elapsedOverFloor: (elapsedMs + MINUTE_MS) / (floorMs + MINUTE_MS),
      wallMs: transferred.wallMs,
      cpuMs: transferred.cpuMs,
      peakRssMb: peakRssMb()
    },
    notes: { calls, status: transferred.value.status }
  }
}
