import { describe, expect, it } from "vitest"
import { csvSource, guessDelimiter, parseCsv, readCsvNumber } from "../../src/reconciliation/Csv.ts"
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
