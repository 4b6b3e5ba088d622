/**
 * Shared parts of the resilience tests: the world, the sandbox server, clients built from its
 * credentials, the link's settings, and the end state of a run read from the simulations and the
 * storage — normalised so that two runs on two servers compare equal when they did the same thing.
 */
import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { createExactClient, type TokenStore } from "@psa-ledger/exact-client"
import type { ReconciliationRow } from "@psa-ledger/reconcile-core"
import {
  CreateTarget,
  Decisions,
  LinkSettings,
  Mapping,
  NewAgreementSettings,
  NewProductSettings,
  RowDecision,
  TransferSettings
} from "@psa-ledger/reconcile-core"
import {
  createWorld,
  type FaultRule,
  type SandboxCredentials,
  type SandboxServer,
  startSandboxServer,
  type World
} from "@psa-ledger/sandbox"
import type { Storage } from "@psa-ledger/storage-adapters"
import { DateTime, Effect } from "effect"
import { exactSalesSource } from "../../src/reconciliation/ExactSales.ts"
import { SalesSourceSettings } from "../../src/reconciliation/index.ts"

/** Small enough for 20 kills in a few seconds, big enough that every kind of operation occurs. */
export const WORLD_OPTIONS = {
  seed: 7,
  customers: 30,
  products: 5,
  months: 2,
  connectwiseInvoices: 30,
  deviations: { quantityOff: 10, unitCostOff: 8, additionMissing: 10, additionNotInvoiced: 6 }
} as const
export const LINK_ID = "link-resilience"
/** A test-only key sealing the Exact tokens in SQLite (64 hex digits). */
export const ENCRYPTION_KEY = "5e".repeat(32)

let cachedWorld: World | undefined
/** The world of every resilience test (same options, same bytes). */
export const theWorld = (): World => {
  cachedWorld ??= createWorld(WORLD_OPTIONS)
  return cachedWorld
}

/** The world's latest month (`YYYY-MM`), the one ConnectWise mirrors, and its transfer range. */
export const latestMonth = (world: World = theWorld()) => world.meta.latestPeriod
export const transferRange = (world: World = theWorld()) => {
  const [year, month] = latestMonth(world).split("-").map(Number) as [number, number]
  const next = new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10)
  return { from: `${latestMonth(world)}-01`, to: next }
}

/** The sandbox over HTTP in real time with Exact's limits lifted (faults only when asked). */
export const startServer = (options: { readonly faults?: ReadonlyArray<FaultRule>; readonly seed?: number } = {}) =>
  startSandboxServer({
    world: theWorld(),
    exact: { minutelyLimit: 1_000_000, dailyLimit: 1_000_000 },
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.seed === undefined ? {} : { seed: options.seed })
  })

/** Where a process finds the sandbox: base URLs (possibly through a proxy) and its credentials. */
export interface Endpoint {
  readonly connectwise: string
  readonly exact: string
  readonly credentials: SandboxCredentials
}

export const endpointOf = (server: SandboxServer, origin: string = server.origin): Endpoint => {
  const urls = server.urls(origin)
  return { connectwise: urls.connectwise, exact: urls.exact, credentials: server.credentials }
}

/** Both clients, retrying quickly (the sandbox's faults are immediate). */
export const clientsFor = (
  endpoint: Endpoint,
  tokens: TokenStore,
  options: { readonly timeoutMs?: number | undefined } = {}
) => {
  const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }
  const cw = endpoint.credentials.connectwise
  const ex = endpoint.credentials.exact
  const connectwise = createConnectWiseClient({
    baseUrl: endpoint.connectwise,
    companyId: cw.companyId,
    publicKey: cw.publicKey,
    privateKey: cw.privateKey,
    clientId: cw.clientId,
    retryBaseDelayMs: 20,
    retryMaxDelayMs: 200,
    ...timeout
  })
  const exact = createExactClient({
    baseUrl: endpoint.exact,
    clientId: ex.clientId,
    clientSecret: ex.clientSecret,
    redirectUri: ex.redirectUri,
    division: ex.division,
    tokens,
    ...timeout
  })
  return { connectwise, exact }
}

/** The link's settings for the world: compare unit costs, create what is missing, map tax codes and terms. */
export const settingsFor = (world: World = theWorld()) => {
  const managed = world.connectwise.agreementTypes.find((t) => t.name === "Managed Services")
  if (managed === undefined) throw new Error("the world has no Managed Services agreement type")
  const taxCodes = new Map(world.connectwise.taxCodes.map((t) => [t.id, t.identifier]))
  const vatCodes: Record<string, string> = {}
  for (const link of world.truth.links.taxCodes) {
    const identifier = taxCodes.get(link.taxCodeId)
    if (identifier !== undefined) vatCodes[identifier] = link.vatCode
  }
  const paymentConditions: Record<string, string> = {}
  for (const link of world.truth.links.billingTerms)
    paymentConditions[String(link.billingTermsId)] = link.paymentCondition
  return new LinkSettings({
    compare: "unitCost",
    agreementTypeId: managed.id,
    proposeCancellations: true,
    newAgreement: new NewAgreementSettings({ typeId: managed.id, name: "Managed Services {customer}" }),
    newProduct: new NewProductSettings({ subcategoryId: 11, typeId: 3, productClass: "NonInventory" }),
    transfer: new TransferSettings({ mode: "invoice", journal: "70", vatCodes, paymentConditions })
  })
}

/** The link's settings with flow B in entry mode, the ConnectWise PDF attached to each entry. */
export const entrySettingsFor = (world: World = theWorld()) => {
  const settings = settingsFor(world)
  const transfer = settings.transfer
  if (transfer === undefined) throw new Error("the settings have no transfer")
  return new LinkSettings({
    ...settings,
    transfer: new TransferSettings({ ...transfer, mode: "entry", defaultGlAccount: "8000", attachPdf: true })
  })
}

/**
 * Our documents in Exact per booking (sales entry or sales invoice, by `YourRef`): how many
 * documents with our subject (`Invoice <number>`) and attachments each has. Exactly one of each is
 * what an attached PDF looks like; the document Exact's print stores of an invoice is not ours.
 */
export const exactDocuments = (server: SandboxServer): Record<string, { documents: number; attachments: number }> => {
  const division = server.credentials.exact.division
  const refOf = new Map([
    ...server.exact
      .records(division, "SalesEntries")
      .map((e): [string, string] => [String(e.EntryID).toLowerCase(), String(e.YourRef)]),
    ...server.exact
      .records(division, "SalesInvoices")
      .map((i): [string, string] => [String(i.InvoiceID).toLowerCase(), String(i.YourRef)])
  ])
  const attachments = server.exact.records(division, "DocumentAttachments")
  const out: Record<string, { documents: number; attachments: number }> = {}
  for (const document of server.exact.records(division, "Documents")) {
    const ref = refOf.get(String(document.FinancialTransactionEntryID).toLowerCase()) ?? "unlinked"
    if (ref !== "unlinked" && document.Subject !== `Invoice ${ref}`) continue
    const counts = out[ref] ?? { documents: 0, attachments: 0 }
    out[ref] = counts
    counts.documents++
    counts.attachments += attachments.filter((a) => a.Document === document.ID).length
  }
  return out
}

/** ConnectWise requires a contact on a new agreement; the MSP's own contact will do. */
export const AGREEMENT_CONTACT = 1

/** Flow A's invoice source: the world's sales invoices, unit cost from the line (`CostPriceFC`). */
export const sourceFor = (exact: ReturnType<typeof clientsFor>["exact"], world: World = theWorld()) => {
  const [year, month] = latestMonth(world).split("-").map(Number) as [number, number]
  return exactSalesSource(exact, new SalesSourceSettings({ kind: "sales", unitCost: "line" }), {
    now: () => Date.UTC(year, month, 2)
  })
}

const DECIDED_AT = DateTime.makeUnsafe("2025-03-02T10:00:00Z")
const linked = (resolution: ReconciliationRow["productResolution"]) =>
  resolution._tag === "Mapped" || resolution._tag === "Matched"

/**
 * Approve everything: every change of every row, creating the catalog item or agreement a row
 * lacks — what a user clicking "approve all, create what is missing" decides.
 */
export const approveAll = (rows: ReadonlyArray<ReconciliationRow>) =>
  new Decisions({
    linkId: LINK_ID,
    decidedBy: "finance@msp.example",
    decidedAt: DECIDED_AT,
    rows: Object.fromEntries(
      rows.map((row) => [
        row.key,
        new RowDecision({
          approve: "all",
          ...(linked(row.productResolution) ? {} : { product: new CreateTarget() }),
          ...(linked(row.agreementResolution) ? {} : { agreement: new CreateTarget() })
        })
      ])
    )
  })

/**
 * The mappings a user confirmed before (the truth's links where the identifiers do not match):
 * customers to companies and items to catalog items. Seeded into every storage of a test.
 */
export const confirmedMappings = (world: World = theWorld()): ReadonlyArray<Mapping> => [
  ...world.truth.links.companies.flatMap((link) =>
    link.companyId === null || link.evidence === "identifier"
      ? []
      : [
          new Mapping({
            kind: "customer",
            sourceKey: link.accountId,
            targetId: link.companyId,
            method: "confirmed-suggestion",
            decidedBy: "finance@msp.example",
            decidedAt: DECIDED_AT
          })
        ]
  ),
  ...world.truth.links.items.flatMap((link) =>
    link.catalogItemId === "create" || link.evidence === "identifier"
      ? []
      : [
          new Mapping({
            kind: "product",
            sourceKey: link.itemId,
            targetId: link.catalogItemId,
            method: "confirmed-suggestion",
            decidedBy: "finance@msp.example",
            decidedAt: DECIDED_AT
          })
        ]
  )
]

/** Stores the confirmed mappings. */
export const seedMappings = (mappings: Storage["mappings"]) =>
  Effect.runPromise(mappings.upsert(LINK_ID, confirmedMappings()))

/** A decimal as the simulations keep it (a raw JSON number, a string or a number) → its text. */
export const decimalText = (value: unknown): string | null => {
  if (value === undefined || value === null) return null
  if (typeof value === "object" && "text" in value) return String((value as { text: unknown }).text)
  return String(value)
}

type StoreRecord = Record<string, unknown>
const idOf = (ref: unknown) => (ref as { id?: unknown } | undefined)?.id

/**
 * ConnectWise after an apply, independent of the ids the run happened to get: agreements by company
 * and name, products by identifier; every addition (cancelled ones too) with quantity, unit cost,
 * unit price, effective and cancelled date; and the pairs holding more than one active addition.
 */
export const connectWiseState = (server: SandboxServer) => {
  const store = server.connectwise.store
  const catalog = new Map(store.all("catalogItems").map((c: StoreRecord) => [c.id, String(c.identifier)]))
  const agreements = new Map(
    store.all("agreements").map((a: StoreRecord) => [a.id, `${String(idOf(a.company))}|${String(a.name)}`])
  )
  const additions = store.all("additions").map((a: StoreRecord) => ({
    agreement: agreements.get(a.agreementId) ?? `missing agreement ${String(a.agreementId)}`,
    product: catalog.get(idOf(a.product)) ?? `missing product ${String(idOf(a.product))}`,
    quantity: decimalText(a.quantity),
    unitCost: decimalText(a.unitCost),
    unitPrice: decimalText(a.unitPrice),
    effectiveDate: (a.effectiveDate as string | null | undefined) ?? null,
    cancelledDate: (a.cancelledDate as string | null | undefined) ?? null
  }))
  const key = (a: (typeof additions)[number]) => JSON.stringify(Object.values(a))
  additions.sort((a, b) => key(a).localeCompare(key(b)))
  const active = new Map<string, number>()
  for (const a of additions) {
    if (a.cancelledDate !== null) continue
    const pair = `${a.agreement}|${a.product}`
    active.set(pair, (active.get(pair) ?? 0) + 1)
  }
  return {
    additions,
    duplicateAdditions: [...active].filter(([, n]) => n > 1).map(([pair]) => pair),
    agreements: [...agreements.values()].sort(),
    catalog: [...catalog.values()].sort()
  }
}

/**
 * Exact Online after a transfer: every sales invoice carrying a `YourRef` (the ConnectWise number)
 * with its customer's code, type, status and lines; the YourRefs present more than once; the accounts.
 */
export interface ExactInvoiceState {
  readonly yourRef: string
  readonly customer: string
  readonly type: unknown
  readonly status: unknown
  readonly journal: unknown
  readonly paymentCondition: unknown
  readonly lines: ReadonlyArray<ReadonlyArray<unknown>>
}

export const exactState = (
  server: SandboxServer
): {
  readonly invoices: ReadonlyArray<ExactInvoiceState>
  readonly duplicateInvoices: ReadonlyArray<string>
  readonly accounts: ReadonlyArray<string>
} => {
  const division = server.credentials.exact.division
  const accounts = server.exact.records(division, "Accounts")
  const codeOf = new Map(accounts.map((a) => [a.ID, String(a.Code).trim()]))
  const lines = server.exact.records(division, "SalesInvoiceLines")
  const invoices = server.exact
    .records(division, "SalesInvoices")
    .filter((i) => typeof i.YourRef === "string" && i.YourRef !== "")
    .map(
      (i): ExactInvoiceState => ({
        yourRef: String(i.YourRef),
        customer: codeOf.get(i.OrderedBy) ?? `unknown ${String(i.OrderedBy)}`,
        type: i.Type,
        status: i.Status,
        journal: i.Journal,
        paymentCondition: i.PaymentCondition ?? null,
        lines: lines
          .filter((l) => l.InvoiceID === i.InvoiceID)
          .map((l) => [
            l.ItemCode ?? null,
            decimalText(l.Quantity),
            decimalText(l.NetPrice),
            l.VATCode ?? null,
            l.Description ?? null
          ])
      })
    )
    .sort((a, b) => a.yourRef.localeCompare(b.yourRef))
  const refs = new Map<string, number>()
  for (const i of invoices) refs.set(i.yourRef, (refs.get(i.yourRef) ?? 0) + 1)
  return {
    invoices,
    duplicateInvoices: [...refs].filter(([, n]) => n > 1).map(([ref]) => ref),
    accounts: accounts.map((a) => `${String(a.Code).trim()}|${String(a.Name)}`).sort()
  }
}

/** The link's storage after a run: journal keys and statuses, ledger records (by number), mappings. */
export const storageState = async (
  stores: Pick<Storage, "journal" | "transfers" | "mappings">,
  server: SandboxServer
) => {
  const division = server.credentials.exact.division
  const refOf = new Map<string, string>([
    ...server.exact
      .records(division, "SalesInvoices")
      .map((i): [string, string] => [String(i.InvoiceID), String(i.YourRef ?? "")]),
    ...server.exact
      .records(division, "SalesEntries")
      .map((e): [string, string] => [String(e.EntryID), String(e.YourRef ?? "")])
  ])
  const journal = await Effect.runPromise(stores.journal.list(LINK_ID))
  const ledger = await Effect.runPromise(stores.transfers.list(LINK_ID))
  const mappings = await Effect.runPromise(stores.mappings.list(LINK_ID))
  return {
    journal: journal.map((e) => `${e.opKey} ${e.status}`).sort(),
    ledger: ledger
      .map((r) => ({
        number: r.connectwiseInvoiceNumber,
        cwId: r.connectwiseInvoiceId,
        exactYourRef: refOf.get(r.exactInvoiceId) ?? `unknown ${r.exactInvoiceId}`,
        kind: r.kind,
        status: r.status,
        ...(r.pdfAttached === undefined ? {} : { pdfAttached: r.pdfAttached })
      }))
      .sort((a, b) => a.number.localeCompare(b.number)),
    mappings: mappings.map((m) => `${m.kind}|${m.sourceKey}|${m.productKey ?? ""}`).sort()
  }
}
