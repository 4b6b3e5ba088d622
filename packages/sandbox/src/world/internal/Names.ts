/**
 * Name material for the simulated MSP's customers: Dutch, Belgian, German and British companies with
 * the legal forms their registers use. Only plain tables and a few patterns; the PRNG picks.
 */
import type { Prng } from "./Prng.ts"

/** The countries customers come from, with Exact's country codes. */
export type Country = "NL" | "BE" | "DE" | "GB"

interface CountryNames {
  readonly surnames: ReadonlyArray<string>
  readonly trades: ReadonlyArray<string>
  readonly cities: ReadonlyArray<readonly [city: string, postcode: string]>
  readonly streets: ReadonlyArray<string>
  readonly forms: ReadonlyArray<string>
}

const NL: CountryNames = {
  surnames: [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "van der Heijden",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "van Dam",
    "Prins",
    "Blom",
    "Huisman",
    "Kuipers",
    "Postma",
    "Timmermans",
    "Groen"
  ],
  trades: [
    "Installatietechniek",
    "Bouw",
    "Accountants",
    "Advocaten",
    "Logistiek",
    "Transport",
    "Tandartsen",
    "Makelaardij",
    "Administratiekantoor",
    "Schilderwerken",
    "Metaalbewerking",
    "Zorggroep",
    "Architecten",
    "Groothandel",
    "Vastgoed",
    "Elektrotechniek",
    "Dakwerken",
    "Kinderopvang",
    "Fysiotherapie",
    "Notariaat",
    "Verhuur",
    "Hoveniers",
    "Drukkerij",
    "Autobedrijf",
    "Bakkerij",
    "Catering",
    "Consultancy",
    "Techniek",
    "Recruitment",
    "Engineering"
  ],
  cities: [
    ["Amsterdam", "1012"],
    ["Rotterdam", "3011"],
    ["Utrecht", "3511"],
    ["Eindhoven", "5611"],
    ["Groningen", "9711"],
    ["Tilburg", "5038"],
    ["Almere", "1315"],
    ["Breda", "4811"],
    ["Nijmegen", "6511"],
    ["Apeldoorn", "7311"],
    ["Haarlem", "2011"],
    ["Arnhem", "6811"],
    ["Enschede", "7511"],
    ["Amersfoort", "3811"],
    ["Zwolle", "8011"],
    ["Leiden", "2311"],
    ["Maastricht", "6211"],
    ["Dordrecht", "3311"],
    ["Alkmaar", "1811"],
    ["Delft", "2611"],
    ["Deventer", "7411"],
    ["Hilversum", "1211"],
    ["Venlo", "5911"],
    ["Leeuwarden", "8911"],
    ["Assen", "9401"]
  ],
  streets: ["Hoofdstraat", "Kerkstraat", "Stationsweg", "Industrieweg", "Dorpsstraat", "Marktplein", "Havenweg"],
  forms: ["B.V.", "B.V.", "B.V.", "BV", "N.V.", "VOF"]
}

const BE: CountryNames = {
  surnames: [
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "Dubois",
    "Lambert",
    "Desmet",
    "Martens",
    "Leclercq",
    "Hermans",
    "Michiels",
    "Van Damme",
    "Declercq",
    "Verstraete"
  ],
  trades: [
    "Bouwwerken",
    "Boekhouding",
    "Transport",
    "Elektro",
    "Advocatenkantoor",
    "Immo",
    "Schrijnwerkerij",
    "Verzekeringen",
    "Logistiek",
    "Dakwerken",
    "Tandartspraktijk",
    "Consult"
  ],
  cities: [
    ["Antwerpen", "2000"],
    ["Gent", "9000"],
    ["Brugge", "8000"],
    ["Leuven", "3000"],
    ["Mechelen", "2800"],
    ["Hasselt", "3500"],
    ["Brussel", "1000"],
    ["Kortrijk", "8500"],
    ["Aalst", "9300"],
    ["Genk", "3600"]
  ],
  streets: ["Kerkstraat", "Stationsstraat", "Nijverheidsstraat", "Grote Markt", "Steenweg"],
  forms: ["BV", "BV", "BVBA", "NV"]
}

const DE: CountryNames = {
  surnames: [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Braun",
    "Zimmermann",
    "Krüger"
  ],
  trades: [
    "Haustechnik",
    "Logistik",
    "Steuerberatung",
    "Metallbau",
    "Elektro",
    "Immobilien",
    "Maschinenbau",
    "Spedition",
    "Bau",
    "Software",
    "Zahnarztpraxis",
    "Druckerei"
  ],
  cities: [
    ["Düsseldorf", "40213"],
    ["Köln", "50667"],
    ["Aachen", "52062"],
    ["Münster", "48143"],
    ["Duisburg", "47051"],
    ["Essen", "45127"],
    ["Dortmund", "44135"],
    ["Bochum", "44787"],
    ["Krefeld", "47798"],
    ["Mönchengladbach", "41061"]
  ],
  streets: ["Hauptstraße", "Bahnhofstraße", "Industriestraße", "Gartenweg", "Marktplatz"],
  forms: ["GmbH", "GmbH", "e.K.", "GmbH & Co. KG"]
}

const GB: CountryNames = {
  surnames: ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright"],
  trades: ["Logistics", "Consulting", "Engineering", "Solutions", "Property", "Accountancy"],
  cities: [
    ["London", "EC1A"],
    ["Manchester", "M1"],
    ["Bristol", "BS1"],
    ["Leeds", "LS1"],
    ["Birmingham", "B1"]
  ],
  streets: ["High Street", "Station Road", "Church Lane", "Mill Road"],
  forms: ["Ltd"]
}

const TABLES: Record<Country, CountryNames> = { NL, BE, DE, GB }

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

const digits = (rng: Prng, n: number): string => {
  let s = ""
  for (let i = 0; i < n; i++) s += String.fromCharCode(48 + rng.below(10))
  return s
}

/** A customer's identity as its register and the tax office know it. */
export interface CompanyIdentity {
  readonly name: string
  readonly legalForm: string
  readonly vatNumber: string
  readonly chamberOfCommerce: string
  readonly city: string
  readonly postcode: string
  readonly street: string
  readonly domain: string
}

/** A company name (not yet checked for uniqueness) in the style of `country`. */
const nameFor = (rng: Prng, country: Country, city: string): { name: string; legalForm: string } => {
  const t = TABLES[country]
  const form = rng.pick(t.forms)
  const surname = capitalise(rng.pick(t.surnames))
  const trade = rng.pick(t.trades)
  if (form === "VOF") return { name: `${surname} & ${capitalise(rng.pick(t.surnames))} VOF`, legalForm: form }
  if (form === "e.K.") return { name: `${trade} ${surname} e.K.`, legalForm: form }
  switch (rng.below(3)) {
    case 0:
      return { name: `${surname} ${trade} ${form}`, legalForm: form }
    case 1:
      return { name: `${trade} ${city} ${form}`, legalForm: form }
    default:
      return { name: `${surname} ${trade} ${city} ${form}`, legalForm: form }
  }
}

/** Draw a unique identity; `taken` collects the names already used. */
export const identityFor = (rng: Prng, country: Country, taken: Set<string>, ordinal: number): CompanyIdentity => {
  const t = TABLES[country]
  const [city, postcode] = rng.pick(t.cities)
  let drawn = nameFor(rng, country, city)
  for (let attempt = 0; taken.has(drawn.name) && attempt < 24; attempt++) drawn = nameFor(rng, country, city)
  if (taken.has(drawn.name)) {
    // A large world can exhaust the patterns; a branch number keeps names unique and still plausible.
    const base = drawn.name.slice(0, drawn.name.length - drawn.legalForm.length - 1)
    drawn = { name: `${base} ${ordinal} ${drawn.legalForm}`, legalForm: drawn.legalForm }
  }
  taken.add(drawn.name)
  const street = `${rng.pick(t.streets)} ${rng.int(1, 180)}`
  const slug = drawn.name
    .slice(0, drawn.name.length - drawn.legalForm.length)
    .normalize("NFD")
    .replace(/[^A-Za-z0-9]/g, "")
    .toLowerCase()
    .slice(0, 24)
  const tld = country === "GB" ? "co.uk" : country.toLowerCase()
  switch (country) {
    case "NL":
      return {
        ...drawn,
        vatNumber: `NL${digits(rng, 9)}B01`,
        chamberOfCommerce: digits(rng, 8),
        city,
        postcode: `${postcode} ${String.fromCharCode(65 + rng.below(26), 65 + rng.below(26))}`,
        street,
        domain: `${slug}.${tld}`
      }
    case "BE": {
      const enterprise = `0${digits(rng, 9)}`
      return {
        ...drawn,
        vatNumber: `BE${enterprise}`,
        chamberOfCommerce: enterprise,
        city,
        postcode,
        street,
        domain: `${slug}.${tld}`
      }
    }
    case "DE":
      return {
        ...drawn,
        vatNumber: `DE${digits(rng, 9)}`,
        chamberOfCommerce: `${drawn.legalForm === "e.K." ? "HRA" : "HRB"} ${rng.int(1000, 99999)}`,
        city,
        postcode,
        street,
        domain: `${slug}.${tld}`
      }
    case "GB":
      return {
        ...drawn,
        vatNumber: `GB${digits(rng, 9)}`,
        chamberOfCommerce: digits(rng, 8),
        city,
        postcode: `${postcode} ${rng.int(1, 9)}${String.fromCharCode(65 + rng.below(26), 65 + rng.below(26))}`,
        street,
        domain: `${slug}.${tld}`
      }
  }
}

/** A ConnectWise-style short identifier from a name: letters and digits only, at most 15 characters. */
export const identifierFromName = (name: string): string =>
  name
    .normalize("NFD")
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, 15)

/** The name a customer goes by after a rebrand: legal form dropped, a group-style suffix added. */
export const renamed = (rng: Prng, name: string, legalForm: string): string => {
  const base = name.endsWith(` ${legalForm}`) ? name.slice(0, name.length - legalForm.length - 1) : name
  return `${base} ${rng.pick(["Groep", "Holding", "Services", "& Partners", "Group"])}`
}

/** A phone number in the country's format. */
export const phoneFor = (rng: Prng, country: Country): string => {
  switch (country) {
    case "NL":
      return `+31 ${rng.int(10, 79)} ${digits(rng, 3)} ${digits(rng, 4)}`
    case "BE":
      return `+32 ${rng.int(2, 9)} ${digits(rng, 3)} ${digits(rng, 2)} ${digits(rng, 2)}`
    case "DE":
      return `+49 ${rng.int(200, 999)} ${digits(rng, 6)}`
    case "GB":
      return `+44 ${rng.int(20, 29)} ${digits(rng, 4)} ${digits(rng, 4)}`
  }
}

/** An Exact account code as Exact stores it: right-aligned in 18 characters. */
export const padAccountCode = (code: string): string => code.padStart(18, " ")
