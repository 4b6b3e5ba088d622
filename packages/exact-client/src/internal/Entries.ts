/**
 * Sales entries and documents: the writes of flow B's default booking. A sales entry books the
 * receivable directly, with the number the customer knows; its PDF is stored as a document with
 * an attachment, linked to the entry.
 */

import type { ExactClient } from "../ExactClient.ts"
import { isGuid, odata } from "../OData.ts"
import { SalesEntry } from "../Records.ts"
import { decodeRecord, listAll } from "./Paging.ts"
import { decimal, post, postOnce, refuse, type Writer } from "./Writes.ts"

const endpoint = "salesentry/SalesEntries"
/** Exact's EntryNumber is an Edm.Int32. */
const MAX_ENTRY_NUMBER = 2_147_483_647

/** Creates a sales entry at most once (see `ExactClient.createSalesEntry`). */
export const createSalesEntry = async (
  writer: Writer,
  ...[entry, options]: Parameters<ExactClient["createSalesEntry"]>
): ReturnType<ExactClient["createSalesEntry"]> => {
  const { yourRef, signal } = options
  const problems: Array<string> = []
  if (yourRef.trim() === "") problems.push("yourRef must not be empty: it is how a retry finds the entry")
  if (!isGuid(entry.Customer)) problems.push("Customer must be an account GUID")
  if (entry.Journal.trim() === "") problems.push("Journal must not be empty")
  if (
    entry.EntryNumber !== undefined &&
    !(Number.isSafeInteger(entry.EntryNumber) && entry.EntryNumber > 0 && entry.EntryNumber <= MAX_ENTRY_NUMBER)
  ) {
    problems.push(`EntryNumber ${entry.EntryNumber} is not a positive 32-bit integer`)
  }
  if (entry.SalesEntryLines.length === 0) problems.push("SalesEntryLines must not be empty")
  entry.SalesEntryLines.forEach((line, index) => {
    if (!isGuid(line.GLAccount)) problems.push(`SalesEntryLines[${index}].GLAccount must be a GL account GUID`)
  })
  if (problems.length > 0) throw refuse(endpoint, problems)
  const division = await writer.division(options.division, signal)
  const find = async (): Promise<SalesEntry | undefined> => {
    const filter =
      entry.EntryNumber === undefined
        ? odata.and(odata.eq("Journal", entry.Journal), odata.eq("YourRef", yourRef))
        : odata.and(odata.eq("Journal", entry.Journal), odata.eq("EntryNumber", entry.EntryNumber))
    const [found] = await listAll(writer, endpoint, { filter, schema: SalesEntry, division, signal })
    return found
  }
  if (options.lookupFirst !== false) {
    const existing = await find()
    if (existing !== undefined && existing.YourRef?.trim() === yourRef.trim())
      return { entry: existing, created: false }
  }
  const at = (index: number, field: string) => `SalesEntryLines[${index}].${field}`
  const body = {
    ...entry,
    YourRef: yourRef,
    ...(entry.Rate === undefined ? {} : { Rate: decimal(entry.Rate, "Rate", endpoint) }),
    SalesEntryLines: entry.SalesEntryLines.map((line, index) => ({
      ...line,
      AmountFC: decimal(line.AmountFC, at(index, "AmountFC"), endpoint),
      VATAmountFC: decimal(line.VATAmountFC, at(index, "VATAmountFC"), endpoint),
      Quantity: decimal(line.Quantity, at(index, "Quantity"), endpoint)
    }))
  }
  const attempt = async () => {
    const created = await post(writer, `/v1/{division}/${endpoint}`, division, body, signal)
    const record = decodeRecord(SalesEntry, created.d as Record<string, unknown>, endpoint)
    writer.log("info", "exact: sales entry created", { yourRef, entryId: record.EntryID })
    return { entry: record, created: true }
  }
  const landed = async () => {
    const found = await find()
    return found !== undefined && found.YourRef?.trim() === yourRef.trim() ? { entry: found, created: true } : undefined
  }
  return postOnce(writer, { name: "sales-entry", endpoint }, attempt, landed, signal)
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64")

/**
 * Stores a file as a document: the document record, then its attachment. After an ambiguous
 * failure (timeout, 5xx, a cut answer) each POST looks for what it would have made before trying
 * again: the document by its booking (`FinancialTransactionEntryID`) and subject, the attachment by
 * its document. A document linked to no booking has nothing to be found by, so its POST is not
 * retried after an ambiguous failure; the caller decides.
 */
export const attachDocument = async (
  writer: Writer,
  ...[document, options = {}]: Parameters<ExactClient["attachDocument"]>
): ReturnType<ExactClient["attachDocument"]> => {
  const signal = options.signal
  if (document.Subject.trim() === "") throw refuse("documents/Documents", ["Subject must not be empty"])
  if (document.bytes.length === 0) throw refuse("documents/DocumentAttachments", ["the file is empty"])
  const booking = document.FinancialTransactionEntryID
  if (booking !== undefined && !isGuid(booking)) {
    throw refuse("documents/Documents", ["FinancialTransactionEntryID must be a booking GUID"])
  }
  const division = await writer.division(options.division, signal)
  const { fileName, bytes, ...fields } = document
  const idOf = (record: Record<string, unknown>): string => {
    if (typeof record.ID !== "string") throw refuse("documents/Documents", ["Exact answered without a document ID"])
    return record.ID
  }
  const createDocument = async (): Promise<string> => {
    const posted = async () =>
      idOf(
        (await post(writer, "/v1/{division}/documents/Documents", division, fields, signal)).d as Record<
          string,
          unknown
        >
      )
    if (booking === undefined) return posted()
    const landed = async () => {
      const found = await listAll<Record<string, unknown>>(writer, "documents/Documents", {
        filter: odata.and(
          odata.eq("FinancialTransactionEntryID", odata.guid(booking)),
          odata.eq("Subject", document.Subject)
        ),
        select: ["ID"],
        division,
        signal
      })
      return found[0] === undefined ? undefined : idOf(found[0])
    }
    return postOnce(writer, { name: "document", endpoint: "documents/Documents" }, posted, landed, signal)
  }
  const documentId = options.document ?? (await createDocument())
  const attach = async () => {
    const attached = await post(
      writer,
      "/v1/{division}/documents/DocumentAttachments",
      division,
      { Document: documentId, FileName: fileName, Attachment: base64(bytes) },
      signal
    )
    const attachmentId = (attached.d as { ID?: unknown }).ID
    return typeof attachmentId === "string" ? attachmentId : ""
  }
  const landed = async () => {
    const [found] = await listAll<Record<string, unknown>>(writer, "documents/DocumentAttachments", {
      filter: odata.eq("Document", odata.guid(documentId)),
      select: ["ID"],
      division,
      signal
    })
    return found === undefined ? undefined : typeof found.ID === "string" ? found.ID : ""
  }
  const attachmentId = await postOnce(
    writer,
    { name: "document attachment", endpoint: "documents/DocumentAttachments" },
    attach,
    landed,
    signal
  )
  return { documentId, attachmentId }
}
