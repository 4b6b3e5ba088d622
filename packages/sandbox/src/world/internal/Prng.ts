/**
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32).
 *
 * Every value the world generator draws comes from here, so one seed gives a byte-identical world on
 * every machine: the state is four 32-bit integers, the arithmetic is `Math.imul` and shifts, and
 * fractions are exact multiples of 2^-32 — no `Math.random`, no clock, no transcendental functions.
 */

const TWO_POW_32 = 4_294_967_296

/** splitmix32: spreads one 32-bit value into a well-mixed 32-bit value; used for seeding only. */
const splitmix32 = (x: number): number => {
  let z = (x + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/** FNV-1a over the UTF-16 code units of a label, so named streams get distinct seeds. */
const hashLabel = (label: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

const HEX: ReadonlyArray<string> = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"))

/** A seeded random stream. Streams made from the same seed and label produce the same sequence. */
export class Prng {
  private a: number
  private b: number
  private c: number
  private d: number

  private constructor(a: number, b: number, c: number, d: number) {
    this.a = a
    this.b = b
    this.c = c
    this.d = d
    // Discard the first outputs: sfc32 needs a few rounds before seeds that differ in one bit diverge.
    for (let i = 0; i < 12; i++) this.u32()
  }

  /**
   * The stream for one concern of the world (accounts, quantities, ids…). Independent streams keep a
   * change in one concern (say, more months) from reshuffling another (the account names).
   */
  static stream(seed: number, label: string): Prng {
    const lo = seed >>> 0
    const hi = Math.floor(seed / TWO_POW_32) >>> 0
    const l = hashLabel(label)
    const s0 = splitmix32(lo ^ l)
    const s1 = splitmix32(hi ^ s0)
    const s2 = splitmix32(l ^ s1)
    const s3 = splitmix32(s0 ^ s2 ^ 0x5bd1e995)
    return new Prng(s0, s1, s2, s3)
  }

  /** The next unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** A fraction in [0, 1) with 32 bits of resolution (an exact binary fraction). */
  fraction(): number {
    return this.u32() / TWO_POW_32
  }

  /** An integer in [0, n) for 0 < n ≤ 2^21 (the product stays exact in a double). */
  below(n: number): number {
    return Math.floor((this.u32() * n) / TWO_POW_32)
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + this.below(max - min + 1)
  }

  /** True with probability `p` (compared in 32-bit fixed point). */
  chance(p: number): boolean {
    return this.u32() < Math.floor(p * TWO_POW_32)
  }

  /** One element of a non-empty array. */
  pick<A>(items: ReadonlyArray<A>): A {
    const item = items[this.below(items.length)]
    if (item === undefined) throw new RangeError("Prng.pick: empty array")
    return item
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<A>(items: Array<A>): Array<A> {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1)
      const t = items[i] as A
      items[i] = items[j] as A
      items[j] = t
    }
    return items
  }

  /** A random (version 4, RFC 4122 variant) GUID in Exact Online's lower-case form. */
  guid(): string {
    const w0 = this.u32()
    const w1 = this.u32()
    const w2 = (this.u32() & 0x3fffffff) | 0x80000000
    const w3 = this.u32()
    const v1 = ((w1 & 0xffff0fff) | 0x00004000) >>> 0
    const h = (w: number) => HEX[w >>> 24]! + HEX[(w >>> 16) & 255]! + HEX[(w >>> 8) & 255]! + HEX[w & 255]!
    const a = h(w0)
    const b = h(v1)
    const c = h(w2 >>> 0)
    const d = h(w3)
    return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`
  }
}
