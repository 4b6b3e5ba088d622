// Name normalisation and similarity for fuzzy suggestions. Deliberately conservative: a
// suggestion is shown, never applied, unless a link opts into auto-accept.

const legalForms = new Set([
  "bv",
  "nv",
  "vof",
  "cv",
  "bvba",
  "bvba",
  "srl",
  "sprl",
  "ltd",
  "limited",
  "plc",
  "llp",
  "llc",
  "inc",
  "incorporated",
  "corp",
  "corporation",
  "gmbh",
  "mbh",
  "ag",
  "kg",
  "ug",
  "ohg",
  "ev",
  "sa",
  "sas",
  "sarl",
  "spa",
  "ab",
  "as",
  "asa",
  "oy",
  "aps",
  "pty",
  "co"
])

/**
 * The words of a name with case, diacritics, punctuation and legal-form suffixes removed:
 * `"Bäcker & Zn. B.V."` → `["backer", "zn"]`.
 */
export const nameTokens = (name: string): ReadonlyArray<string> => {
  const folded = name
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    // "B.V." and "N.V." lose their dots first so they read as one word.
    .replace(/\./g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
  if (folded === "") return []
  const raw = folded.split(" ")
  // "b v" (spaced initials) reads as "bv".
  const merged: Array<string> = []
  let initials = ""
  for (const token of raw) {
    if (token.length === 1 && /\p{L}/u.test(token)) {
      initials += token
      continue
    }
    if (initials !== "") merged.push(initials)
    initials = ""
    merged.push(token)
  }
  if (initials !== "") merged.push(initials)
  const kept = merged.filter((token) => !legalForms.has(token))
  // A name that is only a legal form keeps its words rather than becoming empty.
  return kept.length > 0 ? kept : merged
}

/** The normalised name as one string, for equality. */
export const normaliseName = (name: string): string => nameTokens(name).join(" ")

/** A code or tax id for identity comparison: trimmed, without spaces, dots and dashes, upper case. */
export const normaliseKey = (key: string): string => key.replace(/[\s.-]/g, "").toUpperCase()

/** Character trigrams of a normalised name (padded so short words still have some). */
export const trigrams = (normalised: string): ReadonlyArray<string> => {
  const padded = `  ${normalised} `
  const result = new Set<string>()
  for (let i = 0; i + 3 <= padded.length; i++) result.add(padded.slice(i, i + 3))
  return [...result]
}

/** A name read once for comparing: its words and trigrams as sets. */
interface Prepared {
  readonly normalised: string
  readonly words: ReadonlySet<string>
  readonly grams: ReadonlySet<string>
}

const prepare = (name: string): Prepared => {
  const tokens = nameTokens(name)
  const normalised = tokens.join(" ")
  return { normalised, words: new Set(tokens), grams: new Set(trigrams(normalised)) }
}

const dice = (a: ReadonlySet<string>, b: ReadonlySet<string>): number => {
  if (a.size === 0 || b.size === 0) return 0
  let shared = 0
  for (const item of b) if (a.has(item)) shared++
  return (2 * shared) / (a.size + b.size)
}

const similarity = (a: Prepared, b: Prepared): number => {
  if (a.normalised === "" || b.normalised === "") return 0
  if (a.normalised === b.normalised) return 1
  const score = 0.6 * dice(a.words, b.words) + 0.4 * dice(a.grams, b.grams)
  // Never report a perfect score for names that differ.
  return Math.min(Math.round(score * 1000) / 1000, 0.99)
}

/**
 * Similarity of two names in 0..1: 1 when equal after normalisation, otherwise a blend of word
 * overlap and character-trigram overlap (which tolerates typos).
 */
export const nameSimilarity = (a: string, b: string): number => similarity(prepare(a), prepare(b))

/**
 * An inverted trigram index over names, so finding candidates for one name touches only the
 * entries that share trigrams with it instead of scanning the whole snapshot.
 */
export class NameIndex<T> {
  private readonly postings = new Map<string, Array<number>>()
  private readonly entries: Array<{ readonly value: T; readonly name: string; prepared: Prepared | undefined }> = []
  private readonly maxPosting: number
  private counts: Uint32Array | undefined

  constructor(items: Iterable<T>, name: (item: T) => string, maxPosting = 2_000) {
    this.maxPosting = maxPosting
    for (const item of items) {
      const text = name(item)
      const index = this.entries.push({ value: item, name: text, prepared: undefined }) - 1
      for (const gram of trigrams(normaliseName(text))) {
        let list = this.postings.get(gram)
        if (list === undefined) {
          list = []
          this.postings.set(gram, list)
        }
        list.push(index)
      }
    }
  }

  /** The best-scoring entries at or above `minScore`, at most `limit`, best first. */
  search(
    query: string,
    options: { readonly minScore: number; readonly limit: number }
  ): Array<{ readonly value: T; readonly score: number }> {
    const prepared = prepare(query)
    const grams = trigrams(prepared.normalised)
    // Shared trigrams per entry, counted in a reused array (a query touches thousands of entries).
    this.counts ??= new Uint32Array(this.entries.length)
    const counts = this.counts
    const touched: Array<number> = []
    for (const gram of grams) {
      const list = this.postings.get(gram)
      // Trigrams shared by a huge share of names carry no signal and would make this a scan.
      if (list === undefined || list.length > this.maxPosting) continue
      for (const index of list) {
        const count = counts[index] as number
        counts[index] = count + 1
        if (count === 0) touched.push(index)
      }
    }
    const shortlist: Array<readonly [index: number, count: number]> = []
    for (const index of touched) {
      const count = counts[index] as number
      counts[index] = 0
      if (count * 3 >= grams.length) shortlist.push([index, count])
    }
    shortlist.sort((a, b) => b[1] - a[1] || a[0] - b[0])
    if (shortlist.length > 50) shortlist.length = 50
    const scored: Array<{ readonly value: T; readonly score: number; readonly index: number }> = []
    for (const [index] of shortlist) {
      const entry = this.entries[index]
      if (entry === undefined) continue
      entry.prepared ??= prepare(entry.name)
      const score = similarity(prepared, entry.prepared)
      if (score >= options.minScore) scored.push({ value: entry.value, score, index })
    }
    scored.sort((a, b) => b.score - a.score || a.index - b.index)
    return scored.slice(0, options.limit).map(({ value, score }) => ({ value, score }))
  }
}
