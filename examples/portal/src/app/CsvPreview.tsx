// "Try the columns on a file": what the link's CSV settings, as the form has them now (not saved
// yet), make of an export. The server reads it the way a load does, so a column the file lacks is
// named here, before the first month is loaded.
import { useState } from "react"
import { api, problem, type Schemas } from "./api.ts"
import { formatDecimal, formatMonth } from "./format.ts"
import { base64Of } from "./InvoiceFile.tsx"
import { type Draft, sourceOf } from "./linkDraft.ts"

type Preview = Schemas["CsvPreview"]

/** The file's columns and first lines as the CSV settings read them, or what is wrong with them. */
export const CsvPreview = ({ linkId, draft }: { readonly linkId: string; readonly draft: Draft }) => {
  const [preview, setPreview] = useState<Preview | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [file, setFile] = useState<File | undefined>(undefined)

  const read = async (picked: File | undefined) => {
    setError(undefined)
    setPreview(undefined)
    if (picked === undefined) return
    const {
      data,
      error: e,
      response
    } = await api.POST("/links/{linkId}/invoice-file/preview", {
      params: { path: { linkId } },
      body: { source: sourceOf(draft) as never, content: await base64Of(picked) }
    })
    if (data === undefined) setError(problem(e, response.status))
    else setPreview(data)
  }

  return (
    <section className="csv-preview" aria-label="Try the columns on a file">
      <label>
        Try the columns on an export{" "}
        <input
          type="file"
          accept=".csv,.txt,text/csv"
          onChange={(e) => {
            const picked = e.target.files?.[0]
            setFile(picked)
            void read(picked)
          }}
        />
      </label>
      {file !== undefined && (
        <button type="button" onClick={() => void read(file)}>
          Read it again with these columns
        </button>
      )}
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {preview !== undefined && (
        <div data-testid="csv-preview">
          <p>Columns in the file: {preview.header.length === 0 ? "none (no header row)" : preview.header.join(", ")}</p>
          <p>
            {preview.months.length === 0
              ? "No month found: name the date column, or every row counts for the month you load."
              : `Months: ${preview.months.map((m) => formatMonth(m)).join(", ")}. ${preview.lineCount} lines in ${formatMonth(preview.month ?? "")}; the first ones:`}
          </p>
          {preview.lines.length > 0 && (
            <table className="results">
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Product</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Unit cost</th>
                  <th scope="col">Problems</th>
                </tr>
              </thead>
              <tbody>
                {preview.lines.map((line) => (
                  <tr key={line.id}>
                    <td>{[line.customer.key, line.customer.name].filter((x) => x !== "").join(" · ")}</td>
                    <td>{[line.product.key, line.product.description].filter((x) => x !== "").join(" · ")}</td>
                    <td>{formatDecimal(line.quantity)}</td>
                    <td>{formatDecimal(line.unitCost, 2)}</td>
                    <td>{(line.issues ?? []).map((i) => `${i.field}: ${i.message}`).join("; ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  )
}
