/**
 * Splits `items` greedily, in order, into chunks that each still `fits`: an item joins the current
 * chunk while the chunk with it fits, and starts the next one otherwise. A single item always makes a
 * chunk, even one that does not fit alone, so nothing is dropped.
 */
export const chunkWhile = <A>(
  items: Iterable<A>,
  fits: (chunk: ReadonlyArray<A>) => boolean
): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  let current: Array<A> = []
  for (const item of items) {
    const next = [...current, item]
    if (current.length > 0 && !fits(next)) {
      out.push(current)
      current = [item]
    } else current = next
  }
  if (current.length > 0) out.push(current)
  return out
}

/** Splits a list into chunks of at most `size` items. */
export const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * How many `eq` terms one Exact `$filter` ORs together: short enough that the URL stays well under
 * the length Exact's gateway accepts, long enough that a bulk read by keys is a few calls.
 */
export const EXACT_TERMS_PER_FILTER = 40
