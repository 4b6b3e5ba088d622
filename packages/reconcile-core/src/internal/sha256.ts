// SHA-256 (FIPS 180-4) of a text's UTF-8 bytes, synchronous.
//
// The core runs in browsers too, where `node:crypto` does not exist and Web Crypto's `digest` is
// asynchronous (a plan would become a promise). So: on Node, its one-shot `crypto.hash` (reached
// through `process.getBuiltinModule`, so nothing is imported and a bundle for the browser stays
// free of it), about three times faster; elsewhere the implementation below. Both hash the same
// UTF-8 bytes, and test/idempotency-keys.test.ts checks this one against `node:crypto` over the
// padding edges and thousands of random texts, so a key is the same in every runtime. The
// fallback is written for the core's inputs — key sources of one to three blocks, tens of
// thousands a plan — and allocates nothing per call: the text is encoded into a reused buffer,
// the schedule is a reused array, hex digits come from a table.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
])

const encoder = new TextEncoder()
const W = new Int32Array(64)
const H = new Int32Array(8)
const HEX: ReadonlyArray<string> = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"))
let buffer = new Uint8Array(1024)

// The message and its padding, in `buffer`; returns the padded length (a multiple of 64).
const load = (text: string): number => {
  // UTF-8 takes at most three bytes per UTF-16 unit; nine more for the 0x80 and the bit length.
  const worst = text.length * 3 + 72
  if (buffer.length < worst) buffer = new Uint8Array(Math.max(worst, buffer.length * 2))
  const length = encoder.encodeInto(text, buffer).written
  const padded = (length + 9 + 63) & ~63
  buffer[length] = 0x80
  buffer.fill(0, length + 1, padded - 8)
  const bits = length * 8
  const high = Math.floor(bits / 0x1_0000_0000)
  buffer[padded - 8] = high >>> 24
  buffer[padded - 7] = high >>> 16
  buffer[padded - 6] = high >>> 8
  buffer[padded - 5] = high
  buffer[padded - 4] = bits >>> 24
  buffer[padded - 3] = bits >>> 16
  buffer[padded - 2] = bits >>> 8
  buffer[padded - 1] = bits
  return padded
}

const compress = (bytes: Uint8Array, offset: number): void => {
  for (let i = 0; i < 16; i++) {
    const at = offset + i * 4
    W[i] =
      ((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number)
  }
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15] as number
    const w2 = W[i - 2] as number
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)
    W[i] = ((W[i - 16] as number) + s0 + (W[i - 7] as number) + s1) | 0
  }
  let a = H[0] as number
  let b = H[1] as number
  let c = H[2] as number
  let d = H[3] as number
  let e = H[4] as number
  let f = H[5] as number
  let g = H[6] as number
  let h = H[7] as number
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const ch = (e & f) ^ (~e & g)
    const t1 = (h + S1 + ch + (K[i] as number) + (W[i] as number)) | 0
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const maj = (a & b) ^ (a & c) ^ (b & c)
    const t2 = (S0 + maj) | 0
    h = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = b
    b = a
    a = (t1 + t2) | 0
  }
  H[0] = (H[0] as number) + a
  H[1] = (H[1] as number) + b
  H[2] = (H[2] as number) + c
  H[3] = (H[3] as number) + d
  H[4] = (H[4] as number) + e
  H[5] = (H[5] as number) + f
  H[6] = (H[6] as number) + g
  H[7] = (H[7] as number) + h
}

const word = (value: number): string =>
  (HEX[(value >>> 24) & 0xff] as string) +
  (HEX[(value >>> 16) & 0xff] as string) +
  (HEX[(value >>> 8) & 0xff] as string) +
  (HEX[value & 0xff] as string)

/** The fallback, exported for its test. @internal */
export const sha256HexPortable = (text: string): string => {
  const padded = load(text)
  H[0] = 0x6a09e667
  H[1] = 0xbb67ae85
  H[2] = 0x3c6ef372
  H[3] = 0xa54ff53a
  H[4] = 0x510e527f
  H[5] = 0x9b05688c
  H[6] = 0x1f83d9ab
  H[7] = 0x5be0cd19
  for (let offset = 0; offset < padded; offset += 64) compress(buffer, offset)
  return (
    word(H[0] as number) +
    word(H[1] as number) +
    word(H[2] as number) +
    word(H[3] as number) +
    word(H[4] as number) +
    word(H[5] as number) +
    word(H[6] as number) +
    word(H[7] as number)
  )
}

type PlatformHash = (algorithm: "sha256", data: string, encoding: "hex") => string

const platformHash = ((): PlatformHash | undefined => {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const crypto = process?.getBuiltinModule?.("node:crypto") as { hash?: PlatformHash } | undefined
  return typeof crypto?.hash === "function" ? crypto.hash : undefined
})()

/** The SHA-256 of the UTF-8 bytes of `text`, as 64 lowercase hex digits. */
export const sha256Hex: (text: string) => string =
  platformHash === undefined ? sha256HexPortable : (text) => platformHash("sha256", text, "hex")
