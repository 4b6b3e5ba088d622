import { CsvSourceSettings, previewCsv } from "@psa-ledger/link"
import { InvoiceLine } from "@psa-ledger/reconcile-core"
import { INVOICE_FILE_MAX_BYTES, InvoiceFileHead } from "@psa-ledger/storage-adapters"
import { Option, Schema } from "effect"
import { ApiError, badRequest, notFound } from "../ApiError.ts"
import { route } from "../internal/route.ts"
import { LinkParams, Text } from "../internal/schemas.ts"
import { store } from "../internal/session.ts"

// The largest file, base64 (4 bytes per 3), with room for the name, the settings and the JSON.
const UPLOAD_BODY_LIMIT_BYTES = Math.ceil(INVOICE_FILE_MAX_BYTES / 3) * 4 + 64 * 1024

const Base64 = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9+/]*={0,2}$/, { expected: "the file's bytes, base64" }))

const Upload = Schema.Struct({
  /** The file's name as the person picked it (shown with the month, never a path). */
  name: Text,
  content: Base64
})

const CsvPreview = Schema.Struct({
  /** The file's first row, as the columns can be named. */
  header: Schema.Array(Schema.String),
  /** The months it holds, newest first. */
  months: Schema.Array(Schema.String),
  /** The month the lines are of (the newest). */
  month: Schema.optionalKey(Schema.String),
  lineCount: Schema.Int,
  /** Its first ten lines as a load reads them, each with its issues. */
  lines: Schema.Array(InvoiceLine)
}).annotate({ identifier: "CsvPreview" })

/** The bytes of a base64 upload, refused past the stored file's limit. */
const bytesOf = (content: string): Buffer => {
  const bytes = Buffer.from(content, "base64")
  if (bytes.length > INVOICE_FILE_MAX_BYTES) {
    throw new ApiError(413, "TooLarge", `the file is over ${INVOICE_FILE_MAX_BYTES / 1024 / 1024} MB`, {
      field: "content"
    })
  }
  return bytes
}

/**
 * A CSV-source link's invoice file: upload it (each load reads the newest), see which is stored,
 * and preview what the link's columns make of a file before the settings are saved.
 */
export const invoiceFileRoutes = [
  route({
    method: "get",
    path: "/links/{linkId}/invoice-file",
    operationId: "getInvoiceFile",
    summary:
      "The invoice file a CSV-source link loads its months from: name, size, who uploaded it and when (404 before the first upload)",
    tag: "reconciliation",
    access: "viewer",
    params: LinkParams,
    response: InvoiceFileHead,
    handle: async ({ server, params }) => {
      const head = await store(server.storage.invoiceFiles.head(params.linkId))
      if (Option.isNone(head)) throw notFound("no invoice file is uploaded for this link")
      return head.value
    }
  }),
  route({
    method: "put",
    path: "/links/{linkId}/invoice-file",
    operationId: "uploadInvoiceFile",
    summary:
      "Uploads the CSV export a CSV-source link loads its months from (base64, at most 25 MB), replacing the one before; load the month again to see it",
    tag: "reconciliation",
    access: "finance",
    params: LinkParams,
    body: Upload,
    maxBodyBytes: UPLOAD_BODY_LIMIT_BYTES,
    response: InvoiceFileHead,
    handle: async ({ server, params, body, principal }) => {
      const bytes = bytesOf(body.content)
      const link = await server.deployment.links.get(params.linkId)
      if (link?.config.source?.kind !== "csv") {
        throw badRequest(
          "linkId",
          "this link's invoice comes from Exact Online, not from a file: change its source first"
        )
      }
      const head = await store(
        server.storage.invoiceFiles.put({
          linkId: params.linkId,
          name: body.name,
          uploadedAt: server.now(),
          uploadedBy: principal.user,
          bytes: bytes.length,
          content: body.content
        })
      )
      await store(
        server.storage.approvals.append(params.linkId, {
          at: server.now(),
          actor: principal.user,
          action: "invoice-file.upload",
          changes: { name: head.name, bytes: head.bytes }
        })
      )
      return head
    }
  }),
  route({
    method: "post",
    path: "/links/{linkId}/invoice-file/preview",
    operationId: "previewInvoiceFile",
    summary:
      "What CSV settings make of a file (the one sent, else the stored one): its header, months and first lines as a load reads them; 400 naming the column the file lacks",
    tag: "reconciliation",
    access: "finance",
    params: LinkParams,
    body: Schema.Struct({ source: CsvSourceSettings, content: Schema.optionalKey(Base64) }),
    maxBodyBytes: UPLOAD_BODY_LIMIT_BYTES,
    response: CsvPreview,
    handle: async ({ server, params, body }) => {
      let bytes: Uint8Array
      if (body.content !== undefined) bytes = bytesOf(body.content)
      else {
        const stored = await store(server.storage.invoiceFiles.get(params.linkId))
        if (Option.isNone(stored)) throw badRequest("content", "send a file: none is uploaded for this link yet")
        bytes = Buffer.from(stored.value.content, "base64")
      }
      const preview = await previewCsv(bytes, body.source)
      return { ...preview, ...(preview.month === undefined ? {} : { month: preview.month }) }
    }
  })
]
