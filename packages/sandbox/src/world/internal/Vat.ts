/**
 * The MSP's VAT codes (Exact's three-character codes) and the ConnectWise tax code each maps to.
 */

/** One VAT code of the division. */
export interface VatCodeDef {
  readonly code: string
  readonly description: string
  readonly percent: number
  /** The ConnectWise tax code for it; 0 when ConnectWise has none (no VAT). */
  readonly taxCodeId: number
}

/** Every VAT code the division keeps, in Exact's code order. */
export const VAT_CODES: ReadonlyArray<VatCodeDef> = [
  { code: "0  ", description: "Geen BTW", percent: 0, taxCodeId: 0 },
  { code: "1  ", description: "BTW laag 9%", percent: 9, taxCodeId: 4 },
  { code: "2  ", description: "BTW hoog 21%", percent: 21, taxCodeId: 1 },
  { code: "5  ", description: "BTW verlegd (EU-dienst)", percent: 0, taxCodeId: 2 },
  { code: "6  ", description: "Export buiten de EU", percent: 0, taxCodeId: 3 }
]

/** The definition of a VAT code; throws on a code the division does not keep. */
export const vatOf = (code: string): VatCodeDef => {
  const def = VAT_CODES.find((v) => v.code === code)
  if (def === undefined) throw new Error(`unknown VAT code ${JSON.stringify(code)}`)
  return def
}

/** A whole percentage as Exact writes a fraction: 21 → "0.21", 9 → "0.09", 0 → "0". */
export const vatFraction = (percent: number): string =>
  percent === 0 ? "0" : percent < 10 ? `0.0${percent}` : `0.${percent}`
