import { describe, expect, it } from "vitest"
import { mergeResults } from "../src/docs.ts"
import type { Figure } from "../src/report.ts"

const figure = (id: string, what: string): Figure => ({
  id,
  what,
  size: "",
  ours: what,
  against: "",
  ratio: undefined,
  goal: "",
  met: undefined,
  wallMs: undefined,
  cpuMs: undefined,
  peakRssMb: undefined
})
const machine = (date: string, commit: string) => ({
  date,
  commit,
  node: "v24",
  os: "linux",
  cpu: "x",
  cores: 2,
  memoryGb: 1,
  loadAverageAtStart: [1, 2, 3],
  profile: "default",
  repeats: 3,
  elapsedS: 10
})

describe("BENCH_DOCS=merge", () => {
  it("puts the subset's figures where the old ones of those ids were, and notes the rerun once", () => {
    const page = {
      machine: machine("d1", "c1"),
      figures: [figure("P1", "a"), figure("P2", "old 1"), figure("P2", "old 2"), figure("P3", "c")],
      cases: [
        { name: "loadMonth", params: {}, runs: [] },
        { name: "core", params: { lines: 1 }, runs: [] }
      ],
      storage: undefined
    }
    const again = {
      machine: machine("d2", "c2"),
      figures: [figure("P2", "new 1"), figure("P2", "new 2"), figure("P2", "new 3")],
      cases: [{ name: "core", params: { lines: 2 }, runs: [] }],
      storage: undefined,
      only: ["P2"]
    }
    const merged = mergeResults(mergeResults(page, again), again)
    expect(merged.figures.map((f) => f.what)).toEqual(["a", "new 1", "new 2", "new 3", "c"])
    expect(merged.cases.map((c) => [c.name, c.params.lines])).toEqual([
      ["loadMonth", undefined],
      ["core", 2]
    ])
    expect(merged.machine.commit).toBe("c1")
    expect(merged.machine.reruns?.map((r) => [r.only, r.commit])).toEqual([[["P2"], "c2"]])
  })
})
