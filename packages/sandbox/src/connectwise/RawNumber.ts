/**
 * JSON numbers with their exact text. ConnectWise stores money as SQL decimals and writes them as
 * JSON numbers; a JavaScript number cannot carry `12.345678901234567890`, so the simulation keeps
 * such values as {@link RawNumber} and writes their digits verbatim.
 *
 * @since 0.1.0
 */

const NUMBER_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/

/**
 * A JSON number kept as its exact decimal text.
 *
 * @since 0.1.0
 */
export class RawNumber {
  readonly text: string
  constructor(text: string) {
    if (!NUMBER_TEXT.test(text)) throw new TypeError(`Not a JSON number: ${JSON.stringify(text)}`)
    this.text = text
  }
  toString(): string {
    return this.text
  }
}

/**
 * Makes a JSON number that the simulation writes with exactly these digits.
 *
 * @example
 * ```ts
 * import { ConnectWiseSimulation, rawNumber } from "@psa-ledger/sandbox"
 *
 * const sim = new ConnectWiseSimulation()
 * sim.store.insert("catalogItems", { identifier: "M365-BP", price: rawNumber("24.60") })
 * ```
 *
 * @since 0.1.0
 */
export const rawNumber = (text: string): RawNumber => new RawNumber(text)
