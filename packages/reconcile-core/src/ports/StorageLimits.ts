/**
 * Length limits shared by every adapter: SQL columns are sized from these, and the schemas below
 * check them, so an over-long value is refused the same way everywhere.
 *
 * @since 0.1.0
 */
export const StorageLimits = {
  /** Link ids, run ids, operation keys, source keys. */
  key: 512,
  /** Names, e-mail addresses, cron expressions, short labels. */
  label: 1_000,
  /** Log messages and summaries. */
  text: 100_000
} as const
