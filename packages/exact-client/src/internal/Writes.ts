/**
 * Writes that happen at most once. Exact has no idempotency key, so after an ambiguous failure
 * (timeout, 5xx, dropped connection) each write looks for what it would have made before retrying.
 */

import type { ExactClock } from "../Clock.ts"
import type { DecimalInput, ExactClient } from "../ExactClient.ts"
import { ExactError, ExactValidationError } from "../ExactError.ts"
import { isGuid, odata, toExactJson } from "../OData.ts"
import { Account, SalesInvoice } from "../Records.ts"
import { sleep } from "./Abort.ts"
import { decodeRecord, listAll, parseEnvelope, type Reader, withSignal } from "./Paging.ts"
import type { Log } from "./Redaction.ts"

/** What writing needs from the client. */
export interface Writer extends Reader {
  readonly clock: ExactClock
  readonly log: Log
}

type PostRoute =
  | "/v1/{division}/salesinvoice/SalesInvoices"
  | "/v1/{division}/salesentry/SalesEntries"
  | "/v1/{division}/documents/Documents"
  | "/v1/{division}/documents/DocumentAttachments"
  | "/v1/{division}/salesinvoice/PrintedSalesInvoices"
  | "/v1/{division}/crm/Accounts"

/** POSTs a body through the typed api and reads the created record's envelope. */
export const post = async (
  writer: Writer,
  route: PostRoute,
  division: number,
  body: unknown,
  signal: AbortSignal | undefined
): Promise<Record<string, unknown>> => {
  const { data } = await writer.api.POST(route, {
    params: { path: { division } },
    // The body holds odata.decimal literals and Dates that toExactJson writes digit for digit; the
    // generated type knows only their JSON form.
    body: body as never,
    bodySerializer: toExactJson,
    parseAs: "text",
    ...withSignal(signal)
  })
  return parseEnvelope(data, route.slice("/v1/{division}/".length))
}

// A 2xx whose body is cut short or is not the envelope (`DecodeError`) is ambiguous too: Exact may
// well have made the record, so it is looked for before any retry.
const ambiguous = (error: unknown) =>
  error instanceof ExactError &&
  (error.reason._tag === "TimeoutError" ||
    error.reason._tag === "ServerError" ||
    error.reason._tag === "TransportError" ||
    error.reason._tag === "DecodeError")

/**
 * POSTs, and after an ambiguous failure looks for what the POST would have made before trying
 * again: the lookup is the only way to retry a write without doubling it. Gives up after three
 * attempts with the last error.
 */
export const postOnce = async <A>(
  writer: Writer,
  what: { readonly name: string; readonly endpoint: string },
  attempt: () => Promise<A>,
  landed: () => Promise<A | undefined>,
  signal: AbortSignal | undefined
): Promise<A> => {
  let lastError: unknown
  for (let tries = 0; tries < 3; tries++) {
    if (tries > 0) await sleep(writer.clock, 500 * 2 ** tries, signal, { method: "POST", endpoint: what.endpoint })
    try {
      return await attempt()
    } catch (error) {
      if (!ambiguous(error)) throw error
      lastError = error
      writer.log("warn", `exact: ${what.name} POST ended ambiguously; looking before any retry`, { attempt: tries + 1 })
      const found = await landed()
      if (found !== undefined) return found
    }
  }
  throw lastError
}

export const refuse = (endpoint: string, problems: ReadonlyArray<string>): ExactError =>
  new ExactError({
    reason: new ExactValidationError({ message: problems.join("\n"), messages: [...problems] }),
    method: "POST",
    endpoint
  })

export const decimal = (value: DecimalInput | undefined, field: string, endpoint = "salesinvoice/SalesInvoices") => {
  if (value === undefined) return undefined
  const literal = typeof value === "string" ? value : value.value
  if (!/^-?\d+(\.\d+)?$/.test(literal)) {
    throw new ExactError({
      reason: new ExactValidationError({
        message: `${field} is not a decimal: ${JSON.stringify(literal)}`,
        messages: [`${field} is not a decimal`]
      }),
      method: "POST",
      endpoint
    })
  }
  return odata.decimal(literal)
}

/** The sales invoice with this `YourRef` (lines expanded), if any. */
export const findSalesInvoiceByYourRef = async (
  writer: Writer,
  ...[yourRef, options = {}]: Parameters<ExactClient["findSalesInvoiceByYourRef"]>
): Promise<SalesInvoice | undefined> => {
  const found = await listAll(writer, "salesinvoice/SalesInvoices", {
    filter: odata.eq("YourRef", yourRef),
    expand: ["SalesInvoiceLines"],
    schema: SalesInvoice,
    signal: options.signal,
    ...(options.division === undefined ? {} : { division: options.division })
  })
  if (found.length > 1)
    writer.log("warn", "exact: more than one sales invoice has this YourRef", { yourRef, count: found.length })
  return found[0]
}

/** Creates a sales invoice at most once per `yourRef`. */
export const createSalesInvoice = async (
  writer: Writer,
  ...[invoice, options]: Parameters<ExactClient["createSalesInvoice"]>
): ReturnType<ExactClient["createSalesInvoice"]> => {
  const { yourRef, signal } = options
  const endpoint = "salesinvoice/SalesInvoices"
  const problems: Array<string> = []
  if (yourRef.trim() === "") problems.push("yourRef must not be empty: it is what makes creation idempotent")
  if (!isGuid(invoice.OrderedBy)) problems.push("OrderedBy must be an account GUID")
  if (invoice.SalesInvoiceLines.length === 0) problems.push("SalesInvoiceLines must not be empty")
  invoice.SalesInvoiceLines.forEach((line, index) => {
    if (!isGuid(line.Item)) problems.push(`SalesInvoiceLines[${index}].Item must be an item GUID`)
  })
  if (problems.length > 0) throw refuse(endpoint, problems)
  const division = await writer.division(options.division, signal)
  if (options.lookupFirst !== false) {
    const existing = await findSalesInvoiceByYourRef(writer, yourRef, { division, signal })
    if (existing) return { invoice: existing, created: false }
  }
  const body = {
    ...invoice,
    YourRef: yourRef,
    SalesInvoiceLines: invoice.SalesInvoiceLines.map((line, index) => ({
      ...line,
      Quantity: decimal(line.Quantity, `SalesInvoiceLines[${index}].Quantity`),
      NetPrice: decimal(line.NetPrice, `SalesInvoiceLines[${index}].NetPrice`),
      UnitPrice: decimal(line.UnitPrice, `SalesInvoiceLines[${index}].UnitPrice`),
      AmountFC: decimal(line.AmountFC, `SalesInvoiceLines[${index}].AmountFC`),
      VATAmountFC: decimal(line.VATAmountFC, `SalesInvoiceLines[${index}].VATAmountFC`)
    }))
  }
  const attempt = async () => {
    const created = await post(writer, `/v1/{division}/${endpoint}`, division, body, signal)
    const record = decodeRecord(SalesInvoice, created.d as Record<string, unknown>, endpoint)
    writer.log("info", "exact: sales invoice created", { yourRef, invoiceId: record.InvoiceID })
    return { invoice: record, created: true }
  }
  const landed = async () => {
    const found = await findSalesInvoiceByYourRef(writer, yourRef, { division, signal })
    return found ? { invoice: found, created: true } : undefined
  }
  return postOnce(writer, { name: "sales-invoice", endpoint }, attempt, landed, signal)
}

/** Processes (prints) a sales invoice at most once. */
export const processSalesInvoice = async (
  writer: Writer,
  ...[invoiceId, options = {}]: Parameters<ExactClient["processSalesInvoice"]>
): ReturnType<ExactClient["processSalesInvoice"]> => {
  const endpoint = "salesinvoice/PrintedSalesInvoices"
  if (!isGuid(invoiceId)) throw refuse(endpoint, ["InvoiceID must be a GUID"])
  const signal = options.signal
  const division = await writer.division(options.division, signal)
  const printed = async () => {
    const [invoice] = await listAll(writer, "salesinvoice/SalesInvoices", {
      filter: odata.eq("InvoiceID", odata.guid(invoiceId)),
      select: ["InvoiceID", "InvoiceNumber", "Status"],
      schema: SalesInvoice,
      division,
      signal
    })
    return invoice
  }
  const attempt = async () => {
    await post(
      writer,
      `/v1/{division}/${endpoint}`,
      division,
      {
        InvoiceID: invoiceId,
        ...(options.invoiceDate ? { InvoiceDate: options.invoiceDate } : {}),
        ...(options.sendEmailToCustomer === undefined ? {} : { SendEmailToCustomer: options.sendEmailToCustomer })
      },
      signal
    )
    // A print that Exact accepted has processed the invoice (status 50). The number it assigned
    // is not in the answer; readers take it from SalesInvoices (bulk, with the next run's reads).
    return { InvoiceID: invoiceId, InvoiceNumber: undefined, Status: 50 }
  }
  const landed = async () => {
    // Printing is what turns the invoice into status 50: if it is, the print landed.
    const invoice = await printed()
    return invoice?.Status === 50
      ? { InvoiceID: invoiceId, InvoiceNumber: invoice.InvoiceNumber ?? undefined, Status: 50 }
      : undefined
  }
  return postOnce(writer, { name: "print", endpoint }, attempt, landed, signal)
}

/** Creates a customer account; at most once when it has a `Code` to look it up by. */
export const createAccount = async (
  writer: Writer,
  ...[account, options = {}]: Parameters<ExactClient["createAccount"]>
): Promise<Account> => {
  const signal = options.signal
  const division = await writer.division(options.division, signal)
  const attempt = async () => {
    const answer = await post(writer, "/v1/{division}/crm/Accounts", division, account, signal)
    return decodeRecord(Account, answer.d as Record<string, unknown>, "crm/Accounts")
  }
  const code = account.Code
  // Without a code there is nothing to look an account up by, so an ambiguous POST is not retried.
  if (code === undefined || code.trim() === "") return attempt()
  const landed = async () => {
    const [found] = await listAll(writer, "crm/Accounts", {
      // Exact keeps account codes right-aligned in 18 characters.
      filter: odata.eq("Code", code.trim().padStart(18, " ")),
      schema: Account,
      select: ["ID", "Code", "Name"],
      division,
      signal
    })
    return found
  }
  return postOnce(writer, { name: "account", endpoint: "crm/Accounts" }, attempt, landed, signal)
}
