/**
 * Memory, SQLite and PostgreSQL storage for psa-ledger, behind one contract.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/storage-adapters" as const
