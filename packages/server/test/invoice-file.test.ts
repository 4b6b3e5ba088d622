// A link whose month's invoice is a CSV export: the file is uploaded over HTTP, previewed with the
// columns before the settings are saved, and every load reads the newest upload.
import { describe, expect, it } from "vitest"
import { client, connectedLink, openWorld, until } from "./support.ts"

const columns = { customerKey: "klant", productKey: "artikel", quantity: "aantal", unitCost: "prijs", month: "datum" }
// Windows-1252 bytes, as an accountancy export writes them (é is 0xE9).
const csv = Buffer.concat([
  Buffer.from("Klant;Artikel;Aantal;Prijs;Datum\r\nCaf"),
  Buffer.from([0xe9]),
  Buffer.from(";BP;1,5;18,70;2026-03-05\r\nBeta;BP;2;18,70;2026-03-06\r\nBeta;RMM;3;4,10;2026-02-02\r\n")
])
const source = { kind: "csv", columns, encoding: "windows-1252" }

const csvLink = async () => {
  const w = await openWorld()
  const ann = await connectedLink(w)
  const link = (await ann.get("/links/acme")).body
  const { privateKey: _p, ...connectwise } = link.config.connectwise
  const { clientSecret: _c, ...exact } = link.config.exact
  const put = await ann.put("/links/acme", {
    version: link.version,
    config: { ...link.config, connectwise, exact, source }
  })
  expect(put.status).toBe(200)
  const fin = client(w.server)
  await fin.signIn("fin")
  const vic = client(w.server)
  await vic.signIn("vic")
  return { w, ann, fin, vic }
}

describe("a CSV-source link's invoice file over HTTP", () => {
  it("previews the columns, uploads the file, lists its months and loads a month from it", async () => {
    const { fin, vic } = await csvLink()
    const content = csv.toString("base64")
    expect((await fin.get("/links/acme/invoice-file")).status).toBe(404)

    // The preview names a column the file lacks, and shows the file as the columns read it.
    const wrong = await fin.post("/links/acme/invoice-file/preview", {
      content,
      source: { ...source, columns: { ...columns, unitCost: "kostprijs" } }
    })
    expect([wrong.status, wrong.body.error.field]).toEqual([400, "columns.unitCost"])
    expect(wrong.body.error.message).toContain("kostprijs")
    const preview = await fin.post("/links/acme/invoice-file/preview", { content, source })
    expect(preview.status).toBe(200)
    expect(preview.body).toMatchObject({
      header: ["Klant", "Artikel", "Aantal", "Prijs", "Datum"],
      months: ["2026-03", "2026-02"],
      month: "2026-03",
      lineCount: 2
    })
    expect(
      preview.body.lines.map((l: { customer: { key: string }; quantity: string }) => [l.customer.key, l.quantity])
    ).toEqual([
      ["Café", "1.5"],
      ["Beta", "2"]
    ])

    // A viewer may not upload; finance may. The file comes back as it was sent.
    expect((await vic.put("/links/acme/invoice-file", { name: "maart.csv", content })).status).toBe(403)
    const uploaded = await fin.put("/links/acme/invoice-file", { name: "maart.csv", content })
    expect(uploaded.status).toBe(200)
    expect(uploaded.body).toMatchObject({ linkId: "acme", name: "maart.csv", uploadedBy: "fin", bytes: csv.length })
    expect((await vic.get("/links/acme/invoice-file")).body).toEqual(uploaded.body)
    expect(
      (await fin.put("/links/acme/invoice-file", { name: "x.csv", content: "not base64!" })).body.error.field
    ).toBe("content")

    // The months are the file's; a month loads its lines.
    expect((await fin.get("/links/acme/months")).body.months).toEqual(["2026-03", "2026-02"])
    await fin.post("/links/acme/months/2026-03/load")
    await until(async () => (await fin.get("/links/acme/months/2026-03")).body.state !== "loading", "the month")
    expect((await fin.get("/links/acme/months/2026-03")).body.state).toBe("ready")
    const grid = (await fin.get("/links/acme/months/2026-03/grid?limit=100")).body
    const invoiceRows = grid.rows.filter((r: { row: { origin: string } }) => r.row.origin === "invoice")
    expect(invoiceRows.map((r: { row: { customer: { key: string } } }) => r.row.customer.key).sort()).toEqual([
      "Beta",
      "Café"
    ])
    // With the file stored, the preview reads it when none is sent.
    expect((await fin.post("/links/acme/invoice-file/preview", { source })).body.lineCount).toBe(2)
  })

  it("refuses an upload for a link whose invoice comes from Exact, naming why", async () => {
    const w = await openWorld()
    await connectedLink(w)
    const fin = client(w.server)
    await fin.signIn("fin")
    const refused = await fin.put("/links/acme/invoice-file", { name: "x.csv", content: csv.toString("base64") })
    expect([refused.status, refused.body.error.field]).toEqual([400, "linkId"])
    expect((await fin.post("/links/acme/invoice-file/preview", { source })).body.error.field).toBe("content")
    // A 20 MB export is past the default body limit but within the upload's own: it is read (and
    // refused for the link's source), not cut off with a 413.
    const big = Buffer.alloc(20 * 1024 * 1024, 0x3b).toString("base64")
    const read = await fin.put("/links/acme/invoice-file", { name: "big.csv", content: big })
    expect([read.status, read.body.error.field]).toEqual([400, "linkId"])
  })
})
