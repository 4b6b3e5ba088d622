/**
 * Flow A judged by the sandbox's answer key, with default settings (only the credentials and the
 * source), over many seeded worlds:
 *
 * (a) what links by itself is never wrong;
 * (b) `decideAll()` with no arguments plans no operation the truth does not call for;
 * (c) after the decisions a person makes from the truth (confirm the true links, create what is
 *     missing), the plan is exactly the truth's changes, apply converges, and another month links
 *     itself.
 *
 * Every world also carries planted duplicate additions (`deviations.duplicateAdditions`): each must
 * show as `DuplicateAdditions` on its row, and neither plan may touch those additions — a person
 * says which one is right.
 *
 * 8 seeds × 3 sizes by default (a few minutes on two cores); `ANSWER_KEY_FULL=1` adds seeds and
 * larger worlds. The measured table is printed at the end.
 */
import {
  type ChangePlan,
  CreateTarget,
  LinkSettings,
  linkedId,
  type ReconciliationRow,
  RowDecision,
  UseTarget
} from "@psa-ledger/reconcile-core"
import { createWorld, type World } from "@psa-ledger/sandbox"
import { afterAll, describe, expect, it } from "vitest"
import { createLink, type LoadedMonth } from "../../src/index.ts"
import { planChanges, truthChanges } from "./changes.ts"
import { memoryStores, openSandbox, source } from "./sandbox.ts"

const full = process.env.ANSWER_KEY_FULL === "1"
const seeds = full ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16] : [1, 2, 3, 4, 5, 6, 7, 8]
const sizes = [
  { name: "S", customers: 16, products: 5, months: 3 },
  { name: "M", customers: 30, products: 6, months: 3 },
  { name: "L", customers: 48, products: 8, months: 3 },
  ...(full ? [{ name: "XL", customers: 200, products: 12, months: 4 }] : [])
]

/** Remembered mappings that contradict the truth's links (a created target is checked by its kind only). */
const wrongMemories = (world: World, plan: ChangePlan): Array<string> => {
  const { companies, items, agreements } = world.truth.links
  return plan.operations.flatMap((op) => {
    if (op._tag !== "RememberMapping" || op.target._tag !== "Existing") return []
    const id = op.target.id
    const truth =
      op.kind === "customer"
        ? companies.find((c) => c.accountId === op.sourceKey)?.companyId
        : op.kind === "product"
          ? items.find((i) => i.itemId === op.sourceKey)?.catalogItemId
          : agreements.find((a) => a.accountId === op.sourceKey)?.agreementId
    return truth === id ? [] : [`remember ${op.kind} ${op.sourceKey} → ${id} (truth ${truth})`]
  })
}

interface Links {
  right: number
  wrong: Array<string>
  left: number
}

/** (a): every customer, product and agreement side the grid links by itself, against the truth. */
const linksOf = (world: World, grid: LoadedMonth): Links => {
  const { companies, items, agreements } = world.truth.links
  const result: Links = { right: 0, wrong: [], left: 0 }
  const seen = new Set<string>()
  const count = (key: string, linked: number | undefined, truth: number | "create" | null | undefined) => {
    if (seen.has(key)) return
    seen.add(key)
    if (linked === undefined) result.left++
    else if (linked === truth) result.right++
    else result.wrong.push(`${key} → ${linked} (truth ${truth})`)
  }
  for (const row of grid.rows.filter((r) => r.origin === "invoice" && r.lines.length > 0)) {
    if (row.customer.key !== "") {
      const company = companies.find((c) => c.accountId === row.customer.key)?.companyId
      count(`customer ${row.customer.key}`, linkedId(row.customerResolution), company)
      const agreement = agreements.find((a) => a.accountId === row.customer.key)?.agreementId
      if (row.product.key !== "") count(`agreement ${row.key}`, linkedId(row.agreementResolution), agreement)
    }
    if (row.product.key !== "") {
      const item = items.find((i) => i.itemId === row.product.key)?.catalogItemId
      count(`product ${row.product.key}`, linkedId(row.productResolution), item)
    }
  }
  return result
}

/** (c): what a person decides from the truth: confirm the true links, create what is missing, approve all. */
const personDecisions = (world: World, grid: LoadedMonth): Record<string, RowDecision> => {
  const { companies, items, agreements } = world.truth.links
  const managed = world.connectwise.agreementTypes.find((type) => type.name === "Managed Services")!.id
  // A new catalog item is filed like the existing recurring ones.
  const like = world.connectwise.catalogItems.find((c) => !c.inactiveFlag)!
  const newProduct = { subcategoryId: like.subcategory.id, typeId: like.type.id }
  const decisions: Record<string, RowDecision> = {}
  for (const row of grid.rows) {
    if (row.origin === "connectwise") {
      decisions[row.key] = new RowDecision({ approve: "all" })
      continue
    }
    const company = companies.find((c) => c.accountId === row.customer.key)?.companyId ?? null
    const item = items.find((i) => i.itemId === row.product.key)?.catalogItemId
    const agreement = agreements.find((a) => a.accountId === row.customer.key)?.agreementId
    const customerLinked = linkedId(row.customerResolution)
    const customer = company !== null && customerLinked !== company ? new UseTarget({ targetId: company }) : undefined
    const product =
      item === undefined
        ? undefined
        : item === "create"
          ? row.productResolution._tag === "Missing" || row.productResolution._tag === "Suggested"
            ? new CreateTarget(newProduct)
            : undefined
          : linkedId(row.productResolution) !== item
            ? new UseTarget({ targetId: item })
            : undefined
    const agreementChoice =
      agreement === "create"
        ? new CreateTarget({ typeId: managed })
        : agreement !== undefined && customerLinked === company && linkedId(row.agreementResolution) !== agreement
          ? new UseTarget({ targetId: agreement })
          : undefined
    decisions[row.key] = new RowDecision({
      approve: "all",
      ...(customer === undefined ? {} : { customer }),
      ...(product === undefined ? {} : { product }),
      ...(agreementChoice === undefined ? {} : { agreement: agreementChoice })
    })
  }
  // The cancellations the truth calls for, including those the grid shows only once the links are made.
  for (const d of world.truth.months.at(-1)!.deviations) {
    if (d.kind === "additionNotInvoiced" && d.proposal === "cancel") {
      decisions[`addition|${d.additionId}`] = new RowDecision({ approve: "all" })
    }
  }
  return decisions
}

/** Deviations a person must resolve outside this flow: no company, an unreadable line, another currency. */
const outsideTheFlow = new Set(["NeedsCustomer", "InvalidLine", "Unreadable", "CurrencyMismatch", "DuplicateAdditions"])

/** Duplicate additions planted per world. */
const DUPLICATES = 2

/** The planted duplicates the grid does not show as `DuplicateAdditions` on their row, with both additions. */
const unflaggedDuplicates = (world: World, grid: LoadedMonth): Array<string> =>
  world.truth.months.at(-1)!.deviations.flatMap((d) => {
    if (d.kind !== "duplicateAdditions") return []
    const shown = grid.rows.some(
      (row) =>
        row.customer.key === d.accountId &&
        row.product.key === d.itemId &&
        row.deviations.some(
          (x) =>
            x._tag === "DuplicateAdditions" &&
            x.agreementId === d.agreementId &&
            x.productId === d.catalogItemId &&
            [...x.additionIds].sort((a, b) => a - b).join() === d.additionIds.join()
        )
    )
    return shown ? [] : [`duplicate ${d.additionIds.join("+")} on agreement ${d.agreementId}`]
  })

/** A plan's operations on any planted duplicate's additions. */
const onDuplicates = (world: World, ops: ReadonlyArray<string>): Array<string> => {
  const ids = new Set(
    world.truth.months.at(-1)!.deviations.flatMap((d) => (d.kind === "duplicateAdditions" ? d.additionIds : []))
  )
  return ops.filter((op) => {
    const [kind, id] = op.split(":")
    return kind !== "add" && ids.has(Number(id))
  })
}

interface Measured {
  readonly seed: number
  readonly size: string
  readonly links: Links
  readonly bulkWrong: Array<string>
  readonly bulkRight: number
  readonly right: number
  readonly wrong: Array<string>
  readonly missing: Array<string>
  readonly converged: Array<string>
  readonly notSelfLinked: Array<string>
  readonly duplicates: { readonly planted: number; readonly unflagged: Array<string>; readonly touched: Array<string> }
}

const measured: Array<Measured> = []

afterAll(() => {
  const lines = [
    "| seed | size | links right | links wrong | left for a person | decideAll() ops right / wrong | person's ops right | wrong | missing | converged | next month self-linked | duplicates flagged / touched |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...measured.map(
      (m) =>
        `| ${m.seed} | ${m.size} | ${m.links.right} | ${m.links.wrong.length} | ${m.links.left} | ${m.bulkRight} / ${m.bulkWrong.length} | ${m.right} | ${m.wrong.length} | ${m.missing.length} | ${m.converged.length === 0 ? "yes" : `no (${m.converged.length})`} | ${m.notSelfLinked.length === 0 ? "yes" : `no (${m.notSelfLinked.length})`} | ${m.duplicates.planted - m.duplicates.unflagged.length}/${m.duplicates.planted} / ${m.duplicates.touched.length} |`
    )
  ]
  const sum = (f: (m: Measured) => number) => measured.reduce((total, m) => total + f(m), 0)
  lines.push(
    `| all | | ${sum((m) => m.links.right)} | ${sum((m) => m.links.wrong.length)} | ${sum((m) => m.links.left)} | ${sum((m) => m.bulkRight)} / ${sum((m) => m.bulkWrong.length)} | ${sum((m) => m.right)} | ${sum((m) => m.wrong.length)} | ${sum((m) => m.missing.length)} | | | ${sum((m) => m.duplicates.planted - m.duplicates.unflagged.length)}/${sum((m) => m.duplicates.planted)} / ${sum((m) => m.duplicates.touched.length)} |`
  )
  process.stdout.write(`\nFlow A against the answer key (default settings)\n${lines.join("\n")}\n\n`)
})

const cases = sizes.flatMap((size) => seeds.map((seed) => ({ seed, size })))

describe("flow A against the sandbox's answer key, default settings", () => {
  it.each(cases)("seed $seed, size $size.name", async ({ seed, size }) => {
    const world = createWorld({
      seed,
      customers: size.customers,
      products: size.products,
      months: size.months,
      deviations: { duplicateAdditions: DUPLICATES }
    })
    const sandbox = await openSandbox(world)
    try {
      let run = 0
      const link = createLink({
        id: "msp-1",
        exact: sandbox.exact,
        connectwise: sandbox.connectwise,
        storage: memoryStores(),
        settings: new LinkSettings({}),
        source,
        now: () => sandbox.clock.now(),
        ids: () => `run-${++run}`
      })
      await sandbox.connect(link)
      const [previous, latest] = world.truth.months.slice(-2)
      const grid = await link.reconciliation.load(latest!.period)
      const expected = truthChanges(world)

      // (a) What links by itself is right.
      const links = linksOf(world, grid)

      // (b) decideAll() plans nothing the truth does not call for.
      const bulk = link.reconciliation.plan(grid, link.reconciliation.decideAll(grid), { by: "bulk" })
      const bulkOps = planChanges(bulk.plan)
      const bulkWrong = [...bulkOps.filter((op) => !expected.has(op)), ...wrongMemories(world, bulk.plan)]

      // (c) A person's decisions from the truth give exactly the truth's changes.
      const planned = link.reconciliation.plan(grid, personDecisions(world, grid), { by: "finance@msp.example" })
      const ops = planChanges(planned.plan)
      const wrong = [...ops.filter((op) => !expected.has(op)), ...wrongMemories(world, planned.plan)]
      const missing = [...expected].filter((op) => !ops.includes(op))
      const applied = await link.reconciliation.apply(planned)
      expect(
        applied.report?.counts.failed,
        JSON.stringify(applied.report?.operations.filter((o) => o.status === "failed"))
      ).toBe(0)
      const after = await link.reconciliation.load(latest!.period)
      const converged = after.rows.flatMap((row: ReconciliationRow) =>
        row.deviations.filter((d) => !outsideTheFlow.has(d._tag)).map((d) => `${row.key} ${d._tag}`)
      )
      // Another month links itself from what was remembered.
      const other = await link.reconciliation.load(previous!.period)
      // (An agreement created this month starts this month: the month before has none to link.)
      const { companies, agreements } = world.truth.links
      const notSelfLinked = other.rows
        .filter((row) => row.origin === "invoice" && row.customer.key !== "" && row.product.key !== "")
        .filter((row) => companies.find((c) => c.accountId === row.customer.key)?.companyId != null)
        .filter(
          (row) =>
            linkedId(row.customerResolution) === undefined ||
            linkedId(row.productResolution) === undefined ||
            (linkedId(row.agreementResolution) === undefined &&
              agreements.find((a) => a.accountId === row.customer.key)?.agreementId !== "create")
        )
        .map((row) => row.key)

      measured.push({
        seed,
        size: size.name,
        links,
        bulkRight: bulkOps.filter((op) => expected.has(op)).length,
        bulkWrong,
        right: ops.filter((op) => expected.has(op)).length,
        wrong,
        missing,
        converged,
        notSelfLinked,
        duplicates: {
          planted: world.truth.months.at(-1)!.deviations.filter((d) => d.kind === "duplicateAdditions").length,
          unflagged: unflaggedDuplicates(world, grid),
          touched: [...onDuplicates(world, bulkOps), ...onDuplicates(world, ops)]
        }
      })
      const last = measured.at(-1)!
      expect(last.duplicates.planted, "duplicates planted").toBe(DUPLICATES)
      expect(last.duplicates.unflagged, "planted duplicates shown as DuplicateAdditions").toEqual([])
      expect(last.duplicates.touched, "operations on duplicate additions").toEqual([])
      expect(links.wrong, "wrong auto-links").toEqual([])
      expect(bulkWrong, "decideAll() plans what the truth does not call for").toEqual([])
      expect({ wrong, missing }, "the person's plan is the truth's changes").toEqual({ wrong: [], missing: [] })
      expect(converged, "after apply the month shows no deviation").toEqual([])
      expect(notSelfLinked, "another month links itself").toEqual([])
    } finally {
      await sandbox.server.close()
    }
  })
})
