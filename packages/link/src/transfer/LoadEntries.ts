/**
 * What entry mode reads besides invoice mode's inputs, each in bulk: the entries already in the
 * journal with the invoices' entry numbers (through their receivables: one bulk read over the
 * number range, 1,000 a page), the GL accounts the lines book to, and the division's currency.
 */
import type { Invoice } from "@psa-ledger/connectwise-client"
import { GLAccount, odata, Receivable } from "@psa-ledger/exact-client"
import { ExactGLAccount, ExactSalesEntryRef, entryNumberOf, parseDecimal } from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import { fromPromise } from "../internal/bridge.ts"
import { chunks, EXACT_TERMS_PER_FILTER } from "../internal/chunk.ts"
import type { TransferDeps } from "./TransferTypes.ts"

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The journal and the range of entry numbers the invoices will take (entry mode only). */
export interface EntryReads {
  readonly journal: string
  readonly from: number
  readonly to: number
}

export const entryReadsOf = (deps: TransferDeps, invoices: ReadonlyArray<Invoice>): EntryReads | undefined => {
  const transfer = deps.settings.transfer
  if (transfer === undefined || (transfer.mode ?? "entry") !== "entry") return undefined
  const numbers = invoices.flatMap((invoice) => {
    const derived = entryNumberOf(invoice.invoiceNumber, transfer.entryNumberPattern)
    return "entryNumber" in derived ? [derived.entryNumber] : []
  })
  if (numbers.length === 0) return { journal: transfer.journal, from: 1, to: 0 }
  return { journal: transfer.journal, from: Math.min(...numbers), to: Math.max(...numbers) }
}

/** The entries of the journal in the number range, one per transaction (a part-paid receivable is split). */
export const loadEntries = Effect.fn("link.transfer.loadEntries")(function* (deps: TransferDeps, reads: EntryReads) {
  if (reads.to < reads.from) return [] as Array<ExactSalesEntryRef>
  const receivables = yield* fromPromise("load Exact entries (receivables) of the journal", (signal) =>
    deps.exact.listAll("cashflow/Receivables", {
      bulk: true,
      select: ["ID", "Journal", "EntryNumber", "TransactionEntryID", "YourRef", "TransactionAmountFC"],
      filter: odata.and(
        odata.eq("Journal", reads.journal),
        odata.ge("EntryNumber", reads.from),
        odata.le("EntryNumber", reads.to)
      ),
      schema: Receivable,
      signal
    })
  )
  const byEntry = new Map<string, ExactSalesEntryRef>()
  for (const receivable of receivables) {
    const entryId = receivable.TransactionEntryID ?? receivable.ID
    if (byEntry.has(entryId) || typeof receivable.EntryNumber !== "number") continue
    const amount =
      receivable.TransactionAmountFC === null || receivable.TransactionAmountFC === undefined
        ? undefined
        : parseDecimal(receivable.TransactionAmountFC)
    byEntry.set(
      entryId,
      new ExactSalesEntryRef({
        entryId,
        journal: receivable.Journal ?? reads.journal,
        entryNumber: receivable.EntryNumber,
        ...(receivable.YourRef ? { yourRef: receivable.YourRef.trim() } : {}),
        ...(amount === undefined ? {} : { amount })
      })
    )
  }
  return [...byEntry.values()]
})

/** The GL accounts the settings and the items name, by code or id. */
export const loadGlAccounts = Effect.fn("link.transfer.loadGlAccounts")(function* (
  deps: TransferDeps,
  items: ReadonlyArray<{ readonly GLRevenue?: string | null | undefined }>
) {
  const transfer = deps.settings.transfer
  const keys = new Set<string>()
  for (const key of Object.values(transfer?.glAccounts ?? {})) keys.add(key.trim())
  if (transfer?.defaultGlAccount !== undefined) keys.add(transfer.defaultGlAccount.trim())
  for (const item of items) if (item.GLRevenue) keys.add(item.GLRevenue)
  const terms = [...keys]
    .filter((k) => k !== "")
    .map((k) => (guid.test(k) ? odata.eq("ID", odata.guid(k)) : odata.eq("Code", k)))
  const out: Array<ExactGLAccount> = []
  for (const part of chunks(terms, EXACT_TERMS_PER_FILTER)) {
    const found = yield* fromPromise("load Exact GL accounts", (signal) =>
      deps.exact.listAll("financial/GLAccounts", {
        bulk: true,
        select: ["ID", "Code"],
        filter: odata.or(...part),
        schema: GLAccount,
        signal
      })
    )
    for (const gl of found) out.push(new ExactGLAccount({ id: gl.ID, code: gl.Code ?? "" }))
  }
  return out
})

/** The currency the division books in. */
export const loadDivisionCurrency = Effect.fn("link.transfer.loadDivisionCurrency")(function* (deps: TransferDeps) {
  const [code, divisions] = yield* Effect.all(
    [
      fromPromise("load the Exact division", (signal) => deps.exact.division({ signal })),
      fromPromise("load the Exact division", (signal) => deps.exact.divisions({ signal }))
    ],
    { concurrency: "unbounded" }
  )
  return divisions.find((division) => division.Code === code)?.Currency ?? undefined
})
