/**
 * The recurring services a Benelux MSP bills monthly, with cost and list price in cents. Licences come
 * from the distributor (and appear on its purchase invoice); the rest is the MSP's own service.
 */
import type { Prng } from "./Prng.ts"

/** How a product's quantity scales with the customer. */
export type UnitKind = "user" | "device" | "server" | "site" | "terabyte"

/** One recurring product as the generator models it. */
export interface ProductDef {
  readonly code: string
  readonly description: string
  readonly kind: UnitKind
  readonly costCents: number
  readonly priceCents: number
  /** Bought from the distributor (a licence) rather than delivered by the MSP itself. */
  readonly distributor: boolean
}

const TABLE: ReadonlyArray<ProductDef> = [
  {
    code: "M365-BP",
    description: "Microsoft 365 Business Premium",
    kind: "user",
    costCents: 1890,
    priceCents: 2460,
    distributor: true
  },
  {
    code: "RMM-WS",
    description: "Beheer en monitoring werkplek",
    kind: "device",
    costCents: 400,
    priceCents: 1250,
    distributor: false
  },
  {
    code: "EDR-EP",
    description: "Endpoint detection & response",
    kind: "device",
    costCents: 285,
    priceCents: 650,
    distributor: false
  },
  {
    code: "BCK-M365",
    description: "Back-up Microsoft 365",
    kind: "user",
    costCents: 135,
    priceCents: 325,
    distributor: true
  },
  {
    code: "M365-BS",
    description: "Microsoft 365 Business Standard",
    kind: "user",
    costCents: 1070,
    priceCents: 1410,
    distributor: true
  },
  {
    code: "MAIL-SEC",
    description: "E-mailbeveiliging",
    kind: "user",
    costCents: 95,
    priceCents: 240,
    distributor: true
  },
  {
    code: "BCK-TB",
    description: "Cloudback-up opslag per TB",
    kind: "terabyte",
    costCents: 1125,
    priceCents: 2400,
    distributor: false
  },
  {
    code: "RMM-SRV",
    description: "Beheer en monitoring server",
    kind: "server",
    costCents: 1200,
    priceCents: 3500,
    distributor: false
  },
  {
    code: "FW-MGD",
    description: "Managed firewall",
    kind: "site",
    costCents: 1850,
    priceCents: 4500,
    distributor: false
  },
  {
    code: "SD-USER",
    description: "Servicedesk per gebruiker",
    kind: "user",
    costCents: 900,
    priceCents: 1800,
    distributor: false
  },
  {
    code: "M365-BB",
    description: "Microsoft 365 Business Basic",
    kind: "user",
    costCents: 510,
    priceCents: 690,
    distributor: true
  },
  {
    code: "SAT-USER",
    description: "Security awareness training",
    kind: "user",
    costCents: 110,
    priceCents: 295,
    distributor: false
  },
  {
    code: "EXO-P1",
    description: "Exchange Online (Plan 1)",
    kind: "user",
    costCents: 340,
    priceCents: 460,
    distributor: true
  },
  {
    code: "VOIP-EXT",
    description: "Hosted telefonie per toestel",
    kind: "device",
    costCents: 375,
    priceCents: 795,
    distributor: false
  },
  { code: "DNS-FLT", description: "DNS-filtering", kind: "user", costCents: 55, priceCents: 150, distributor: false },
  {
    code: "TEAMS-PH",
    description: "Teams Phone Standard",
    kind: "user",
    costCents: 680,
    priceCents: 920,
    distributor: true
  },
  {
    code: "PWD-MGR",
    description: "Wachtwoordmanager",
    kind: "user",
    costCents: 210,
    priceCents: 395,
    distributor: false
  },
  {
    code: "ENTRA-P1",
    description: "Microsoft Entra ID P1",
    kind: "user",
    costCents: 510,
    priceCents: 690,
    distributor: true
  },
  {
    code: "INTUNE-P1",
    description: "Microsoft Intune Plan 1",
    kind: "user",
    costCents: 680,
    priceCents: 890,
    distributor: true
  },
  {
    code: "COPILOT",
    description: "Microsoft 365 Copilot",
    kind: "user",
    costCents: 2550,
    priceCents: 3100,
    distributor: true
  }
]

/** The one-off service billed on ConnectWise standard invoices (not a recurring product). */
export const TECHNICIAN_HOUR: ProductDef = {
  code: "UREN-TECH",
  description: "Technicus per uur",
  kind: "site",
  costCents: 4500,
  priceCents: 9500,
  distributor: false
}

/** `count` recurring products: the table first, then numbered managed services. */
export const productDefs = (rng: Prng, count: number): ReadonlyArray<ProductDef> => {
  const out: Array<ProductDef> = TABLE.slice(0, count)
  for (let i = out.length; i < count; i++) {
    const n = String(i + 1).padStart(3, "0")
    const costCents = rng.int(100, 4000)
    out.push({
      code: `SVC-${n}`,
      description: `Beheerde dienst ${n}`,
      kind: rng.pick(["user", "device", "site"] as const),
      costCents,
      priceCents: costCents + rng.int(50, 3000),
      distributor: false
    })
  }
  return out
}

/** Per unit kind: Exact's unit code and description, and ConnectWise's unit of measure. */
export const UNIT_BY_KIND: Record<UnitKind, readonly [code: string, description: string, uom: string]> = {
  user: ["gebr", "Gebruiker", "User"],
  device: ["stuk", "Stuk", "Each"],
  server: ["stuk", "Stuk", "Each"],
  site: ["stuk", "Stuk", "Each"],
  terabyte: ["TB", "Terabyte", "TB"]
}
