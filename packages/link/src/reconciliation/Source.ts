import type { ExactClient } from "@psa-ledger/exact-client"
import { LinkError, LinkInvalidInputError } from "../LinkError.ts"
import { type CsvInput, csvSource } from "./Csv.ts"
import { exactPurchaseSource } from "./ExactPurchase.ts"
import { exactSalesSource } from "./ExactSales.ts"
import type { InvoiceSource, InvoiceSourceSettings } from "./InvoiceSource.ts"

/**
 * The invoice source a link's settings choose: Exact sales invoices, a supplier's purchase
 * invoices, or a CSV file (`readCsv` hands in its text).
 *
 * @example
 * ```ts
 * const source = invoiceSourceFor(settings.source, { exact, readCsv: () => upload.text() })
 * ```
 *
 * @since 0.1.0
 */
export const invoiceSourceFor = (
  settings: InvoiceSourceSettings,
  deps: {
    readonly exact?: ExactClient | undefined
    readonly readCsv?: (() => CsvInput | Promise<CsvInput>) | undefined
    readonly now?: (() => number) | undefined
  }
): InvoiceSource => {
  const clock = deps.now === undefined ? {} : { now: deps.now }
  if (settings.kind === "csv") {
    if (deps.readCsv === undefined) {
      throw LinkError.of(
        new LinkInvalidInputError({
          record: "InvoiceSourceSettings",
          field: "readCsv",
          message: "a CSV source needs the file"
        })
      )
    }
    return csvSource(deps.readCsv, settings)
  }
  if (deps.exact === undefined) {
    throw LinkError.of(
      new LinkInvalidInputError({
        record: "InvoiceSourceSettings",
        field: "exact",
        message: `the ${settings.kind} source needs an Exact Online client`
      })
    )
  }
  return settings.kind === "sales"
    ? exactSalesSource(deps.exact, settings, clock)
    : exactPurchaseSource(deps.exact, settings, clock)
}
