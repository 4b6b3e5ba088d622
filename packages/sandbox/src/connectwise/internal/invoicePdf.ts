/**
 * The PDF ConnectWise renders for an invoice, reduced to what a test can check: a valid one-page
 * PDF whose text names the invoice number and total, so the bytes attached in Exact can be traced
 * back to the invoice they came from.
 */
import type { ConnectWiseRecord } from "../Simulation.ts"

const escapePdfText = (text: string) => text.replace(/[\\()]/g, (c) => `\\${c}`)

/** The invoice as a minimal PDF 1.4 document (a page with one line of text). */
export const renderInvoicePdf = (invoice: ConnectWiseRecord): Uint8Array<ArrayBuffer> => {
  const line = escapePdfText(
    `Invoice ${String(invoice.invoiceNumber ?? invoice.id)} total ${String(invoice.total ?? "")}`
  )
  const stream = `BT /F1 12 Tf 72 720 Td (${line}) Tj ET`
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
  ]
  let body = "%PDF-1.4\n"
  const offsets: Array<number> = []
  objects.forEach((object, index) => {
    offsets.push(body.length)
    body += `${index + 1} 0 obj\n${object}\nendobj\n`
  })
  const xref = body.length
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const offset of offsets) body += `${String(offset).padStart(10, "0")} 00000 n \n`
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return new TextEncoder().encode(body)
}
