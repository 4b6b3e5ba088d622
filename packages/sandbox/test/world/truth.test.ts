import { describe, expect, it } from "vitest"
import { createWorld, type DeviationCounts, deviationKinds, type World, type WorldOptions } from "../../src/index.ts"
import { canonicalList, checkWorld } from "./checker.ts"

const count = (world: World, month: number, kind: string, because?: string | null) =>
  world.truth.months[month]!.deviations.filter(
    (d) => d.kind === kind && (because === undefined || ("because" in d && d.because === because))
  ).length

const cases: ReadonlyArray<WorldOptions> = [
  { seed: 1, customers: 30, products: 10, months: 3, linesPerCustomer: 5 },
  { seed: 42, customers: 80, products: 12, months: 6, linesPerCustomer: 8 },
  { seed: 7, customers: 25, products: 4, months: 2, linesPerCustomer: 7 },
  { seed: 2026, customers: 60, products: 25, months: 12, linesPerCustomer: 10 },
  { seed: -99, customers: 20, products: 6, months: 1, linesPerCustomer: 3 },
  {
    seed: 5,
    customers: 120,
    products: 10,
    months: 4,
    linesPerCustomer: 6,
    deviations: {
      quantityOff: 9,
      unitCostOff: 7,
      additionMissing: 5,
      additionNotInvoiced: 4,
      productMissing: 2,
      agreementMissing: 3,
      customerWithoutCompany: 2,
      currencyMismatch: 2,
      malformedLine: 5
    }
  },
  { seed: 9, customers: 40, products: 8, months: 3, linesPerCustomer: 6, deviations: { duplicateAdditions: 4 } }
]

describe("world.truth, checked by an independent reconciliation of both systems", () => {
  for (const options of cases) {
    const label = `seed ${options.seed}, ${options.customers} customers × ${options.products} products × ${options.months} months`
    it(`lists exactly the deviations the records show (${label})`, () => {
      const world = createWorld(options)
      const checked = checkWorld(world)
      expect(checked.linkProblems).toEqual([])
      expect(checked.months.map((m) => m.period)).toEqual(world.truth.months.map((m) => m.period))
      world.truth.months.forEach((month, i) => {
        expect(canonicalList(checked.months[i]!.deviations), month.period).toEqual(canonicalList(month.deviations))
      })
    })

    it(`injects the requested count of each kind into the latest month (${label})`, () => {
      const world = createWorld(options)
      const asked: DeviationCounts = world.meta.options.deviations
      const L = world.truth.months.length - 1
      expect(count(world, L, "quantityOff")).toBe(asked.quantityOff)
      expect(count(world, L, "unitCostOff")).toBe(asked.unitCostOff)
      expect(count(world, L, "additionMissing", null)).toBe(asked.additionMissing)
      expect(count(world, L, "additionNotInvoiced")).toBe(asked.additionNotInvoiced)
      expect(count(world, L, "productMissing")).toBeLessThanOrEqual(asked.productMissing)
      expect(count(world, L, "agreementMissing")).toBe(asked.agreementMissing)
      expect(count(world, L, "customerWithoutCompany")).toBe(asked.customerWithoutCompany)
      expect(count(world, L, "currencyMismatch")).toBe(asked.currencyMismatch)
      expect(count(world, L, "malformedLine")).toBe(asked.malformedLine)
      expect(count(world, L, "duplicateAdditions")).toBe(asked.duplicateAdditions ?? 0)
      const missing = world.truth.links.items.filter((l) => l.catalogItemId === "create")
      expect(missing).toHaveLength(asked.productMissing)
    })
  }

  it("has no deviations at all in the latest month when none are asked for", () => {
    const none = Object.fromEntries(deviationKinds.map((k) => [k, 0]))
    const world = createWorld({ seed: 3, customers: 40, products: 8, months: 6, deviations: none })
    expect(world.truth.months.at(-1)!.deviations).toEqual([])
    expect(checkWorld(world).months.at(-1)!.deviations).toEqual([])
    // Earlier months still differ from today's additions by the natural drift of seat counts.
    const earlier = world.truth.months.slice(0, -1).flatMap((m) => m.deviations)
    expect(earlier.every((d) => d.kind === "quantityOff")).toBe(true)
  })

  it("lists the consequences of a missing company, agreement or product as additions missing, with the cause", () => {
    const world = createWorld({ seed: 11, customers: 40, products: 10, months: 2 })
    const latest = world.truth.months.at(-1)!.deviations
    for (const because of ["customerWithoutCompany", "agreementMissing", "productMissing"] as const) {
      const caused = latest.filter((d) => d.kind === "additionMissing" && d.because === because)
      expect(caused.length, because).toBeGreaterThan(0)
    }
    const noCompany = latest.find((d) => d.kind === "customerWithoutCompany")!
    expect(
      latest
        .filter((d) => d.kind === "additionMissing" && d.accountId === noCompany.accountId)
        .every((d) => d.kind === "additionMissing" && d.companyId === null && d.agreementId === null)
    ).toBe(true)
  })

  it("names the records on both sides and the right values for a quantity deviation", () => {
    const world = createWorld({ seed: 8, customers: 30, products: 10, months: 3 })
    const off = world.truth.months.at(-1)!.deviations.filter((d) => d.kind === "quantityOff")
    expect(off.length).toBe(3)
    for (const d of off) {
      const addition = world.connectwise.additions.find((a) => a.id === d.additionId)!
      expect(addition.agreementId).toBe(d.agreementId)
      expect(addition.product.id).toBe(d.catalogItemId)
      expect(addition.quantity).toBe(d.additionQuantity)
      const lines = world.exact.salesInvoices
        .filter((i) => i.InvoiceDate === world.exact.salesInvoices.at(-1)!.InvoiceDate)
        .flatMap((i) => i.SalesInvoiceLines)
        .filter((l) => d.invoiceLineIds.includes(l.ID))
      expect(lines.map((l) => l.ID).sort()).toEqual([...d.invoiceLineIds])
      expect(lines.every((l) => l.Item === d.itemId)).toBe(true)
    }
  })
})

describe("duplicate additions (deviations.duplicateAdditions)", () => {
  const options = { seed: 9, customers: 40, products: 8, months: 3 } as const

  it("are off by default: asking for 0 builds the byte-identical world, without the key in the options", () => {
    const plain = JSON.stringify(createWorld(options))
    expect(JSON.stringify(createWorld({ ...options, deviations: { duplicateAdditions: 0 } }))).toBe(plain)
    expect("duplicateAdditions" in createWorld(options).meta.options.deviations).toBe(false)
  })

  it("only add additions: the Exact records and every other ConnectWise record stay as they were", () => {
    const plain = createWorld(options)
    const dup = createWorld({ ...options, deviations: { duplicateAdditions: 3 } })
    expect(dup.exact).toEqual(plain.exact)
    expect({ ...dup.connectwise, additions: [] }).toEqual({ ...plain.connectwise, additions: [] })
    expect(dup.connectwise.additions.slice(0, plain.connectwise.additions.length)).toEqual(plain.connectwise.additions)
    expect(dup.connectwise.additions.length).toBe(plain.connectwise.additions.length + 3)
    // Earlier months are untouched: the copies run from the latest month.
    expect(dup.truth.months.slice(0, -1)).toEqual(plain.truth.months.slice(0, -1))
  })

  it("name the agreement, the product and both additions, which copy the original but maybe its quantity or cost", () => {
    const world = createWorld({ ...options, deviations: { duplicateAdditions: 3 } })
    const latest = world.truth.months.at(-1)!
    const planted = latest.deviations.filter((d) => d.kind === "duplicateAdditions")
    expect(planted).toHaveLength(3)
    expect(new Set(planted.map((d) => d.accountId)).size).toBe(3)
    for (const d of planted) {
      const additions = d.additionIds.map((id) => world.connectwise.additions.find((a) => a.id === id)!)
      expect(additions).toHaveLength(2)
      for (const a of additions) {
        expect(a.agreementId).toBe(d.agreementId)
        expect(a.product.id).toBe(d.catalogItemId)
        expect(a.cancelledDate).toBeNull()
        expect(a.description).toBe(additions[0]!.description)
      }
      expect(additions[1]!.effectiveDate.slice(0, 7)).toBe(latest.period)
      // The pair lists no quantity or cost deviation of its own: the duplicate stands instead.
      const others = latest.deviations.filter(
        (o) => o.kind !== "duplicateAdditions" && "additionId" in o && d.additionIds.includes(o.additionId)
      )
      expect(others).toEqual([])
    }
  })

  it("say when the world has no room for them", () => {
    expect(() => createWorld({ ...options, deviations: { duplicateAdditions: 50 } })).toThrow(
      /deviations\.duplicateAdditions/
    )
    expect(() => createWorld({ ...options, deviations: { duplicateAdditions: -1 } })).toThrow(
      /deviations\.duplicateAdditions/
    )
  })
})

describe("the independent checker", () => {
  it("notices a tampered addition, so agreement with the truth is not vacuous", () => {
    const world = createWorld({ seed: 21, customers: 30, products: 8, months: 2 })
    const clean = new Set(
      world.truth.months.at(-1)!.deviations.flatMap((d) => ("additionId" in d ? [d.additionId] : []))
    )
    const victim = world.connectwise.additions.find((a) => a.cancelledDate === null && !clean.has(a.id))!
    const tampered: World = JSON.parse(JSON.stringify(world))
    const target = tampered.connectwise.additions.find((a) => a.id === victim.id)!
    ;(target as { quantity: string }).quantity = `${victim.quantity}.5`
    const found = checkWorld(tampered).months.at(-1)!.deviations
    const expected = tampered.truth.months.at(-1)!.deviations
    expect(found.length).toBe(expected.length + 1)
    expect(found.some((d) => d.kind === "quantityOff" && d.additionId === victim.id)).toBe(true)
  })

  it("notices a deleted addition and a company whose identifier no longer matches", () => {
    const world = createWorld({ seed: 22, customers: 30, products: 8, months: 2 })
    const tampered: World = JSON.parse(JSON.stringify(world))
    const removed = (tampered.connectwise.additions as Array<unknown>).splice(0, 1)
    expect(removed).toHaveLength(1)
    const found = canonicalList(checkWorld(tampered).months.at(-1)!.deviations)
    expect(found).not.toEqual(canonicalList(tampered.truth.months.at(-1)!.deviations))

    const renamed: World = JSON.parse(JSON.stringify(world))
    const byIdentifier = renamed.truth.links.companies.find((l) => l.evidence === "identifier")!
    const company = renamed.connectwise.companies.find((c) => c.id === byIdentifier.companyId)!
    ;(company as { identifier: string }).identifier = "SomethingElse"
    expect(checkWorld(renamed).linkProblems.length).toBeGreaterThan(0)
  })
})
