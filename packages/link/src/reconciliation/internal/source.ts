/**
 * An invoice source in both shapes: the link's readers are Effects, the public `InvoiceSource` a
 * host implements is promises. Each is derived from the other here, with the interrupt carried as
 * the `signal` either way, so there is one implementation of every source.
 */
import type { InvoiceLine } from "@psa-ledger/reconcile-core"
import type { Effect } from "effect"
import { fromPromise, runLink } from "../../internal/bridge.ts"
import type { LinkError } from "../../LinkError.ts"
import type { InvoiceMonth, InvoiceSource, OnProgress } from "../InvoiceSource.ts"

/** An invoice source as Effects. */
export interface SourceReader {
  readonly kind: string
  months(): Effect.Effect<ReadonlyArray<InvoiceMonth>, LinkError>
  lines(
    month: InvoiceMonth,
    options?: { readonly onProgress?: OnProgress | undefined }
  ): Effect.Effect<Array<InvoiceLine>, LinkError>
}

/** The promise face of a reader: aborting a call's `signal` interrupts its Effect. */
export const sourceFace = (reader: SourceReader): InvoiceSource => ({
  kind: reader.kind,
  months: (options) => runLink(`${reader.kind}.months`, reader.months(), options?.signal),
  lines: (month, options) =>
    runLink(
      `${reader.kind}.lines`,
      reader.lines(month, options?.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      options?.signal
    )
})

/** Any `InvoiceSource` as a reader: interrupting the Effect aborts the signal it hands the source. */
export const readerOf = (source: InvoiceSource): SourceReader => ({
  kind: source.kind,
  months: () => fromPromise(`${source.kind}.months`, (signal) => source.months({ signal })),
  lines: (month, options) =>
    fromPromise(`${source.kind}.lines`, (signal) => source.lines(month, { onProgress: options?.onProgress, signal }))
})
