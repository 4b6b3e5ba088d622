import { execFileSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

// Runs the README's example as written (Node strips its types), so the documentation cannot drift
// from the code. The epilogue prints what the example's comments claim.
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? ""
const epilogue = `
import { BigDecimal as ReadmeDecimal } from "effect"
const shown = summary(changes)
console.log(JSON.stringify({
  counts: shown.counts,
  impact: shown.impact.map((i) => [i.currency, ReadmeDecimal.format(ReadmeDecimal.normalize(i.cost)), i.price && ReadmeDecimal.format(ReadmeDecimal.normalize(i.price))]),
  quantity: ReadmeDecimal.format(applyToSnapshot(snapshot, changes).snapshot.additions[0].quantity),
  operations: Schema.encodeSync(ChangePlan)(changes).operations.map((op) => op._tag)
}))
`

describe("README example", () => {
  it("runs and plans the quantity update its comments describe", () => {
    expect(example).toContain("resolve(")
    const file = new URL("./.readme-example.tmp.ts", import.meta.url)
    writeFileSync(file, example + epilogue)
    try {
      const out = execFileSync(process.execPath, ["--conditions=@psa-ledger/source", file.pathname], {
        encoding: "utf8"
      })
      expect(JSON.parse(out)).toEqual({
        counts: { UpdateAdditionQuantity: 1, RememberMapping: 2 },
        impact: [["EUR", "37.4", "44"]],
        quantity: "7",
        operations: expect.arrayContaining(["UpdateAdditionQuantity", "RememberMapping"])
      })
    } finally {
      rmSync(file, { force: true })
    }
  })
})
