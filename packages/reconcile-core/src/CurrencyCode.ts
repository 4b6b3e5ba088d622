import { Schema } from "effect"

/**
 * A currency code as the source writes it (ISO 4217, e.g. `EUR`).
 *
 * @since 0.1.0
 */
export const CurrencyCode = Schema.String.check(
  Schema.isPattern(/^[A-Z]{3}$/, { expected: "an ISO 4217 code such as EUR" })
)
