import { BigDecimal } from "effect"
import { describe, expect, it } from "vitest"
import { csvSource, guessDelimiter, parseCsv, previewCsv, readCsvNumber } from "../../src/reconciliation/Csv.ts"
import { CsvSourceSettings } from "../../src/reconciliation/index.ts"

describe("parseCsv", () => {
  it("reads quoted fields with delimiters, doubled quotes and line breaks inside, CRLF, a BOM and no final newline", () => {
    const text = '\ufeffklant;product;aantal\r\n"Acme; BV";"BP ""plus""";"1,5"\r\n"Multi\nline";X;2'
    expect(parseCsv(text, ";")).toEqual({
      rows: [
        ["klant", "product", "aantal"],
        ["Acme; BV", 'BP "plus"', "1,5"],
        ["Multi\nline", "X", "2"]
      ],
      problems: []
    })
  })
  it("skips blank lines, keeps empty fields and reports an unclosed quote", () => {
    expect(parseCsv("a,b\n\n1,\n", ",").rows).toEqual([
      ["a", "b"],
      ["1", ""]
    ])
    expect(parseCsv('a,"b\n', ",").problems).toHaveLength(1)
  })
  it("guesses the delimiter from the header line, ignoring quoted ones", () => {
    expect(guessDelimiter('"a,b";c;d\n1,2,3,4,5')).toBe(";")
    expect(guessDelimiter("a\tb\tc")).toBe("\t")
    expect(guessDelimiter("a,b")).toBe(",")
  })
})

describe("readCsvNumber", () => {
  it.each([
    ["1.234,56", true, "1234.56"],
    ["1,5", true, "1.5"],
    ["€ 18,70", true, "18.70"],
    ["(3,00)", true, "-3.00"],
    ["-2", true, "-2"],
    ["1,234.56", false, "1234.56"],
    ["12 st", true, undefined],
    ["1.2,3", true, undefined],
    ["", true, undefined]
  ])("%s (decimal comma %s) → %s", (raw, comma, expected) => {
    expect(readCsvNumber(raw, comma)).toBe(expected)
  })
})

describe("csvSource", () => {
  const text = [
    "Klantnr;Klant;SKU;Omschrijving;Aantal;Kostprijs;Datum",
    "C100;Acme;BP;M365 BP;10;18,70;01-11-2026",
    "C100;Acme;BACKUP;Backup;twaalf;5,00;2026-11-01",
    "C200;Globex;BP;M365 BP;1.000;18,70;2026-10-01",
    "C300;Initech;BP;M365 BP;2;18,70;gisteren"
  ].join("\n")
  const settings = new CsvSourceSettings({
    kind: "csv",
    currency: "EUR",
    columns: {
      customerKey: "Klantnr",
      customerName: "Klant",
      productKey: "SKU",
      productDescription: "Omschrijving",
      quantity: "Aantal",
      unitCost: "Kostprijs",
      month: "Datum"
    }
  })
  const source = csvSource(() => text, settings)

  it("lists the months of the rows, newest first", async () => {
    expect(await source.months()).toEqual(["2026-11", "2026-10"])
  })
  it("reads a month's rows with decimal commas; unreadable values and dates become issues, never dropped", async () => {
    const lines = await source.lines("2026-11")
    expect(lines.map((line) => line.id)).toEqual(["csv:2", "csv:3", "csv:5"])
    expect(lines[0]?.unitCost.toString()).toBeDefined()
    expect(lines[0]?.issues).toBeUndefined()
    expect(lines[1]?.issues?.map((issue) => [issue.field, issue.value])).toEqual([["quantity", "twaalf"]])
    expect(lines[2]?.issues?.map((issue) => issue.field)).toEqual(["month"])
    const october = await source.lines("2026-10")
    expect(october[0]?.quantity.toString()).toBeDefined()
    expect(october.map((line) => line.customer.key)).toEqual(["C200", "C300"])
  })
  it("names a missing column", async () => {
    const broken = csvSource(() => "a;b\n1;2", settings)
    await expect(broken.months()).rejects.toThrow(/Klantnr/)
  })
})

describe("defect 6: CSV bytes are decoded by their BOM or declared encoding, never silently", () => {
  const settings = (encoding?: "windows-1252") =>
    new CsvSourceSettings({
      kind: "csv",
      month: "2026-11",
      currency: "EUR",
      ...(encoding === undefined ? {} : { encoding }),
      columns: { customerKey: "klant", customerName: "naam", productKey: "sku", quantity: "aantal", unitCost: "kost" }
    })
  // "klant;naam;sku;aantal;kost\nC1;Café B.V.;BP;2;10\n" in Latin-1 (é = 0xE9).
  const latin1 = new Uint8Array([
    ...new TextEncoder().encode("klant;naam;sku;aantal;kost\nC1;Caf"),
    0xe9,
    ...new TextEncoder().encode(" B.V.;BP;2;10\n")
  ])
  it("a Latin-1 file read as UTF-8 is an error naming the line, not Caf\uFFFD", async () => {
    const failure = await csvSource(() => latin1, settings())
      .lines("2026-11")
      .catch((error: unknown) => error)
    expect((failure as { reason?: unknown }).reason).toMatchObject({
      _tag: "InvalidInput",
      record: "CSV line 2",
      field: "encoding"
    })
  })
  it("declared windows-1252 reads Café; a UTF-8 BOM wins over the declaration", async () => {
    const lines = await csvSource(() => latin1, settings("windows-1252")).lines("2026-11")
    expect(lines[0]?.customer.name).toBe("Café B.V.")
    const utf8 = new Uint8Array([
      0xef,
      0xbb,
      0xbf,
      ...new TextEncoder().encode("klant;naam;sku;aantal;kost\nC1;Café B.V.;BP;2;10\n")
    ])
    const again = await csvSource(() => utf8, settings("windows-1252")).lines("2026-11")
    expect(again[0]?.customer.name).toBe("Café B.V.")
  })
})

describe("previewCsv", () => {
  const columns = { customerKey: "klant", productKey: "artikel", quantity: "aantal", unitCost: "prijs", month: "datum" }
  // Windows-1252 bytes, as an accountancy export writes them (é is 0xE9).
  const file = Buffer.concat([
    Buffer.from("Klant;Artikel;Aantal;Prijs;Datum\r\nCaf"),
    Buffer.from([0xe9]),
    Buffer.from(";BP;1,5;18,70;2026-10-05\r\nB;BP;2;18,70;2026-11-03\r\nC;X;twee;1,00;2026-11-04\r\n")
  ])

  it("shows the header, the months newest first and the newest month's first lines as a load reads them", async () => {
    const preview = await previewCsv(file, new CsvSourceSettings({ kind: "csv", columns, encoding: "windows-1252" }), {
      lines: 1
    })
    expect(preview.header).toEqual(["Klant", "Artikel", "Aantal", "Prijs", "Datum"])
    expect(preview.months).toEqual(["2026-11", "2026-10"])
    expect(preview.month).toBe("2026-11")
    expect(preview.lineCount).toBe(2)
    expect(
      preview.lines.map((l) => [
        l.customer.key,
        l.product.key,
        l.quantity === undefined ? "" : BigDecimal.format(l.quantity)
      ])
    ).toEqual([["B", "BP", "2"]])
    // Without a month column, every row is of the month the settings name.
    const { month: _, ...undated } = columns
    const october = await previewCsv(
      file,
      new CsvSourceSettings({ kind: "csv", columns: undated, month: "2026-10", encoding: "windows-1252" })
    )
    expect(october.lineCount).toBe(3)
    expect(october.lines[0]?.customer.key).toBe("Café")
  })

  it("names the column the file does not have, as a load would", async () => {
    const error = await previewCsv(
      file,
      new CsvSourceSettings({ kind: "csv", columns: { ...columns, unitCost: "kostprijs" }, encoding: "windows-1252" })
    ).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toMatchObject({ reason: { _tag: "InvalidInput", field: "columns.unitCost" } })
    expect(String((error as Error).message)).toContain("kostprijs")
  })
})
