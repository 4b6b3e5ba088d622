// The invoice file of a link whose month's invoice is a CSV export: which one is stored, and an
// upload that replaces it (every process's next load reads the new one).
import { useCallback, useEffect, useState } from "react"
import { api, problem, type Schemas } from "./api.ts"
import { formatDateTime } from "./format.ts"

type Head = Schemas["InvoiceFileHead"]

/** A picked file's bytes as base64, as the API takes them. */
export const base64Of = async (file: File): Promise<string> => {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let binary = ""
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

const sizeOf = (bytes: number) =>
  bytes < 1024
    ? `${bytes} bytes`
    : bytes < 1024 * 1024
      ? `${Math.round(bytes / 1024)} kB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`

/**
 * For a CSV-source link: the stored file (name, size, who uploaded it when) and "Upload the invoice
 * file…"; nothing for a link whose invoice comes from Exact Online.
 */
export const InvoiceFileBar = (props: {
  readonly linkId: string
  readonly canUpload: boolean
  readonly onUploaded: () => void
}) => {
  const [csv, setCsv] = useState(false)
  const [head, setHead] = useState<Head | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)

  const readHead = useCallback(async () => {
    const { data } = await api.GET("/links/{linkId}/invoice-file", { params: { path: { linkId: props.linkId } } })
    setHead(data)
  }, [props.linkId])

  useEffect(() => {
    void api.GET("/links/{linkId}", { params: { path: { linkId: props.linkId } } }).then(({ data }) => {
      const kind = (data?.config as { source?: { kind?: unknown } } | undefined)?.source?.kind
      setCsv(kind === "csv")
      if (kind === "csv") void readHead()
    })
  }, [props.linkId, readHead])

  if (!csv) return null
  const upload = async (file: File) => {
    setError(undefined)
    setBusy(true)
    const {
      data,
      error: e,
      response
    } = await api.PUT("/links/{linkId}/invoice-file", {
      params: { path: { linkId: props.linkId } },
      body: { name: file.name, content: await base64Of(file) }
    })
    setBusy(false)
    if (data === undefined) return setError(problem(e, response.status))
    setHead(data)
    props.onUploaded()
  }
  return (
    <section className="invoice-file toolbar" aria-label="Invoice file">
      <span data-testid="invoice-file">
        {head === undefined
          ? "No invoice file yet: upload the month's CSV export."
          : `Invoice file: ${head.name} (${sizeOf(head.bytes)}), uploaded by ${head.uploadedBy} on ${formatDateTime(new Date(head.uploadedAt).toISOString())}`}
      </span>
      {props.canUpload && (
        <label>
          {head === undefined ? "Upload the invoice file" : "Upload a new invoice file"}{" "}
          <input
            type="file"
            accept=".csv,.txt,text/csv"
            disabled={busy}
            onChange={(e) => {
              const picked = e.target.files?.[0]
              if (picked !== undefined) void upload(picked)
            }}
          />
        </label>
      )}
      {error !== undefined && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </section>
  )
}
