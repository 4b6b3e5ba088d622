import { toLinkError } from "../LinkError.ts"

/** Runs a promise step of the link API so that anything it rejects with becomes a `LinkError` naming `operation`. */
export const promise = <A>(operation: string, run: () => Promise<A>): Promise<A> =>
  run().catch((error: unknown) => {
    throw toLinkError(error, operation)
  })
