import { describe, expect, it } from "vitest"
import { Prng } from "../../src/world/internal/Prng.ts"

describe("Prng", () => {
  it("produces a fixed sequence for a seed and label (the same on every machine)", () => {
    const r = Prng.stream(1, "test")
    expect([r.u32(), r.u32(), r.u32(), r.u32()]).toEqual([2967096014, 2755390845, 4015694608, 215433581])
    expect(r.guid()).toBe("e213a614-62f2-47f0-b4f4-9adda251f25a")
  })

  it("gives different streams for different seeds and labels", () => {
    const first = (seed: number, label: string) => Prng.stream(seed, label).u32()
    expect(first(1, "a")).not.toBe(first(2, "a"))
    expect(first(1, "a")).not.toBe(first(1, "b"))
    expect(first(2 ** 40, "a")).not.toBe(first(0, "a"))
  })

  it("draws integers in range, roughly uniformly", () => {
    const r = Prng.stream(9, "uniform")
    const counts = new Array<number>(10).fill(0)
    for (let i = 0; i < 100_000; i++) {
      const v = r.below(10)
      expect(v >= 0 && v < 10).toBe(true)
      counts[v]! += 1
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500)
    for (let i = 0; i < 1000; i++) {
      const v = r.int(-3, 3)
      expect(v >= -3 && v <= 3 && Number.isInteger(v)).toBe(true)
    }
  })

  it("makes version-4 GUIDs in lower case, without repeats", () => {
    const r = Prng.stream(5, "guids")
    const seen = new Set<string>()
    for (let i = 0; i < 20_000; i++) {
      const g = r.guid()
      expect(g).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      seen.add(g)
    }
    expect(seen.size).toBe(20_000)
  })

  it("shuffles to a permutation", () => {
    const r = Prng.stream(5, "shuffle")
    const xs = Array.from({ length: 50 }, (_, i) => i)
    const shuffled = r.shuffle(xs.slice())
    expect(shuffled).not.toEqual(xs)
    expect(shuffled.slice().sort((a, b) => a - b)).toEqual(xs)
  })
})
