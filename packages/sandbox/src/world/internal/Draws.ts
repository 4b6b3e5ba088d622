/**
 * The seeded draws that shape one customer: its size, its country, a product's starting quantity and
 * the month-to-month drift of that quantity. Each consumes its stream in a fixed order; changing the
 * order changes every world.
 */
import type { Country } from "./Names.ts"
import type { Prng } from "./Prng.ts"
import type { ProductDef } from "./Products.ts"

/** Seats of a customer: mostly small, a few large. */
export const customerSize = (rng: Prng): number => {
  const r = rng.fraction()
  if (r < 0.5) return rng.int(3, 15)
  if (r < 0.8) return rng.int(16, 50)
  if (r < 0.95) return rng.int(51, 120)
  return rng.int(121, 300)
}

/** A Benelux MSP's customers: mostly Dutch, some Belgian and German, a rare British one. */
export const countryFor = (rng: Prng): Country => {
  const r = rng.fraction()
  if (r < 0.72) return "NL"
  if (r < 0.87) return "BE"
  if (r < 0.98) return "DE"
  return "GB"
}

/** The first month's quantity of a product, in hundredths, scaled by the customer's size. */
export const baseQuantity = (rng: Prng, def: ProductDef, size: number): number => {
  switch (def.kind) {
    case "user":
      return Math.max(1, Math.floor(size * (0.5 + 0.5 * rng.fraction()))) * 100
    case "device":
      return Math.max(1, Math.floor(size * (0.7 + 0.5 * rng.fraction()))) * 100
    case "server":
      return rng.int(1, 1 + Math.floor(size / 40)) * 100
    case "site":
      return rng.int(1, size > 60 ? 3 : 1) * 100
    case "terabyte":
      return Math.max(1, Math.floor(size * 0.08 * (0.5 + rng.fraction()) * 4)) * 25
  }
}

/** The next quantity after a change of seats: a step up (more often) or down, never below one unit. */
export const drift = (rng: Prng, def: ProductDef, q: number): number => {
  if (def.kind === "terabyte") {
    const step = rng.int(1, 4) * 25
    return rng.chance(0.5) || q - step < 25 ? q + step : q - step
  }
  const units = q / 100
  const step =
    (def.kind === "user" || def.kind === "device" ? rng.int(1, Math.max(1, Math.floor(units / 10))) : 1) * 100
  return rng.chance(0.55) || q - step < 100 ? q + step : q - step
}
