/**
 * Whether bytes are a whole PDF: it starts `%PDF-` and ends `%%EOF` (PDF 32000-1 §7.5.5; readers
 * look for the marker in the last 1024 bytes, as trailing line ends or padding may follow). A body
 * cut short mid-way has no end marker, so it is not attached as if it were the invoice.
 */
export const isWholePdf = (bytes: Uint8Array): boolean => {
  const head = Buffer.from(bytes.subarray(0, 5)).toString("latin1")
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 1024))).toString("latin1")
  return head === "%PDF-" && tail.includes("%%EOF")
}
