/**
 * The bench as a smoke test: the smallest sizes, and a check that every figure was produced. No
 * figure's value is asserted (a benchmark gates nothing on a time); only that each was measured.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import type { Figure } from "../src/report.ts"
import type { CaseRuns } from "../src/run.ts"

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url))

describe("npm run bench (smoke sizes)", () => {
  it("produces every figure, every case's metrics, and the storage table", () => {
    const out = mkdtempSync(join(tmpdir(), "psa-ledger-bench-smoke-"))
    try {
      const table = execFileSync(process.execPath, ["--conditions=@psa-ledger/source", MAIN], {
        env: { ...process.env, BENCH_SIZE: "smoke", BENCH_OUT: out },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"]
      })
      const result = JSON.parse(readFileSync(join(out, "smoke.json"), "utf8")) as {
        figures: Array<Figure>
        cases: Array<CaseRuns>
        storage: { results: Array<unknown> } | undefined
      }
      const ids = new Set(result.figures.map((figure) => figure.id))
      expect([...ids].sort()).toEqual(["P1", "P2", "P3", "P4", "P5", "Runs", "Sandbox", "Server"])
      for (const figure of result.figures) {
        expect(table).toContain(figure.what)
        expect(figure.ours, figure.what).not.toMatch(/—|NaN/)
        expect(figure.against, figure.what).not.toMatch(/—|NaN/)
        if (figure.ratio !== undefined) expect(Number.isFinite(figure.ratio.median), figure.what).toBe(true)
      }
      for (const runs of result.cases) {
        expect(runs.runs.length).toBeGreaterThan(0)
        for (const run of runs.runs)
          for (const [name, value] of Object.entries(run.metrics))
            expect(Number.isFinite(value), `${runs.name}.${name}`).toBe(true)
      }
      expect(result.storage?.results.length ?? 0).toBeGreaterThan(0)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
    // A hang guard, not a time limit: every case runs in turn, and a loaded machine stretches them.
  }, 1_200_000)
})
